// Party members' points (党员积分) of the grid's subtree, by points
// (GET /api/grids/{id}/party-members, docs/FIELD.md): each with the
// households they are the contact of and their awards in 30 days; a
// writer opens a member to award points (POST /api/party-members/{id}/points).
'use strict';

import { t, fmtNumber, onLangChange } from './i18n.js';
import { getJSON, isAbort } from './api.js';
import { el } from './ui.js';
import { Write } from './fieldwrite.js';

const PAGE = 100;

let box = null;
let gridId = null;
let canWrite = false;
let onChange = () => {};
let members = null;
let failed = false;
let ctrl = null;
let shown = PAGE;
const open = new Set(); // person ids whose entry is open
const forms = new Map(); // person id -> award form, kept across redraws
const pending = new Map(); // person id -> a Write not yet confirmed

export function initParty(node, { grid, canWrite: cw, changed }) {
  box = node;
  gridId = grid;
  canWrite = cw;
  onChange = changed;
  onLangChange(() => {
    forms.clear();
    renderParty();
  });
}

export async function loadParty() {
  if (ctrl) ctrl.abort();
  const mine = new AbortController();
  ctrl = mine;
  try {
    const d = await getJSON(`/api/grids/${gridId}/party-members`, { signal: mine.signal });
    if (ctrl !== mine) return;
    members = d && Array.isArray(d.party_members) ? d.party_members : [];
    failed = false;
  } catch (err) {
    if (isAbort(err)) return;
    failed = true;
  }
  renderParty();
  onChange();
}

// The points typed, or null when they are not a whole number in
// -100..100 other than 0 (the server's rule, checked before sending).
function pointsOf(input) {
  const v = input.value.trim();
  if (!/^[+-]?\d{1,3}$/.test(v)) return null;
  const n = Number(v);
  return n === 0 || n < -100 || n > 100 ? null : n;
}

function awardForm(m) {
  const points = el('input', { name: 'points', type: 'number', inputmode: 'numeric', min: '-100', max: '100', step: '1', required: true });
  const reason = el('input', { name: 'reason', maxlength: '200', required: true });
  const status = el('div', { class: 'act-status', role: 'status' });
  const submit = el('button', { type: 'submit', class: 'btn-primary act-submit' }, t('pty.award'));
  const form = el(
    'form',
    { class: 'act-form act-points', novalidate: true, dataset: { action: 'points' } },
    el('label', { class: 'act-field pty-points' }, el('span', {}, t('pty.pointsLabel')), points),
    el('label', { class: 'act-field' }, el('span', {}, t('pty.reason')), reason),
    el('div', { class: 'act-row' }, submit, status)
  );
  const fail = (msg) => {
    form.dataset.state = 'failed';
    status.className = 'act-status act-error';
    status.textContent = msg;
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const p = pointsOf(points);
    if (p === null) return fail(t('pty.badPoints'));
    if (!reason.value.trim()) return fail(t('pty.noReason'));
    const body = { points: p, reason: reason.value.trim() };
    let w = pending.get(m.person_id);
    if (!w || JSON.stringify(w.body) !== JSON.stringify(body)) {
      w = new Write('POST', `/api/party-members/${encodeURIComponent(m.person_id)}/points`, body);
      pending.set(m.person_id, w);
    }
    submit.disabled = true;
    form.dataset.state = 'saving';
    status.className = 'act-status';
    status.textContent = t('act.saving');
    try {
      const answer = await w.send();
      pending.delete(m.person_id);
      form.reset();
      form.dataset.state = 'saved';
      status.className = 'act-status act-ok';
      status.textContent = t('pty.awarded', { p: `${p > 0 ? '+' : ''}${fmtNumber(p)}`, n: fmtNumber(answer.points) });
      submit.textContent = t('pty.award');
      submit.disabled = false;
      loadParty();
    } catch (err) {
      fail(`${t('act.failed')}${t('err.sep')}${err.describe ? err.describe() : err.message}`);
      submit.textContent = t('act.retry');
      submit.disabled = false;
    }
  });
  return form;
}

function entry(m, rank) {
  const on = open.has(m.person_id);
  const toggle = () => {
    if (on) open.delete(m.person_id);
    else open.add(m.person_id);
    renderParty();
  };
  let detail = null;
  if (on) {
    if (!canWrite) detail = el('p', { class: 'muted act-readonly' }, t('act.readOnly'));
    else {
      detail = forms.get(m.person_id);
      if (!detail) {
        detail = awardForm(m);
        forms.set(m.person_id, detail);
      }
    }
  }
  return el(
    'li',
    { class: `rec-item pty-item${on ? ' is-open' : ''}`, dataset: { personId: String(m.person_id), points: String(m.points) } },
    el(
      'button',
      { type: 'button', class: 'rec-head pty-head', 'aria-expanded': String(on), onclick: toggle },
      el('span', { class: `pty-rank${rank <= 3 && m.points > 0 ? ' pty-top' : ''}` }, String(rank)),
      el(
        'span',
        { class: 'pty-who' },
        el('b', { class: 'rec-name' }, m.name || ''),
        el('span', { class: 'rec-sub' }, t('pty.households', { n: fmtNumber(m.households) }), ' · ', t('pty.awards', { n: fmtNumber(m.awards) }))
      ),
      el('span', { class: 'pty-points-n' }, t('pty.points', { n: fmtNumber(m.points) }))
    ),
    detail && el('div', { class: 'rec-detail' }, detail)
  );
}

export function renderParty() {
  if (!box) return;
  const parts = [];
  if (failed && !members) parts.push(el('p', { class: 'act-error' }, t('rec.failed')));
  else if (!members) parts.push(el('p', { class: 'muted' }, t('rec.loading')));
  else if (!members.length) parts.push(el('p', { class: 'gap-empty' }, t('pty.empty')));
  else {
    parts.push(el('p', { class: 'rec-summary' }, t('pty.summary', { n: fmtNumber(members.length) })));
    // Equal points, equal rank (1, 2, 2, 4…); the list comes by points.
    const ranks = [];
    members.forEach((m, i) => ranks.push(i > 0 && m.points === members[i - 1].points ? ranks[i - 1] : i + 1));
    parts.push(el('ol', { class: 'rec-list', id: 'party-list' }, members.slice(0, shown).map((m, i) => entry(m, ranks[i]))));
    const rest = members.length - shown;
    if (rest > 0) {
      const more = () => {
        shown += PAGE;
        renderParty();
      };
      parts.push(el('button', { type: 'button', class: 'btn-secondary rec-more', onclick: more }, t('rec.more', { n: fmtNumber(Math.min(rest, PAGE)) })));
    }
  }
  box.replaceChildren(...parts);
  box.dataset.state = failed ? 'failed' : members ? 'loaded' : 'loading';
  box.dataset.version = String(Number(box.dataset.version || 0) + 1);
}
