// What the outbox (outbox.js) looks like on a page: a confirmation with
// undo for each new write ("已记录 · 撤销", then "已提交" once sent), and
// while anything waits a bar at the foot of the screen that stays until it
// is sent: how many, why (offline, server out of reach, login expired with
// a link to log in again that comes back here), those kept for another
// account, and those the server refused, each with its message, to edit or
// discard. Any page that writes through the outbox calls initOutboxView().
'use strict';

import { t, onLangChange } from './i18n.js';
import { loginURL, codeText } from './api.js';
import { el } from './ui.js';
import { state, undo, discard, retry } from './outbox.js';

const SENT_SHOW_MS = 2500;
const QUEUED_SHOW_MS = 4000;

const view = { bar: null, toasts: null, open: false, editing: null, toastsById: new Map() };

export function initOutboxView() {
  if (view.bar) return;
  view.toasts = el('div', { id: 'outbox-toasts', class: 'outbox-toasts', 'aria-live': 'polite' });
  view.bar = el('div', { id: 'outbox-bar', class: 'outbox-bar', role: 'status', hidden: true });
  document.body.append(view.toasts, view.bar);
  document.addEventListener('gridmap:outbox', (ev) => onOutbox(ev.detail));
  onLangChange(() => {
    renderBar();
    for (const [id, tt] of view.toastsById) tt.render(id);
  });
  renderBar();
}

function onOutbox({ kind, entry, answer }) {
  if (kind === 'held') heldToast(entry);
  else if (entry && view.toastsById.has(entry.client_id)) view.toastsById.get(entry.client_id).update(kind, answer);
  renderBar();
}

// ---- toasts -----------------------------------------------------------------------

// One toast per new write, with its own undo until the write is sent.
function heldToast(entry) {
  const id = entry.client_id;
  const text = el('span', { class: 'outbox-toast-text' });
  const btn = el('button', { type: 'button', class: 'outbox-undo', dataset: { clientId: id } });
  const node = el('div', { class: 'outbox-toast', dataset: { clientId: id, state: 'held' } }, text, btn);
  let phase = 'held';
  let fade = null;
  const tt = {
    render() {
      const key = { held: 'ob.held', sending: 'ob.sending', sent: 'ob.sent', queued: 'ob.queuedOne', undone: 'ob.undone', failed: 'ob.failedOne' }[phase];
      text.textContent = entry.label ? `${t(key)} · ${entry.label}` : t(key);
      btn.textContent = t('ob.undo');
      btn.hidden = phase !== 'held';
      node.dataset.state = phase;
    },
    update(kind) {
      if (kind === 'sent') phase = 'sent';
      else if (kind === 'undone') phase = 'undone';
      else if (kind === 'failed') phase = 'failed';
      else if (state().sending.has(id)) phase = 'sending';
      else if (phase === 'held' && Date.now() >= entry.send_after) phase = 'queued';
      tt.render();
      if (phase === 'sent' || phase === 'undone') gone(SENT_SHOW_MS);
      else if (phase === 'queued' || phase === 'failed') gone(QUEUED_SHOW_MS);
    },
  };
  function gone(ms) {
    if (fade) return;
    fade = window.setTimeout(() => {
      node.classList.add('outbox-toast-fading');
      window.setTimeout(() => {
        node.remove();
        view.toastsById.delete(id);
      }, 400);
    }, ms);
  }
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    if (!(await undo(id))) btn.disabled = false;
  });
  // The undo window closes: no answer yet means it waits in the outbox.
  window.setTimeout(() => tt.update('changed'), Math.max(0, entry.send_after - Date.now()) + 300);
  view.toastsById.set(id, tt);
  tt.render();
  view.toasts.append(node);
}

// ---- the bar ------------------------------------------------------------------------

function reasonNode(reason) {
  if (reason === 'expired') {
    return el('span', { class: 'outbox-reason' }, t('ob.expired'), ' ', el('a', { class: 'outbox-login', href: loginURL() }, t('ob.login')));
  }
  return el('span', { class: 'outbox-reason' }, t(`ob.reason.${reason || 'sending'}`));
}

