// What the admin page's tabs share: times in the area's zone, labelled
// fields, the grid picker, a button that asks for a second tap before it
// does something that cannot be undone, a secret shown once with a copy
// button, and the status line that says what was just done.
'use strict';

import { t, getAreaZone } from './i18n.js';
import { request } from './api.js';
import { el, showError } from './ui.js';

// fmtTime is an API time as the area's clock shows it: 2026-12-07 14:05.
export function fmtTime(iso) {
  if (!iso) return t('adm.never');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return t('adm.none');
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: getAreaZone(), year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(d).map((p) => [p.type, p.value])
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

// field is a labelled control with an optional hint under it.
export function field(key, control, hint) {
  return el(
    'label',
    { class: 'adm-field' },
    el('span', { class: 'adm-label' }, t(key)),
    control,
    hint ? el('span', { class: 'adm-hint' }, t(hint)) : null
  );
}

// gridOptions lists the grids of the tree, indented by depth, after a
// first option asking to choose.
export function gridOptions(roots, chosen) {
  const out = [el('option', { value: '' }, t('adm.acc.gridPick'))];
  const walk = (n, depth) => {
    out.push(el('option', { value: String(n.id), selected: String(n.id) === String(chosen || '') }, `${'\u3000'.repeat(depth)}${n.name}`));
    for (const c of n.children || []) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return out;
}

// ttlOptions are lifetimes in days, as options whose values are hours.
export function ttlOptions(days, chosen) {
  return days.map((d) => el('option', { value: String(d * 24), selected: d === chosen }, t('adm.tok.days', { n: d })));
}

// say puts what was just done in the status line (a polite live region).
export function say(key, vars) {
  const s = document.getElementById('adm-status');
  s.textContent = t(key, vars);
  s.hidden = false;
}

// send calls the API with the button disabled meanwhile; an error goes to
// the error bar, and with form to the field the server blamed. It returns
// the answer, or undefined when it failed.
export async function send(button, method, url, body, form) {
  if (button) button.disabled = true;
  try {
    return await request(url, { method, body });
  } catch (err) {
    showError(err);
    const bad = form && err.field && form.elements[err.field];
    if (bad && bad.focus) {
      bad.setAttribute('aria-invalid', 'true');
      bad.focus();
    }
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

// confirmButton does act on a second tap within four seconds; the first
// says so on the button (no dialog, which a phone's user may dismiss by
// accident and a test cannot see).
export function confirmButton(key, attrs, act) {
  const b = el('button', { type: 'button', class: 'adm-btn adm-danger', ...attrs }, t(key));
  let timer = null;
  b.addEventListener('click', () => {
    if (b.dataset.armed !== 'true') {
      b.dataset.armed = 'true';
      b.textContent = t('adm.confirm');
      timer = setTimeout(() => {
        b.dataset.armed = 'false';
        b.textContent = t(key);
      }, 4000);
      return;
    }
    clearTimeout(timer);
    b.dataset.armed = 'false';
    b.textContent = t(key);
    act(b);
  });
  return b;
}

// onceBox shows a secret (a token, a wall link) that the server gives
// this once, with a copy button and the warning (key) that it will not be
// shown again.
export function onceBox(id, key, secret) {
  const input = el('input', { id, class: 'adm-secret', type: 'text', readonly: true, value: secret, spellcheck: 'false', 'aria-label': t(key) });
  const copy = el('button', { type: 'button', class: 'adm-btn', id: `${id}-copy` }, t('adm.copy'));
  copy.addEventListener('click', async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(secret);
    } catch {
      document.execCommand('copy'); // no clipboard API (an insecure origin): the selection
    }
    copy.textContent = t('adm.copied');
    copy.dataset.copied = 'true';
  });
  return el('div', { class: 'adm-once', role: 'status' }, el('p', { class: 'adm-once-note' }, t(key)), el('div', { class: 'adm-once-row' }, input, copy));
}
