// Hotline requests (诉求) of the grid's subtree: the open ones and those
// received in the last 7 days (GET /api/grids/{id}/requests?state=all&days=7,
// docs/FIELD.md), open ones first; an open one opens onto the close form
// of actions.js.
'use strict';

import { t, fmtNumber } from './i18n.js';
import { el } from './ui.js';
import { recordList, flaggedFirst } from './reclist.js';
import { fmtWhen } from './when.js';

const DAYS = 7;

// The requests list (reclist.js) in node; done(item, action, answer): what
// a close made here also changes; changed(): after each fetch; forms(item,
// done): the forms of an item (actions.js's formsFor).
export function requestsList(node, { grid, done, changed, forms }) {
  const list = recordList(node, {
    url: `/api/grids/${grid}/requests?state=all&days=${DAYS}`,
    // Open first, then newest first (the API's order).
    items: (d) =>
      flaggedFirst(d && Array.isArray(d.requests) ? d.requests : [], (q) => !q.closed_at),
    key: (q) => q.id,
    id: 'requests-list',
    empty: 'req.empty',
    summary: (qs) => {
      const o = qs.filter((q) => !q.closed_at).length;
      return t('req.summary', { o: fmtNumber(o), c: fmtNumber(qs.length - o) });
    },
    entry,
    detail: (q) => detail(q, list, forms, closed),
    changed,
  });
  const closed = list.afterSave(done);
  return {
    ...list,
    badge() {
      const qs = list.items();
      if (!qs) return null;
      const n = qs.filter((q) => !q.closed_at).length;
      return { n, alarm: n, more: list.truncated() };
    },
  };
}

// late: an open request past its deadline.
const late = (q) => !q.closed_at && q.deadline && Date.parse(q.deadline) < Date.now();

function followUpText(f) {
  const sat = t(`sat.${f.satisfaction}`);
  return f.note ? t('req.followUpNote', { sat, note: f.note }) : t('req.followUp', { sat });
}

// The detail: the caller, who has it and by when, the result and the
// follow-up call; an open request's close form, a closed one's follow-up
// form until it was called back.
function detail(q, list, forms, closed) {
  const who = [q.caller, q.phone].filter(Boolean).join(' ');
  let form = null;
  if (!q.closed_at) form = list.form(q.id, () => el('div', { class: 'rec-forms' }, forms({ kind: 'requests', id: q.id }, closed)));
  else if (!q.follow_up) form = list.form(q.id, () => el('div', { class: 'rec-forms' }, forms({ kind: 'followup', id: q.id }, closed)));
  return el(
    'div',
    { class: 'rec-detail' },
    who && el('p', { class: 'rec-phone' }, `${t('req.caller')}${t('err.sep')}${who}`),
    q.assignee && el('p', { class: 'rec-sub' }, `${t('req.assignee')}${t('err.sep')}${q.assignee}`),
    !q.closed_at && q.deadline && el('p', { class: `rec-sub${late(q) ? ' act-error' : ''}` }, t('req.deadline', { when: fmtWhen(q.deadline) })),
    list.saved(q.id) && el('p', { class: 'act-ok rec-saved' }, t(q.follow_up ? 'req.followedUpNow' : 'req.closedNow')),
    q.closed_at && el('p', { class: 'rec-sub' }, [t('req.closedAt', { when: fmtWhen(q.closed_at) }), q.resolution || ''].filter(Boolean).join(' · ')),
    q.follow_up && el('p', { class: 'rec-sub rec-followup', dataset: { satisfaction: q.follow_up.satisfaction } }, followUpText(q.follow_up)),
    form
  );
}

function entry(q) {
  const isOpen = !q.closed_at;
  return {
    dataset: { requestId: String(q.id), state: isOpen ? 'open' : q.follow_up ? 'followed-up' : 'closed' },
    head: [
      el(
        'span',
        { class: 'rec-line' },
        el('span', { class: `rec-badge ${isOpen ? 'rec-bad' : 'rec-good'}` }, t(isOpen ? 'req.open' : 'req.closed')),
        q.urgency === 'urgent' && isOpen && el('span', { class: 'rec-badge rec-bad' }, t('req.urgent')),
        late(q) && el('span', { class: 'rec-badge rec-bad' }, t('req.late')),
        !isOpen && !q.follow_up && el('span', { class: 'rec-badge rec-calm' }, t('req.needsFollowUp')),
        el('b', { class: 'rec-name' }, t(`rcat.${q.category}`)),
        el('span', { class: 'rec-cat' }, q.building || '')
      ),
      el('span', { class: 'rec-sub' }, t('req.received', { when: fmtWhen(q.received_at) })),
      el('span', { class: 'rec-body' }, q.body || ''),
    ],
  };
}