function renderBar() {
  if (!view.bar) return;
  const s = state();
  const now = Date.now();
  const mine = (e) => s.account === undefined || s.account === null || e.account === s.account;
  const waiting = s.entries.filter((e) => e.state === 'queued' && e.send_after <= now && mine(e));
  const others = s.entries.filter((e) => e.state === 'queued' && !mine(e));
  const failed = s.entries.filter((e) => e.state === 'failed' && mine(e));
  const lines = [];
  if (waiting.length) {
    lines.push(el('p', { class: 'outbox-line outbox-waiting', dataset: { n: String(waiting.length), reason: s.reason || 'sending' } }, el('b', {}, t('ob.waiting', { n: waiting.length })), ' · ', reasonNode(s.reason)));
  }
  for (const acc of new Set(others.map((e) => e.account))) {
    const n = others.filter((e) => e.account === acc).length;
    lines.push(el('p', { class: 'outbox-line outbox-others', dataset: { n: String(n), account: acc } }, t('ob.others', { n, account: acc || '?' })));
  }
  if (failed.length) {
    const toggle = el('button', { type: 'button', class: 'outbox-toggle', 'aria-expanded': String(view.open), onclick: () => ((view.open = !view.open), renderBar()) }, t(view.open ? 'ob.hide' : 'ob.show'));
    lines.push(el('p', { class: 'outbox-line outbox-failed', dataset: { n: String(failed.length) } }, el('b', {}, t('ob.failed', { n: failed.length })), toggle));
    if (view.open) lines.push(el('ul', { class: 'outbox-list' }, failed.map(failedItem)));
  }
  view.bar.replaceChildren(...lines);
  view.bar.hidden = !lines.length;
  document.body.classList.toggle('has-outbox-bar', !!lines.length);
}

function failedItem(e) {
  const why = e.error ? codeText(e.error.code, { ...e.error.params, field: e.error.field }) || e.error.message : '';
  const msg = e.error ? [e.error.status ? `HTTP ${e.error.status}` : '', why, e.error.field && t('ob.field', { f: e.error.field })].filter(Boolean).join(' · ') : '';
  const editing = view.editing === e.client_id;
  return el(
    'li',
    { class: 'outbox-item', dataset: { clientId: e.client_id } },
    el('span', { class: 'outbox-item-label' }, e.label || `${e.method} ${e.path}`),
    el('span', { class: 'outbox-item-error' }, msg),
    editing
      ? editForm(e)
      : el(
          'span',
          { class: 'outbox-item-actions' },
          el('button', { type: 'button', class: 'btn-secondary outbox-edit', onclick: () => ((view.editing = e.client_id), renderBar()) }, t('ob.edit')),
          el('button', { type: 'button', class: 'btn-secondary outbox-discard', onclick: () => discard(e.client_id) }, t('ob.discard'))
        )
  );
}

// The edit form of a refused write: one field per plain value of its body
// (what a form sent), sent again as a new write.
function editForm(e) {
  const keys = Object.keys(e.body || {}).filter((k) => ['string', 'number', 'boolean'].includes(typeof e.body[k]));
  const inputs = keys.map((k) => el('input', { name: k, value: String(e.body[k]), dataset: { type: typeof e.body[k] } }));
  const form = el(
    'form',
    { class: 'outbox-editor' },
    keys.map((k, i) => el('label', { class: 'act-field' }, el('span', {}, k), inputs[i])),
    el('span', { class: 'outbox-item-actions' }, el('button', { type: 'submit', class: 'btn-primary' }, t('ob.resend')), el('button', { type: 'button', class: 'btn-secondary', onclick: () => ((view.editing = null), renderBar()) }, t('ob.cancel')))
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = { ...e.body };
    for (const inp of inputs) {
      const v = inp.value.trim();
      body[inp.name] = inp.dataset.type === 'number' ? Number(v) : inp.dataset.type === 'boolean' ? v === 'true' : v;
    }
    view.editing = null;
    retry(e.client_id, body);
  });
  return form;
}
