// The open draft's card: its root, name and revision, a picker of its
// grids (the map's clicks do the same), what is selected, and the form that
// renames, recodes or sets the leader of the one selected grid.
'use strict';

import { t, onLangChange } from './i18n.js';
import { el } from './ui.js';
import { store, draftGrids, gridName } from './planstore.js';
import { sendOp, closeDraft } from './planapi.js';

let filled = null; // {id, name, code, leader}: what the edit form was filled with

export function initDraftCard() {
  document.getElementById('pl-draft-close').addEventListener('click', closeDraft);
  document.getElementById('pl-grid-pick').addEventListener('change', (ev) => {
    const id = Number(ev.target.value);
    store.set({ selected: ev.target.value ? [id] : [] });
  });
  document.getElementById('pl-edit').addEventListener('submit', onSave);
  store.on(['draft', 'selected', 'busy', 'published', 'net'], render);
  onLangChange(() => render(store.get()));
}

// The leader as the draft names them (masked), else by number.
function leaderText(p) {
  if (p.leader_name) return p.leader_name;
  if (p.leader_id) return t('plan.leaderId', { id: p.leader_id });
  return t('panel.leaderNone');
}

function statusText(status) {
  return t(`plan.st.${status || 'unchanged'}`);
}

function render(s) {
  const card = document.getElementById('pl-draft');
  const d = s.draft;
  card.hidden = !d;
  if (!d) {
    filled = null;
    return;
  }
  const root = d.root.properties;
  const level = document.getElementById('pl-draft-root');
  level.textContent = `${root.name} · ${t(`level.${root.level}`)}`;
  level.dataset.level = String(root.level);
  document.getElementById('pl-draft-name').textContent = d.name || t('plan.unnamed');
  const grids = [...draftGrids(s).values()];
  const changed = grids.filter((f) => f.properties.status && f.properties.status !== 'unchanged').length;
  document.getElementById('pl-draft-meta').textContent = [
    t('plan.revision', { n: d.revision }),
    t('plan.gridsN', { n: grids.length }),
    changed ? t('plan.changedN', { n: changed }) : null,
    d.base_publication_id ? t('plan.basePub', { n: d.base_publication_id }) : null,
  ]
    .filter(Boolean)
    .join(' · ');
  renderPicker(s, grids);
  renderSelection(s);
  renderEdit(s);
}

function renderPicker(s, grids) {
  const select = document.getElementById('pl-grid-pick');
  const sorted = grids.slice().sort((a, b) => String(a.properties.code).localeCompare(String(b.properties.code)));
  select.replaceChildren(
    el('option', { value: '' }, t('plan.pickNone')),
    ...sorted.map((f) => {
      const p = f.properties;
      const indent = p.level >= 3 && s.draft.root.properties.level === 1 ? '　' : '';
      return el('option', { value: String(p.id) }, `${indent}${p.name || '#' + p.id} (${p.code})`);
    })
  );
  select.value = s.selected.length === 1 ? String(s.selected[0]) : '';
  select.disabled = s.busy;
}

function renderSelection(s) {
  const box = document.getElementById('pl-sel');
  const grids = draftGrids(s);
  if (!s.selected.length) {
    box.replaceChildren(el('p', { class: 'muted' }, t('plan.selNone')));
    return;
  }
  box.replaceChildren(
    el(
      'ul',
      { class: 'pl-sel-list' },
      s.selected.map((id) => {
        const f = grids.get(id);
        if (!f) return null;
        const p = f.properties;
        return el(
          'li',
          { dataset: { gridId: String(id) } },
          el('span', { class: 'pl-sel-name' }, p.name || `#${id}`),
          el('span', { class: `pl-status pl-status-${p.status || 'unchanged'}` }, statusText(p.status)),
          el(
            'span',
            { class: 'pl-meta' },
            [t(`level.${p.level}`), p.code, p.parent_id ? t('plan.under', { name: gridName(p.parent_id, s) }) : null,
              `${t('panel.leader')}${t('err.sep')}${leaderText(p)}`]
              .filter(Boolean)
              .join(' · ')
          )
        );
      })
    )
  );
}

function renderEdit(s) {
  const form = document.getElementById('pl-edit');
  const one = s.selected.length === 1 ? draftGrids(s).get(s.selected[0]) : null;
  form.hidden = !one || !!s.published;
  if (!one) {
    filled = null;
    return;
  }
  const p = one.properties;
  const now = { id: Number(p.id), name: p.name || '', code: p.code || '', leader: p.leader_id === null || p.leader_id === undefined ? '' : String(p.leader_id) };
  const inputs = fields();
  // Refill when another grid is selected, or when the draft changed under
  // a form the planner has not touched; never over what they typed.
  const dirty = filled && filled.id === now.id && (inputs.name.value !== filled.name || inputs.code.value !== filled.code || inputs.leader.value !== filled.leader);
  if (!filled || filled.id !== now.id) document.getElementById('pl-edit-error').hidden = true;
  if (!filled || filled.id !== now.id || !dirty) {
    inputs.name.value = now.name;
    inputs.code.value = now.code;
    inputs.leader.value = now.leader;
    filled = now;
  }
  document.getElementById('pl-edit-leader-now').textContent = p.leader_id
    ? p.leader_name
      ? t('plan.leaderNow', { name: p.leader_name, id: p.leader_id })
      : t('plan.leaderNowId', { id: p.leader_id })
    : t('plan.leaderNowNone');
  document.getElementById('pl-edit-submit').disabled = s.busy || s.net === 'down';
}

function fields() {
  return {
    name: document.getElementById('pl-edit-name'),
    code: document.getElementById('pl-edit-code'),
    leader: document.getElementById('pl-edit-leader'),
  };
}

async function onSave(ev) {
  ev.preventDefault();
  const error = document.getElementById('pl-edit-error');
  error.hidden = true;
  if (!filled) return;
  const inputs = fields();
  const op = { op: 'update', id: filled.id };
  const name = inputs.name.value.trim();
  const code = inputs.code.value.trim();
  const leader = inputs.leader.value.trim();
  if (name !== filled.name) op.name = name;
  if (code !== filled.code) op.code = code;
  if (leader !== filled.leader) {
    if (leader && !/^\d{1,18}$/.test(leader)) {
      error.textContent = t('plan.leaderBad');
      error.hidden = false;
      inputs.leader.focus();
      return;
    }
    op.leader_id = leader ? Number(leader) : null;
  }
  if (Object.keys(op).length === 2) return; // nothing changed
  const res = await sendOp(op, { quiet: true });
  if (res.ok) {
    filled = null; // take the values from the answer
    render(store.get());
  } else if (res.error) {
    // A 409 reloaded the draft (a notice says so): what was typed stays
    // for a second try.
    error.textContent = res.error.status === 409 ? t('plan.tryAgain') : res.error.describe ? res.error.describe() : t('plan.opFailed');
    error.hidden = false;
  }
}
