// 我的草稿 / My drafts: the caller's open drafts (open, discard with a
// confirm) and the new-draft form (a root from the hierarchy and a name).
// The card folds away while a draft is open.
'use strict';

import { t, getLang, onLangChange } from './i18n.js';
import { el } from './ui.js';
import { store } from './planstore.js';
import { openDraft, discardDraft, createDraft } from './planapi.js';
import { confirmDialog } from './plandialog.js';

let autoName = ''; // the name the form suggested, replaced when the root changes

export function initDrafts() {
  const form = document.getElementById('pl-new');
  form.addEventListener('submit', onCreate);
  document.getElementById('pl-new-root').addEventListener('change', suggestName);
  store.on(['drafts', 'draft', 'busy'], renderList);
  store.on(['tree'], renderRoots);
  store.on(['draft'], (s, changed) => {
    // Fold the card when a draft opens, unfold it when none is open.
    if (changed.includes('draft')) document.getElementById('pl-drafts').open = !s.draft;
  });
  onLangChange(() => {
    renderList(store.get());
    renderRoots(store.get());
  });
}

function fmtTime(s) {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleString(getLang(), { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
}

function renderList(s) {
  const box = document.getElementById('pl-drafts-list');
  const count = document.getElementById('pl-drafts-n');
  if (s.drafts === null) return;
  box.removeAttribute('aria-busy');
  count.textContent = s.drafts.length ? String(s.drafts.length) : '';
  if (!s.drafts.length) {
    box.replaceChildren(el('p', { class: 'muted pl-empty' }, t('plan.noDrafts')));
    return;
  }
  const openId = s.draft ? s.draft.id : null;
  box.replaceChildren(
    el(
      'ul',
      { class: 'pl-draft-list' },
      s.drafts.map((d) =>
        el(
          'li',
          { class: d.id === openId ? 'pl-draft-item is-open' : 'pl-draft-item', dataset: { draftId: String(d.id) } },
          el(
            'div',
            { class: 'pl-draft-text' },
            el('span', { class: 'pl-draft-title' }, d.name || t('plan.unnamed')),
            el(
              'span',
              { class: 'pl-meta' },
              [d.root_name, t('plan.revision', { n: d.revision }), d.grids !== undefined && t('plan.gridsN', { n: d.grids }), fmtTime(d.updated_at)]
                .filter(Boolean)
                .join(' · ')
            )
          ),
          el(
            'div',
            { class: 'pl-draft-actions' },
            el(
              'button',
              { type: 'button', class: 'pl-btn pl-open', disabled: d.id === openId || s.busy, onclick: () => openDraft(d.id) },
              d.id === openId ? t('plan.isOpen') : t('plan.open')
            ),
            el(
              'button',
              { type: 'button', class: 'pl-btn pl-btn-danger pl-discard', disabled: s.busy, onclick: () => discard(d) },
              t('plan.discard')
            )
          )
        )
      )
    )
  );
}

async function discard(d) {
  const ok = await confirmDialog({
    title: t('plan.discardTitle', { name: d.name || t('plan.unnamed') }),
    body: t('plan.discardBody'),
    ok: t('plan.discard'),
    danger: true,
  });
  if (ok) await discardDraft(d.id);
}

// ---- new draft ---------------------------------------------------------------------------

// Roots a planner may redraw: a subdistrict as a whole or one community.
function rootOptions(tree) {
  const out = [];
  for (const node of tree || []) {
    if (node.level === 1) {
      out.push({ id: node.id, name: node.name, label: t('plan.wholeArea', { name: node.name }) });
      for (const c of node.children || []) if (c.level === 2) out.push({ id: c.id, name: c.name, label: `— ${c.name}` });
    } else if (node.level === 2) {
      out.push({ id: node.id, name: node.name, label: node.name });
    }
  }
  return out;
}

function renderRoots(s) {
  const select = document.getElementById('pl-new-root');
  const keep = select.value;
  const opts = rootOptions(s.tree);
  select.replaceChildren(
    el('option', { value: '' }, t('plan.pickRoot')),
    ...opts.map((o) => el('option', { value: String(o.id), dataset: { name: o.name } }, o.label))
  );
  if (keep && opts.some((o) => String(o.id) === keep)) select.value = keep;
}

function suggestName() {
  const select = document.getElementById('pl-new-root');
  const name = document.getElementById('pl-new-name');
  const opt = select.selectedOptions[0];
  if (!opt || !opt.value) return;
  if (name.value && name.value !== autoName) return; // typed by the planner
  const day = new Date().toLocaleDateString(getLang(), { month: 'numeric', day: 'numeric' });
  autoName = t('plan.autoName', { name: opt.dataset.name, day });
  name.value = autoName;
}

async function onCreate(ev) {
  ev.preventDefault();
  const select = document.getElementById('pl-new-root');
  const name = document.getElementById('pl-new-name');
  const error = document.getElementById('pl-new-error');
  const submit = document.getElementById('pl-new-submit');
  error.hidden = true;
  if (!select.value) {
    error.textContent = t('plan.needRoot');
    error.hidden = false;
    select.focus();
    return;
  }
  if (!name.value.trim()) {
    error.textContent = t('plan.needName');
    error.hidden = false;
    name.focus();
    return;
  }
  submit.disabled = true;
  submit.textContent = t('plan.creating');
  try {
    const d = await createDraft(Number(select.value), name.value.trim());
    if (d) {
      name.value = '';
      autoName = '';
    }
  } catch (err) {
    error.textContent = err && err.describe ? err.describe() : String(err);
    error.hidden = false;
  } finally {
    submit.disabled = false;
    submit.textContent = t('plan.newCreate');
  }
}

// pickRoot chooses a root in the new-draft form (a community clicked on
// the map while no draft is open).
export function pickRoot(rootId) {
  const select = document.getElementById('pl-new-root');
  if (![...select.options].some((o) => o.value === String(rootId))) return;
  document.getElementById('pl-drafts').open = true;
  select.value = String(rootId);
  suggestName();
  document.getElementById('pl-new-name').focus();
}
