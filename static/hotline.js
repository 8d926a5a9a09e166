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
      return { n, alarm: n };
    },
  };
}

function detail(q, list, forms, closed) {
  const who = [q.caller, q.phone].filter(Boolean).join(' ');
  const form = q.closed_at ? null : list.form(q.id, () => el('div', { class: 'rec-forms' }, forms({ kind: 'requests', id: q.id }, closed)));
  return el(
    'div',
    { class: 'rec-detail' },
    who && el('p', { class: 'rec-phone' }, `${t('req.caller')}${t('err.sep')}${who}`),
    list.saved(q.id) && el('p', { class: 'act-ok rec-saved' }, t('req.closedNow')),
    q.closed_at && el('p', { class: 'rec-sub' }, [t('req.closedAt', { when: fmtWhen(q.closed_at) }), q.resolution || ''].filter(Boolean).join(' · ')),
    form
  );
}

function entry(q) {
  const isOpen = !q.closed_at;
  return {
    dataset: { requestId: String(q.id), state: isOpen ? 'open' : 'closed' },
    head: [
      el(
        'span',
        { class: 'rec-line' },
        el('span', { class: `rec-badge ${isOpen ? 'rec-bad' : 'rec-good'}` }, t(isOpen ? 'req.open' : 'req.closed')),
        el('b', { class: 'rec-name' }, t(`rcat.${q.category}`)),
        el('span', { class: 'rec-cat' }, q.building || '')
      ),
      el('span', { class: 'rec-sub' }, t('req.received', { when: fmtWhen(q.received_at) })),
      el('span', { class: 'rec-body' }, q.body || ''),
    ],
  };
}
