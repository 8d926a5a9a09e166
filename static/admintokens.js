// The admin page's device tokens: issue one for a device's account (the
// token is shown once, with a copy button), list them with when each was
// last seen, revoke one. tokenRows and issueForm also serve an account's
// own tokens on the accounts tab.
'use strict';

import { t, fmtNumber } from './i18n.js';
import { getJSON } from './api.js';
import { el, showError } from './ui.js';
import { fmtTime, field, ttlOptions, say, send, confirmButton, onceBox } from './adminkit.js';

// tokenState is a token's state now: live, revoked or expired.
function tokenState(tk) {
  if (tk.revoked_at) return 'revoked';
  if (new Date(tk.expires_at) <= new Date()) return 'expired';
  return 'live';
}

// tokenRows lists tokens, each with a revoke button while live; revoked is
// called after one is revoked.
export function tokenRows(tokens, { withAccount, revoked }) {
  return el(
    'ul',
    { class: 'adm-rows adm-token-list' },
    tokens.map((tk) => {
      const state = tokenState(tk);
      return el(
        'li',
        { class: `adm-row adm-token is-${state}`, dataset: { id: String(tk.id), state, name: tk.name } },
        el(
          'div',
          { class: 'adm-row-main' },
          el('span', { class: 'adm-row-title' }, tk.name),
          el('span', { class: `adm-badge adm-state-${state}` }, t(`adm.tok.${state}`)),
          withAccount ? el('span', { class: 'adm-badge' }, t('adm.tok.for', { name: tk.username })) : null
        ),
        el(
          'div',
          { class: 'adm-row-meta' },
          el('span', {}, t('adm.tok.created', { t: fmtTime(tk.created_at) })),
          el('span', {}, t('adm.tok.expires', { t: fmtTime(tk.expires_at) })),
          el('span', { class: 'adm-last-seen' }, t('adm.tok.lastSeen', { t: fmtTime(tk.last_used_at) }))
        ),
        state === 'live'
          ? el(
              'div',
              { class: 'adm-row-actions' },
              confirmButton('adm.tok.revoke', { dataset: { act: 'revoke' } }, async (b) => {
                if ((await send(b, 'DELETE', `/api/tokens/${tk.id}`)) === undefined) return;
                say('adm.tok.revokedDone', { name: tk.name });
                revoked();
              })
            )
          : null
      );
    })
  );
}

// issueForm issues a token for the account pick() names and shows it once
// in place; issued is called after.
export function issueForm(id, accountField, pick, issued) {
  const name = el('input', { name: 'name', type: 'text', required: true, maxlength: '100', placeholder: t('adm.tok.nameHint') });
  const ttl = el('select', { name: 'ttl_hours' }, ttlOptions([30, 90, 180, 365], 180));
  const submit = el('button', { type: 'submit', class: 'btn-primary' }, t('adm.tok.submit'));
  const shown = el('div', { class: 'adm-once-slot' });
  const form = el('form', { id, class: 'adm-form', novalidate: true }, accountField, field('adm.tok.name', name), field('adm.tok.ttl', ttl), el('div', { class: 'adm-form-actions' }, submit), shown);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const account = pick();
    if (!account) return;
    const body = { name: name.value.trim(), ttl_hours: Number(ttl.value) };
    const r = await send(submit, 'POST', `/api/accounts/${account}/tokens`, body, form);
    if (!r) return;
    name.value = '';
    shown.replaceChildren(onceBox(`${id}-secret`, 'adm.tok.once', r.token));
    issued(r);
  });
  return form;
}

// initTokens builds the device tokens tab in box: accounts() gives the
// accounts (for the device accounts to pick from). build() draws it again
// in the page's language.
export function initTokens(box, accounts) {
  const s = { tokens: null, more: null, loaded: false, form: null, select: null, pickBox: null };
  const list = el('div', { class: 'adm-list-slot' });

  function fillAccounts() {
    const devices = (accounts() || []).filter((a) => a.role === 'device' && !a.disabled);
    const was = s.select.value;
    s.select.replaceChildren(...devices.map((a) => el('option', { value: String(a.id), selected: String(a.id) === was }, a.username)));
    s.pickBox.replaceChildren(devices.length ? field('adm.tok.account', s.select) : el('p', { class: 'adm-note' }, t('adm.tok.noDevices')));
    s.form.querySelector('button[type="submit"]').disabled = !devices.length;
  }

  async function load(more = false) {
    const q = new URLSearchParams({ role: 'device', limit: '200' });
    if (more && s.more) q.set('before', String(s.more));
    try {
      const d = await getJSON(`/api/tokens?${q}`);
      s.tokens = more ? [...s.tokens, ...d.tokens] : d.tokens;
      s.more = d.tokens.length === 200 ? d.tokens[d.tokens.length - 1].id : null;
    } catch (err) {
      showError(err);
    }
    render();
  }

  function render() {
    fillAccounts();
    const parts = [el('h2', { class: 'adm-card-title' }, t('adm.tok.list'))];
    if (!s.tokens) parts.push(el('p', { class: 'adm-note' }, t('adm.loading')));
    else if (!s.tokens.length) parts.push(el('p', { class: 'adm-note' }, t('adm.tok.empty')));
    else {
      parts.push(el('p', { class: 'adm-summary' }, t('adm.tok.count', { n: fmtNumber(s.tokens.length) })));
      parts.push(tokenRows(s.tokens, { withAccount: true, revoked: () => load() }));
      if (s.more) parts.push(el('button', { type: 'button', class: 'adm-btn adm-more', onclick: () => load(true) }, t('adm.more')));
    }
    list.replaceChildren(...parts);
    document.body.dataset.tokensLoaded = s.tokens ? 'true' : 'false';
  }

  function build() {
    s.select = el('select', { name: 'account', id: 'tok-account' });
    s.pickBox = el('div', { class: 'adm-pick-slot' });
    s.form = issueForm('tok-new', s.pickBox, () => s.select.value, () => load());
    box.replaceChildren(
      el('div', { class: 'adm-card' }, el('h2', { class: 'adm-card-title' }, t('adm.tok.issue')), s.form),
      el('div', { class: 'adm-card', id: 'tok-list' }, list)
    );
    render();
  }

  build();
  return {
    show() {
      render();
      if (!s.loaded) {
        s.loaded = true;
        load();
      }
    },
    build,
  };
}
