// The ledger of vulnerable residents (关爱对象台账) of the grid's subtree
// (GET /api/grids/{id}/vulnerable, docs/FIELD.md): overdue residents first
// with how long overdue, each opening onto its visit log and the visit
// form of actions.js.
'use strict';

import { t, fmtNumber, onLangChange } from './i18n.js';
import { getJSON, isAbort } from './api.js';
import { el } from './ui.js';
import { formsFor } from './actions.js';
import { fmtWhen, fmtDay, fmtSpan } from './when.js';

const PAGE = 100; // entries drawn at first; more on request

let box = null;
let gridId = null;
let onWrite = null; // (item, action, answer): what a saved visit also changes
let onChange = () => {};
let residents = null; // the API's list, overdue first
let failed = false;
let ctrl = null;
let shown = PAGE;
const open = new Set(); // resident ids whose entry is open
const forms = new Map(); // resident id -> its visit form, kept across redraws
const visitedNow = new Set(); // resident ids visited through this list just now

export function initLedger(node, { grid, done, changed }) {
  box = node;
  gridId = grid;
  onWrite = done;
  onChange = changed;
  onLangChange(() => {
    forms.clear(); // their labels are in the old language
    renderLedger();
  });
}

export function ledgerBadge() {
  if (!residents) return null;
  return { n: residents.length, alarm: residents.filter((r) => r.overdue).length };
}

export async function loadLedger() {
  if (ctrl) ctrl.abort();
  const mine = new AbortController();
  ctrl = mine;
  try {
    const d = await getJSON(`/api/grids/${gridId}/vulnerable`, { signal: mine.signal });
    if (ctrl !== mine) return;
    const list = d && Array.isArray(d.residents) ? d.residents : [];
    // The API sorts by due date; overdue first whatever the clock says.
    residents = list.map((r, i) => [r, i]).sort((a, b) => Number(b[0].overdue) - Number(a[0].overdue) || a[1] - b[1]).map((x) => x[0]);
    failed = false;
  } catch (err) {
    if (isAbort(err)) return;
    failed = true;
  }
  renderLedger();
  onChange();
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

// A saved visit: a fresh form next time, the list refetched at once.
function visited(item, action, answer) {
  forms.delete(item.id);
  visitedNow.add(item.id);
  onWrite(item, action, answer);
  loadLedger();
}

function detail(r) {
  const phone = r.phone && !r.phone.includes('*') ? el('a', { href: `tel:${r.phone.replace(/[^\d+]/g, '')}` }, r.phone) : r.phone;
  let form = forms.get(r.id);
  if (!form) {
    form = el('div', { class: 'rec-forms' }, formsFor({ kind: 'overdue', id: r.id }, visited));
    forms.set(r.id, form);
  }
  return el(
    'div',
    { class: 'rec-detail' },
    phone && el('p', { class: 'rec-phone' }, `${t('led.phone')}${t('err.sep')}`, phone),
    visitedNow.has(r.id) && el('p', { class: 'act-ok rec-saved' }, t('led.visitedNow')),
    visitLog(r),
    form
  );
}

function entry(r) {
  const on = open.has(r.id);
  const toggle = () => {
    if (on) {
      open.delete(r.id);
      visitedNow.delete(r.id);
    } else open.add(r.id);
    renderLedger();
  };
  return el(
    'li',
    { class: `rec-item${on ? ' is-open' : ''}`, dataset: { residentId: String(r.id), overdue: String(!!r.overdue) } },
    el(
      'button',
      { type: 'button', class: 'rec-head', 'aria-expanded': String(on), onclick: toggle },
      el('span', { class: 'rec-line' }, badge(r), el('b', { class: 'rec-name' }, r.name || ''), el('span', { class: 'rec-cat' }, t(`vcat.${r.category}`))),
      el('span', { class: 'rec-sub rec-addr' }, address(r)),
      el(
        'span',
        { class: 'rec-sub' },
        r.last_visit ? t('led.lastVisit', { when: fmtWhen(r.last_visit) }) : t('led.never', { when: fmtDay(r.since) }),
        ' · ',
        t('led.every', { n: r.visit_every_days })
      )
    ),
    on && detail(r)
  );
}

export function renderLedger() {
  if (!box) return;
  const parts = [];
  if (failed && !residents) parts.push(el('p', { class: 'act-error' }, t('rec.failed')));
  else if (!residents) parts.push(el('p', { class: 'muted' }, t('rec.loading')));
  else if (!residents.length) parts.push(el('p', { class: 'gap-empty' }, t('led.empty')));
  else {
    const overdue = residents.filter((r) => r.overdue).length;
    parts.push(el('p', { class: 'rec-summary' }, t('led.summary', { n: fmtNumber(residents.length), o: fmtNumber(overdue) })));
    parts.push(el('ul', { class: 'rec-list', id: 'ledger-list' }, residents.slice(0, shown).map(entry)));
    const rest = residents.length - shown;
    if (rest > 0) {
      const more = () => {
        shown += PAGE;
        renderLedger();
      };
      parts.push(el('button', { type: 'button', class: 'btn-secondary rec-more', onclick: more }, t('rec.more', { n: fmtNumber(Math.min(rest, PAGE)) })));
    }
  }
  box.replaceChildren(...parts);
  box.dataset.state = failed ? 'failed' : residents ? 'loaded' : 'loading';
  box.dataset.version = String(Number(box.dataset.version || 0) + 1);
}
