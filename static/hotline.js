// Hotline requests (诉求) of the grid's subtree: the open ones and those
// received in the last 7 days (GET /api/grids/{id}/requests?state=all&days=7,
// docs/FIELD.md), open ones first; an open one opens onto the close form
// of actions.js.
'use strict';

import { t, fmtNumber, onLangChange } from './i18n.js';
import { getJSON, isAbort } from './api.js';
import { el } from './ui.js';
import { formsFor } from './actions.js';
import { fmtWhen } from './when.js';

const DAYS = 7;
const PAGE = 100;

let box = null;
let gridId = null;
let onWrite = null;
let onChange = () => {};
let requests = null; // open first, then newest first
let failed = false;
let ctrl = null;
let shown = PAGE;
const open = new Set(); // request ids whose entry is open
const forms = new Map(); // request id -> its close form
const closedNow = new Set();

export function initRequests(node, { grid, done, changed }) {
  box = node;
  gridId = grid;
  onWrite = done;
  onChange = changed;
  onLangChange(() => {
    forms.clear();
    renderRequests();
  });
}

export function requestsBadge() {
  if (!requests) return null;
  const n = requests.filter((q) => !q.closed_at).length;
  return { n, alarm: n };
}

export async function loadRequests() {
  if (ctrl) ctrl.abort();
  const mine = new AbortController();
  ctrl = mine;
  try {
    const d = await getJSON(`/api/grids/${gridId}/requests?state=all&days=${DAYS}`, { signal: mine.signal });
    if (ctrl !== mine) return;
    const list = d && Array.isArray(d.requests) ? d.requests : [];
    requests = list.map((q, i) => [q, i]).sort((a, b) => Number(!!a[0].closed_at) - Number(!!b[0].closed_at) || a[1] - b[1]).map((x) => x[0]);
    failed = false;
  } catch (err) {
    if (isAbort(err)) return;
    failed = true;
  }
  renderRequests();
  onChange();
}

function closed(item, action, answer) {
  forms.delete(item.id);
  closedNow.add(item.id);
  onWrite(item, action, answer);
  loadRequests();
}

function detail(q) {
  const who = [q.caller, q.phone].filter(Boolean).join(' ');
  let form = null;
  if (!q.closed_at) {
    form = forms.get(q.id);
    if (!form) {
      form = el('div', { class: 'rec-forms' }, formsFor({ kind: 'requests', id: q.id }, closed));
      forms.set(q.id, form);
    }
  }
  return el(
    'div',
    { class: 'rec-detail' },
    who && el('p', { class: 'rec-phone' }, `${t('req.caller')}${t('err.sep')}${who}`),
    closedNow.has(q.id) && el('p', { class: 'act-ok rec-saved' }, t('req.closedNow')),
    q.closed_at && el('p', { class: 'rec-sub' }, [t('req.closedAt', { when: fmtWhen(q.closed_at) }), q.resolution || ''].filter(Boolean).join(' · ')),
    form
  );
}

function entry(q) {
  const on = open.has(q.id);
  const isOpen = !q.closed_at;
  const toggle = () => {
    if (on) {
      open.delete(q.id);
      closedNow.delete(q.id);
    } else open.add(q.id);
    renderRequests();
  };
  return el(
    'li',
    { class: `rec-item${on ? ' is-open' : ''}`, dataset: { requestId: String(q.id), state: isOpen ? 'open' : 'closed' } },
    el(
      'button',
      { type: 'button', class: 'rec-head', 'aria-expanded': String(on), onclick: toggle },
      el(
        'span',
        { class: 'rec-line' },
        el('span', { class: `rec-badge ${isOpen ? 'rec-bad' : 'rec-good'}` }, t(isOpen ? 'req.open' : 'req.closed')),
        el('b', { class: 'rec-name' }, t(`rcat.${q.category}`)),
        el('span', { class: 'rec-cat' }, q.building || '')
      ),
      el('span', { class: 'rec-sub' }, t('req.received', { when: fmtWhen(q.received_at) })),
      el('span', { class: 'rec-body' }, q.body || '')
    ),
    on && detail(q)
  );
}

export function renderRequests() {
  if (!box) return;
  const parts = [];
  if (failed && !requests) parts.push(el('p', { class: 'act-error' }, t('rec.failed')));
  else if (!requests) parts.push(el('p', { class: 'muted' }, t('rec.loading')));
  else if (!requests.length) parts.push(el('p', { class: 'gap-empty' }, t('req.empty')));
  else {
    const o = requests.filter((q) => !q.closed_at).length;
    parts.push(el('p', { class: 'rec-summary' }, t('req.summary', { o: fmtNumber(o), c: fmtNumber(requests.length - o) })));
    parts.push(el('ul', { class: 'rec-list', id: 'requests-list' }, requests.slice(0, shown).map(entry)));
    const rest = requests.length - shown;
    if (rest > 0) {
      const more = () => {
        shown += PAGE;
        renderRequests();
      };
      parts.push(el('button', { type: 'button', class: 'btn-secondary rec-more', onclick: more }, t('rec.more', { n: fmtNumber(Math.min(rest, PAGE)) })));
    }
  }
  box.replaceChildren(...parts);
  box.dataset.state = failed ? 'failed' : requests ? 'loaded' : 'loading';
  box.dataset.version = String(Number(box.dataset.version || 0) + 1);
}
