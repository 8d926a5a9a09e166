// The admin page's accounts: a form for a new one (the grid picker for
// grid leaders and staff, the volunteer for a device), the list with each
// account's role, scope, state, sessions and tokens, and per account:
// change role and scope, reset the password, end its sessions, disable or
// enable it, its tokens, its history in the audit log.
'use strict';

import { t, fmtNumber } from './i18n.js';
import { getJSON } from './api.js';
import { el, showError, roleName } from './ui.js';
import { fmtTime, field, gridOptions, say, send, confirmButton, onceBox } from './adminkit.js';
import { tokenRows, issueForm } from './admintokens.js';

const ROLES = ['admin', 'planner', 'viewer', 'grid-leader', 'staff', 'volunteer', 'device'];
// Accounts that report for one volunteer (person_id): a device, a volunteer's phone.
const PERSON = new Set(['device', 'volunteer']);
const SCOPED = new Set(['grid-leader', 'staff']);

const roleOptions = (chosen, only) =>
  ROLES.filter((r) => !only || only(r)).map((r) => el('option', { value: r, selected: r === chosen }, roleName(r)));

// initAccounts builds the accounts tab in box. ctx: me (the admin), roots
// (the grid tree), changed(accounts) after each load, history(id) to show
// an account's audit rows.
export function initAccounts(box, ctx) {
  const s = { items: null, query: '', walls: false, open: new Map(), tokens: new Map(), issued: new Map(), loaded: false };
  const list = el('div', { class: 'adm-list-slot' });

  async function load() {
    try {
      s.items = (await getJSON('/api/accounts')).accounts;
    } catch (err) {
      showError(err);
    }
    render();
    ctx.changed(s.items);
  }

  async function loadTokens(id) {
    try {
      s.tokens.set(id, (await getJSON(`/api/tokens?account=${id}`)).tokens);
    } catch (err) {
      showError(err);
    }
    render();
  }

  function openAs(id, mode) {
    if (s.open.get(id) === mode) s.open.delete(id);
    else s.open.set(id, mode);
    s.issued.delete(id); // a token shown once is gone when its panel closes
    if (mode === 'tokens' && s.open.get(id) === 'tokens') loadTokens(id);
    render();
  }

  // roleFields are the role select and the grid select that goes with a
  // scoped role, showing the grid only when the role needs one.
  function roleFields(role, grid, only) {
    const roleSel = el('select', { name: 'role' }, roleOptions(role, only));
    const gridSel = el('select', { name: 'grid_id' }, gridOptions(ctx.roots, grid));
    const gridField = field('adm.acc.grid', gridSel);
    const sync = () => {
      gridField.hidden = !SCOPED.has(roleSel.value);
    };
    roleSel.addEventListener('change', sync);
    sync();
    return { roleSel, gridSel, gridField, body: () => ({ role: roleSel.value, grid_id: SCOPED.has(roleSel.value) ? Number(gridSel.value) || 0 : 0 }) };
  }

  function editForm(a) {
    // A device or a volunteer's phone stays what it is; no other account becomes one.
    const f = roleFields(a.role, a.grid_id, (r) => (PERSON.has(a.role) || PERSON.has(r) ? r === a.role : true));
    const save = el('button', { type: 'submit', class: 'btn-primary' }, t('adm.acc.save'));
    const form = el('form', { class: 'adm-form adm-edit', novalidate: true }, field('adm.acc.role', f.roleSel), f.gridField,
      el('p', { class: 'adm-hint' }, t('adm.acc.editNote')),
      el('div', { class: 'adm-form-actions' }, save, el('button', { type: 'button', class: 'adm-btn', onclick: () => openAs(a.id, 'edit') }, t('adm.cancel'))));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!(await send(save, 'PUT', `/api/accounts/${a.id}`, f.body(), form))) return;
      s.open.delete(a.id);
      say('adm.acc.saved', { name: a.username });
      load();
    });
    return form;
  }

  function resetForm(a) {
    const pw = el('input', { name: 'password', type: 'password', autocomplete: 'new-password', minlength: '10', maxlength: '72', required: true });
    const save = el('button', { type: 'submit', class: 'btn-primary' }, t('adm.acc.reset'));
    const form = el('form', { class: 'adm-form adm-reset', novalidate: true }, field('adm.acc.newPassword', pw, 'adm.acc.passwordHint'),
      el('p', { class: 'adm-hint' }, t('adm.acc.resetNote')),
      el('div', { class: 'adm-form-actions' }, save, el('button', { type: 'button', class: 'adm-btn', onclick: () => openAs(a.id, 'reset') }, t('adm.cancel'))));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const r = await send(save, 'POST', `/api/accounts/${a.id}/password`, { password: pw.value }, form);
      if (!r) return;
      s.open.delete(a.id);
      say('adm.acc.resetDone', { name: a.username, n: fmtNumber(r.sessions_ended) });
      load();
    });
    return form;
  }

  function tokensPanel(a) {
    const tokens = s.tokens.get(a.id);
    const issued = (r) => {
      s.issued.set(a.id, r.token);
      loadTokens(a.id).then(load);
    };
    const form = a.disabled ? null : issueForm(`acc-tok-${a.id}`, null, () => a.id, issued);
    let shown;
    if (!tokens) shown = el('p', { class: 'adm-note' }, t('adm.loading'));
    else if (!tokens.length) shown = el('p', { class: 'adm-note' }, t('adm.tok.emptyAccount'));
    else shown = tokenRows(tokens, { withAccount: false, revoked: () => loadTokens(a.id).then(load) });
    const secret = s.issued.has(a.id) ? onceBox(`acc-tok-${a.id}-secret`, 'adm.tok.once', s.issued.get(a.id)) : null;
    return el('div', { class: 'adm-acc-tokens' }, secret, shown, form);
  }

  function actions(a) {
    const me = a.username === ctx.me.username;
    const btn = (act, key) =>
      el('button', { type: 'button', class: 'adm-btn', dataset: { act }, 'aria-expanded': String(s.open.get(a.id) === act), onclick: () => openAs(a.id, act) }, t(key));
    const out = [];
    if (!me && !a.wall_link_id) {
      out.push(btn('edit', 'adm.acc.edit'));
      if (a.role !== 'device') out.push(btn('reset', 'adm.acc.reset'));
      out.push(
        confirmButton('adm.acc.end', { dataset: { act: 'end' } }, async (b) => {
          const r = await send(b, 'POST', `/api/accounts/${a.id}/sessions/end`);
          if (!r) return;
          say('adm.acc.endDone', { name: a.username, n: fmtNumber(r.sessions_ended) });
          load();
        })
      );
      if (a.disabled) {
        out.push(el('button', { type: 'button', class: 'adm-btn', dataset: { act: 'enable' }, onclick: async (ev) => {
          if (!(await send(ev.currentTarget, 'POST', `/api/accounts/${a.id}/enable`))) return;
          say('adm.acc.enabledDone', { name: a.username });
          load();
        } }, t('adm.acc.enable')));
      } else {
        out.push(
          confirmButton('adm.acc.disable', { dataset: { act: 'disable' } }, async (b) => {
            if (!(await send(b, 'POST', `/api/accounts/${a.id}/disable`))) return;
            say('adm.acc.disabledDone', { name: a.username });
            load();
          })
        );
      }
    }
    if (!a.wall_link_id) out.push(btn('tokens', 'adm.acc.tokenList'));
    out.push(el('button', { type: 'button', class: 'adm-btn', dataset: { act: 'history' }, onclick: () => ctx.history(a.id) }, t('adm.acc.history')));
    return out;
  }

  function row(a) {
    const mode = s.open.get(a.id);
    const me = a.username === ctx.me.username;
    let detail = null;
    if (mode === 'edit') detail = editForm(a);
    else if (mode === 'reset') detail = resetForm(a);
    else if (mode === 'tokens') detail = tokensPanel(a);
    return el(
      'li',
      { class: `adm-row adm-acc${a.disabled ? ' is-disabled' : ''}`, dataset: { id: String(a.id), username: a.username, role: a.role, disabled: String(a.disabled) } },
      el(
        'div',
        { class: 'adm-row-main' },
        el('span', { class: 'adm-row-title' }, a.username),
        el('span', { class: `adm-badge adm-role adm-role-${a.role}` }, roleName(a.role)),
        a.grid_name ? el('span', { class: 'adm-badge adm-grid' }, a.grid_name) : null,
        a.wall_link_id ? el('span', { class: 'adm-badge' }, t('adm.acc.wall')) : null,
        me ? el('span', { class: 'adm-badge adm-you' }, t('adm.acc.you')) : null,
        el('span', { class: `adm-badge adm-state-${a.disabled ? 'revoked' : 'live'}` }, t(a.disabled ? 'adm.acc.disabled' : 'adm.acc.enabled'))
      ),
      el(
        'div',
        { class: 'adm-row-meta' },
        el('span', { class: 'adm-sessions' }, t('adm.acc.sessions', { n: fmtNumber(a.sessions) })),
        el('span', { class: 'adm-tokens' }, t('adm.acc.tokens', { n: fmtNumber(a.tokens) })),
        el('span', {}, t('adm.acc.created_at', { t: fmtTime(a.created_at) }))
      ),
      el('div', { class: 'adm-row-actions' }, actions(a)),
      detail ? el('div', { class: 'adm-row-detail' }, detail) : null
    );
  }

  function render() {
    const parts = [];
    if (!s.items) parts.push(el('p', { class: 'adm-note' }, t('adm.loading')));
    else {
      const q = s.query.trim().toLowerCase();
      const shown = s.items.filter((a) => (s.walls || !a.wall_link_id) && (!q || a.username.includes(q)));
      parts.push(el('p', { class: 'adm-summary' }, t('adm.acc.count', { n: fmtNumber(shown.length) })));
      parts.push(shown.length ? el('ul', { class: 'adm-rows', id: 'acc-list' }, shown.map(row)) : el('p', { class: 'adm-note' }, t('adm.acc.empty')));
    }
    list.replaceChildren(...parts);
    document.body.dataset.accountsLoaded = s.items ? 'true' : 'false';
  }

  function newForm() {
    const username = el('input', { name: 'username', type: 'text', required: true, autocapitalize: 'none', autocomplete: 'off', spellcheck: 'false', maxlength: '64' });
    const password = el('input', { name: 'password', type: 'password', autocomplete: 'new-password', maxlength: '72' });
    const person = el('input', { name: 'person_id', type: 'number', inputmode: 'numeric', min: '1' });
    const f = roleFields('staff', '', null);
    const pwField = field('adm.acc.password', password, 'adm.acc.passwordHint');
    const personField = field('adm.acc.person', person, 'adm.acc.personHint');
    const sync = () => {
      const device = f.roleSel.value === 'device';
      pwField.hidden = device;
      personField.hidden = !PERSON.has(f.roleSel.value);
    };
    f.roleSel.addEventListener('change', sync);
    sync();
    const submit = el('button', { type: 'submit', class: 'btn-primary' }, t('adm.acc.create'));
    const form = el('form', { id: 'acc-new', class: 'adm-form', novalidate: true },
      field('adm.acc.username', username, 'adm.acc.usernameHint'), field('adm.acc.role', f.roleSel), f.gridField, pwField, personField,
      el('div', { class: 'adm-form-actions' }, submit));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      form.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
      const device = f.roleSel.value === 'device';
      const body = { username: username.value.trim(), ...f.body(), password: device ? '' : password.value, person_id: PERSON.has(f.roleSel.value) ? Number(person.value) || 0 : 0 };
      const acc = await send(submit, 'POST', '/api/accounts', body, form);
      if (!acc) return;
      form.reset();
      sync();
      f.gridField.hidden = !SCOPED.has(f.roleSel.value);
      say('adm.acc.created', { name: acc.username });
      load();
    });
    return form;
  }

  function build() {
    const search = el('input', { type: 'search', id: 'acc-search', value: s.query, 'aria-label': t('adm.acc.search'), placeholder: t('adm.acc.search') });
    search.addEventListener('input', () => {
      s.query = search.value;
      render();
    });
    const walls = el('input', { type: 'checkbox', id: 'acc-walls', checked: s.walls });
    walls.addEventListener('change', () => {
      s.walls = walls.checked;
      render();
    });
    box.replaceChildren(
      // Open beside the list on a laptop; folded on a phone, where it would
      // push the list below the fold.
      el('details', { class: 'adm-card adm-new', id: 'acc-new-card', open: window.matchMedia('(min-width: 641px)').matches }, el('summary', { class: 'adm-card-title' }, t('adm.acc.new')), newForm()),
      el('div', { class: 'adm-card' },
        el('div', { class: 'adm-toolbar' }, search, el('label', { class: 'adm-check' }, walls, el('span', {}, t('adm.acc.showWalls')))),
        list)
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
    load,
    items: () => s.items,
  };
}
