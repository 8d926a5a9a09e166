// The admin page's audit log: filters (actor, action, entity and its id,
// a range of days of the area), a page of 50 rows at a time, newest
// first, each opening to what it changed (before and after, as JSON).
'use strict';

import { t, fmtNumber } from './i18n.js';
import { getJSON, isAbort } from './api.js';
import { el, showError } from './ui.js';
import { fmtTime, field } from './adminkit.js';

const PAGE = 50;
const FILTERS = ['actor', 'action', 'entity', 'entity_id', 'from', 'to'];
// What the log holds most: offered as suggestions, any text is allowed.
const ENTITIES = ['account', 'token', 'wall_link', 'person', 'building', 'household', 'grid', 'boundary_publication', 'boundary_draft', 'request', 'quarantine', 'checkpoint', 'sampling_site'];
const ACTIONS = ['create', 'update', 'disable', 'enable', 'reset_password', 'end_sessions', 'change_password', 'revoke', 'login', 'publish'];

// label is a code of the log (an action, an entity) in the page's
// language, or the code itself when the dictionary has no word for it.
function label(kind, code) {
  const key = `adm.${kind}.${code}`;
  const s = t(key);
  return s === key ? code : s;
}

function json(v) {
  if (v === null || v === undefined) return t('adm.aud.nothing');
  return JSON.stringify(v, null, 2);
}

// initAudit builds the audit tab in box. filter(f) shows the rows f
// selects ({entity, entity_id, …}).
export function initAudit(box) {
  const s = { filter: {}, entries: null, next: null, open: new Set(), ctrl: null, loaded: false, form: null };
  const list = el('div', { class: 'adm-list-slot' });

  async function load(more = false) {
    if (s.ctrl) s.ctrl.abort();
    const mine = new AbortController();
    s.ctrl = mine;
    const q = new URLSearchParams({ limit: String(PAGE) });
    for (const k of FILTERS) if (s.filter[k]) q.set(k, s.filter[k]);
    if (more && s.next) q.set('before', String(s.next));
    if (!more) {
      s.entries = null;
      render();
    }
    try {
      const d = await getJSON(`/api/audit?${q}`, { signal: mine.signal });
      s.entries = more ? [...s.entries, ...d.entries] : d.entries;
      s.next = d.next_before;
    } catch (err) {
      if (isAbort(err)) return;
      showError(err);
      s.entries = s.entries || [];
      const bad = err.field && s.form.elements[err.field];
      if (bad) bad.setAttribute('aria-invalid', 'true');
    }
    render();
  }

  function row(en) {
    const on = s.open.has(en.id);
    const toggle = () => {
      if (on) s.open.delete(en.id);
      else s.open.add(en.id);
      render();
    };
    return el(
      'li',
      { class: `adm-row adm-aud${on ? ' is-open' : ''}`, dataset: { id: String(en.id), action: en.action, entity: en.entity, entityId: en.entity_id, actor: en.actor } },
      el(
        'button',
        { type: 'button', class: 'adm-aud-head', 'aria-expanded': String(on), onclick: toggle },
        el('span', { class: 'adm-aud-time' }, fmtTime(en.at)),
        el('span', { class: 'adm-aud-actor' }, en.actor),
        el('span', { class: 'adm-aud-action', title: en.action }, label('action', en.action)),
        el('span', { class: 'adm-aud-entity', title: en.entity }, `${label('entity', en.entity)} #${en.entity_id}`)
      ),
      on
        ? el(
            'div',
            { class: 'adm-aud-detail' },
            el('div', { class: 'adm-aud-json' }, el('h4', {}, t('adm.aud.before')), el('pre', { class: 'adm-aud-before' }, json(en.before))),
            el('div', { class: 'adm-aud-json' }, el('h4', {}, t('adm.aud.after')), el('pre', { class: 'adm-aud-after' }, json(en.after))),
            en.request_id ? el('p', { class: 'adm-hint' }, t('adm.aud.request', { id: en.request_id })) : null
          )
        : null
    );
  }

  function render() {
    const parts = [];
    if (!s.entries) parts.push(el('p', { class: 'adm-note' }, t('adm.loading')));
    else if (!s.entries.length) parts.push(el('p', { class: 'adm-note' }, t('adm.aud.empty')));
    else {
      const key = s.next ? 'adm.aud.count' : 'adm.aud.countAll';
      parts.push(el('p', { class: 'adm-summary', id: 'aud-summary' }, t(key, { n: fmtNumber(s.entries.length) })));
      parts.push(el('ul', { class: 'adm-rows', id: 'aud-list' }, s.entries.map(row)));
      if (s.next) parts.push(el('button', { type: 'button', class: 'adm-btn adm-more', id: 'aud-more', onclick: () => load(true) }, t('adm.more')));
    }
    list.replaceChildren(...parts);
    document.body.dataset.auditLoaded = s.entries ? 'true' : 'false';
  }

  function build() {
    const input = (name, attrs) => el('input', { name, value: s.filter[name] || '', ...attrs });
    const form = el(
      'form',
      { id: 'aud-filter', class: 'adm-form adm-filter', novalidate: true },
      field('adm.aud.actor', input('actor', { type: 'text', autocapitalize: 'none', spellcheck: 'false' })),
      field('adm.aud.action', input('action', { type: 'text', list: 'aud-actions', autocapitalize: 'none', spellcheck: 'false' })),
      field('adm.aud.entity', input('entity', { type: 'text', list: 'aud-entities', autocapitalize: 'none', spellcheck: 'false' })),
      field('adm.aud.entityId', input('entity_id', { type: 'text', inputmode: 'numeric' })),
      field('adm.aud.from', input('from', { type: 'date' })),
      field('adm.aud.to', input('to', { type: 'date' })),
      el('datalist', { id: 'aud-actions' }, ACTIONS.map((a) => el('option', { value: a }))),
      el('datalist', { id: 'aud-entities' }, ENTITIES.map((a) => el('option', { value: a }))),
      el(
        'div',
        { class: 'adm-form-actions' },
        el('button', { type: 'submit', class: 'btn-primary' }, t('adm.aud.apply')),
        el('button', { type: 'reset', class: 'adm-btn' }, t('adm.aud.clear'))
      )
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      s.filter = Object.fromEntries(FILTERS.map((k) => [k, form.elements[k].value.trim()]).filter(([, v]) => v));
      form.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
      load();
    });
    form.addEventListener('reset', () => {
      s.filter = {};
      setTimeout(load); // after the form has emptied its fields
    });
    s.form = form;
    box.replaceChildren(el('div', { class: 'adm-card' }, el('h2', { class: 'adm-card-title' }, t('adm.aud.filters')), form), el('div', { class: 'adm-card' }, list));
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
    filter(f) {
      s.filter = { ...f };
      s.entries = null;
      s.open.clear();
      s.loaded = true;
      build();
      load();
    },
  };
}
