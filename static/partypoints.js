// Party members' points (党员积分) of the grid's subtree, by points
// (GET /api/grids/{id}/party-members, docs/FIELD.md): each with the
// households they are the contact of and their awards in 30 days; a
// writer opens a member to award points (POST /api/party-members/{id}/points).
'use strict';

import { t, fmtNumber } from './i18n.js';
import { el } from './ui.js';
import { recordList } from './reclist.js';
import { Write, isUndone } from './fieldwrite.js';

// The party members' list (reclist.js) in node; canWrite: the account may
// award points; changed(): after each fetch.
export function partyList(node, { grid, canWrite, changed }) {
  const pending = new Map(); // person id -> a Write not yet confirmed
  const list = recordList(node, {
    url: `/api/grids/${grid}/party-members`,
    items: (d) => (d && Array.isArray(d.party_members) ? d.party_members : []),
    key: (m) => m.person_id,
    tag: 'ol',
    id: 'party-list',
    empty: 'pty.empty',
    summary: (ms) => t('pty.summary', { n: fmtNumber(ms.length) }),
    entry,
    detail: (m) =>
      el('div', { class: 'rec-detail' }, canWrite ? list.form(m.person_id, () => awardForm(m, pending, () => list.load())) : el('p', { class: 'muted act-readonly' }, t('act.readOnly'))),
    changed,
  });
  return list;
}

// The points typed, or null when they are not a whole number in
// -100..100 other than 0 (the server's rule, checked before sending).
function pointsOf(input) {
  const v = input.value.trim();
  if (!/^[+-]?\d{1,3}$/.test(v)) return null;
  const n = Number(v);
  return n === 0 || n < -100 || n > 100 ? null : n;
}

function awardForm(m, pending, reload) {
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
      if (w) w.discard();
      const label = `${t('pty.award')} ${m.name || ''} ${p > 0 ? '+' : ''}${fmtNumber(p)}`;
      w = new Write('POST', `/api/party-members/${encodeURIComponent(m.person_id)}/points`, body, { label });
      pending.set(m.person_id, w);
    }
    submit.disabled = true;
    form.dataset.state = 'saving';
    status.className = 'act-status';
    status.textContent = t('act.saving');
    try {
      const answer = await w.send({
        onHeld: () => {
          form.dataset.state = 'held';
          status.className = 'act-status act-ok';
          status.textContent = t('act.held');
        },
      });
      pending.delete(m.person_id);
      form.reset();
      form.dataset.state = 'saved';
      status.className = 'act-status act-ok';
      status.textContent = t('pty.awarded', { p: `${p > 0 ? '+' : ''}${fmtNumber(p)}`, n: fmtNumber(answer.points) });
      submit.textContent = t('pty.award');
      submit.disabled = false;
      reload();
    } catch (err) {
      if (isUndone(err)) {
        pending.delete(m.person_id);
        form.dataset.state = 'undone';
        status.className = 'act-status';
        status.textContent = t('act.undone');
        submit.disabled = false;
        return;
      }
      fail(`${t('act.failed')}${t('err.sep')}${err.describe ? err.describe() : err.message}`);
      submit.textContent = t('act.retry');
      submit.disabled = false;
    }
  });
  return form;
}

// Equal points, equal rank (1, 2, 2, 4…); the list comes by points.
function rankOf(ms, i) {
  while (i > 0 && ms[i].points === ms[i - 1].points) i -= 1;
  return i + 1;
}

function entry(m, i, ms) {
  const rank = rankOf(ms, i);
  return {
    class: 'pty-item',
    headClass: 'pty-head',
    dataset: { personId: String(m.person_id), points: String(m.points) },
    head: [
      el('span', { class: `pty-rank${rank <= 3 && m.points > 0 ? ' pty-top' : ''}` }, String(rank)),
      el(
        'span',
        { class: 'pty-who' },
        el('b', { class: 'rec-name' }, m.name || ''),
        el('span', { class: 'rec-sub' }, t('pty.households', { n: fmtNumber(m.households) }), ' · ', t('pty.awards', { n: fmtNumber(m.awards) }))
      ),
      el('span', { class: 'pty-points-n' }, t('pty.points', { n: fmtNumber(m.points) })),
    ],
  };
}
