// The ledger of vulnerable residents (关爱对象台账) of the grid's subtree
// (GET /api/grids/{id}/vulnerable, docs/FIELD.md): overdue residents first
// with how long overdue, each opening onto its visit log and the visit
// form of actions.js.
'use strict';

import { t, fmtNumber } from './i18n.js';
import { el } from './ui.js';
import { recordList, flaggedFirst } from './reclist.js';
import { fmtWhen, fmtDay, fmtSpan } from './when.js';

// The ledger list (reclist.js) in node; done(item, action, answer): what a
// saved visit also changes; changed(): after each fetch; forms(item, done):
// the forms of an item (actions.js's formsFor).
export function ledgerList(node, { grid, done, changed, forms }) {
  const list = recordList(node, {
    url: `/api/grids/${grid}/vulnerable`,
    // The API sorts by due date; overdue first whatever the clock says.
    items: (d) =>
      flaggedFirst(d && Array.isArray(d.residents) ? d.residents : [], (r) => r.overdue),
    key: (r) => r.id,
    id: 'ledger-list',
    empty: 'led.empty',
    summary: (rs) => t('led.summary', { n: fmtNumber(rs.length), o: fmtNumber(rs.filter((r) => r.overdue).length) }),
    entry,
    detail: (r) => detail(r, list, forms, visited),
    changed,
  });
  // A saved visit: a fresh form next time, the list refetched at once.
  const visited = list.afterSave(done);
  return {
    ...list,
    badge() {
      const rs = list.items();
      return rs && { n: rs.length, alarm: rs.filter((r) => r.overdue).length, more: list.truncated() };
    },
  };
}

function address(r) {
  return `${r.building || ''} ${r.unit || ''} ${r.room || ''}`.replace(/\s+/g, ' ').trim();
}

function badge(r) {
  if (r.overdue) {
    const late = Date.now() - new Date(r.due).getTime();
    return el('span', { class: 'rec-badge rec-bad' }, t('led.overdue', { span: fmtSpan(Math.max(0, late)) }));
  }
  return el('span', { class: 'rec-badge rec-calm' }, t('led.dueOn', { when: fmtDay(r.due) }));
}

function visitLog(r) {
  const visits = Array.isArray(r.visits) ? r.visits : [];
  return el(
    'div',
    { class: 'rec-log' },
    el('h4', {}, t('led.visits')),
    visits.length
      ? el(
          'ol',
          { class: 'rec-visits' },
          visits.map((v) =>
            el(
              'li',
              { dataset: { visitId: String(v.id), method: v.method } },
              el('span', { class: 'rec-when' }, fmtWhen(v.at)),
              el('span', { class: 'rec-method' }, t(`method.${v.method}`)),
              v.note && el('span', { class: 'rec-note' }, v.note)
            )
          )
        )
      : el('p', { class: 'muted rec-none' }, t('led.noVisits'))
  );
}

function detail(r, list, forms, visited) {
  const phone = r.phone && !r.phone.includes('*') ? el('a', { href: `tel:${r.phone.replace(/[^\d+]/g, '')}` }, r.phone) : r.phone;
  return el(
    'div',
    { class: 'rec-detail' },
    phone && el('p', { class: 'rec-phone' }, `${t('led.phone')}${t('err.sep')}`, phone),
    list.saved(r.id) && el('p', { class: 'act-ok rec-saved' }, t('led.visitedNow')),
    visitLog(r),
    list.form(r.id, () => el('div', { class: 'rec-forms' }, forms({ kind: 'overdue', id: r.id }, visited)))
  );
}

function entry(r) {
  return {
    dataset: { residentId: String(r.id), overdue: String(!!r.overdue) },
    head: [
      el('span', { class: 'rec-line' }, badge(r), el('b', { class: 'rec-name' }, r.name || ''), el('span', { class: 'rec-cat' }, t(`vcat.${r.category}`))),
      el('span', { class: 'rec-sub rec-addr' }, address(r)),
      el(
        'span',
        { class: 'rec-sub' },
        r.last_visit ? t('led.lastVisit', { when: fmtWhen(r.last_visit) }) : t('led.never', { when: fmtDay(r.since) }),
        ' · ',
        t('led.every', { n: r.visit_every_days })
      ),
    ],
  };
}
