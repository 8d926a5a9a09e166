// The planner's tools over the map: select, edit vertices, draw a new
// grid, split, merge, delete, undo and redo (big buttons with tooltips),
// the hint line that says what the current tool expects, and the keyboard
// (Ctrl+Z, Ctrl+Shift+Z or Ctrl+Y, Escape).
'use strict';

import { t, onLangChange } from './i18n.js';
import { el } from './ui.js';
import { store, draftGrids, gridName } from './planstore.js';
import { sendOp, undo, redo } from './planapi.js';
import { confirmDialog, formDialog } from './plandialog.js';

// Icons: 24x24 strokes in currentColor.
const ICONS = {
  select: 'M6 3l12 9-5.5 1.2L15.5 20l-2.6 1.2-2.9-6.6L6 18z',
  edit: 'M4 18L10 5l9 6-6 9zM4 18h0M10 5h0M19 11h0M13 20h0',
  draw: 'M4 19l3-12 10 2 3 8zM18 3v6M15 6h6',
  split: 'M5 19L19 5M4 9l5-5M15 20l5-5',
  merge: 'M4 6h7v12H4zM13 6h7v12h-7zM11 12h2',
  delete: 'M5 7h14M10 7V4h4v3M7 7l1 13h8l1-13',
  undo: 'M9 7L4 12l5 5M4 12h11a5 5 0 0 1 0 10h-3',
  redo: 'M15 7l5 5-5 5M20 12H9a5 5 0 0 0 0 10h3',
  fit: 'M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5',
};

const TOOLS = ['select', 'edit', 'draw', 'split', 'merge', 'delete'];

function icon(name) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'pl-tool-icon');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', ICONS[name]);
  svg.append(path);
  return svg;
}

function editable(s) {
  return !!s.draft && !s.published && !s.view && s.net !== 'down';
}

function enabled(name, s) {
  if (name === 'fit') return !!s.draft;
  if (!editable(s) || s.busy) return false;
  const n = s.selected.length;
  switch (name) {
    case 'edit':
    case 'split':
    case 'delete':
      return n === 1 || s.tool === name;
    case 'undo':
      return !!s.draft.can_undo;
    case 'redo':
      return !!s.draft.can_redo;
    default:
      return true;
  }
}

export function pickTool(name) {
  const s = store.get();
  if (!editable(s)) return;
  if (name === 'delete') {
    deleteSelected();
    return;
  }
  if (name === 'merge' && s.tool !== 'merge' && s.selected.length === 2) {
    store.set({ tool: 'merge' });
    merge();
    return;
  }
  if (name === 'merge' && s.tool !== 'merge') {
    // Start from the one grid selected, if any: one more click merges.
    store.set({ tool: 'merge', selected: s.selected.slice(0, 1) });
    return;
  }
  if (name === s.tool && name !== 'select') name = 'select';
  store.set({ tool: name, selected: name === 'draw' ? [] : s.selected });
}

async function deleteSelected() {
  const s = store.get();
  if (s.selected.length !== 1) return;
  const id = s.selected[0];
  const ok = await confirmDialog({
    title: t('plan.deleteTitle', { name: gridName(id) }),
    body: t('plan.deleteBody'),
    ok: t('plan.tool.delete'),
    danger: true,
  });
  if (!ok) return;
  const res = await sendOp({ op: 'delete', id });
  if (res.ok) store.set({ selected: [], tool: 'select' });
}

async function merge() {
  const s = store.get();
  if (s.selected.length !== 2) return;
  const [a, b] = s.selected;
  const grids = draftGrids(s);
  const pa = grids.get(a) && grids.get(a).properties.parent_id;
  const pb = grids.get(b) && grids.get(b).properties.parent_id;
  if (pa !== pb) {
    await confirmDialog({ title: t('plan.mergeParents'), ok: t('plan.ok') });
    return;
  }
  const ok = await confirmDialog({
    title: t('plan.mergeTitle', { a: gridName(a), b: gridName(b) }),
    body: t('plan.mergeBody'),
    ok: t('plan.tool.merge'),
  });
  if (!ok) return;
  const res = await sendOp({ op: 'merge', ids: [a, b] });
  if (res.ok) selectNew(grids);
  store.set({ tool: 'select' });
}

// After an operation that makes grids, select the one new grid if there
// is exactly one (a merge, an added grid).
function selectNew(before) {
  const after = draftGrids();
  const fresh = [...after.keys()].filter((id) => !before.has(id));
  store.set({ selected: fresh.length === 1 ? fresh : [] });
}

// A split line was drawn across the selected grid.
export async function onLine(line) {
  const s = store.get();
  store.set({ tool: 'select' });
  if (s.selected.length !== 1) return;
  const res = await sendOp({ op: 'split', id: s.selected[0], line });
  if (res.ok) store.set({ selected: [] });
}

function parentChoices(s) {
  const d = s.draft;
  const root = d.root.properties;
  const out = [];
  if (root.level < 3) out.push({ value: root.id ?? d.root_id, label: `${root.name} (${t(`level.${root.level}`)})`, level: root.level, code: root.code });
  for (const f of draftGrids(s).values()) {
    const p = f.properties;
    if (p.level < 3) out.push({ value: p.id, label: `${p.name} (${t(`level.${p.level}`)})`, level: p.level, code: p.code });
  }
  return out;
}

function defaultParent(s, choices) {
  const grids = draftGrids(s);
  const sel = s.selected.length === 1 ? grids.get(s.selected[0]) : null;
  if (sel) {
    const p = sel.properties;
    if (p.level < 3 && choices.some((c) => c.value === p.id)) return p.id;
    if (choices.some((c) => c.value === p.parent_id)) return p.parent_id;
  }
  const l2 = choices.filter((c) => c.level === 2);
  return (l2.length === 1 || !choices.length ? l2[0] : choices.find((c) => c.level === 2) || choices[0]).value;
}

// The next code under a parent: its code and the first free 2-digit
// (compound grid) or 3-digit (community) number.
function nextCode(s, parent) {
  const width = parent.level === 2 ? 2 : 3;
  const used = new Set();
  for (const f of draftGrids(s).values()) {
    const c = String(f.properties.code || '');
    if (c.startsWith(parent.code) && c.length === parent.code.length + width) used.add(Number(c.slice(parent.code.length)));
  }
  for (let n = 1; n < 10 ** width; n++) if (!used.has(n)) return parent.code + String(n).padStart(width, '0');
  return parent.code;
}

// A polygon was drawn: ask for its parent, name and code, then add it.
export async function onPolygon(geometry) {
  const s = store.get();
  store.set({ tool: 'select' });
  const choices = parentChoices(s);
  if (!choices.length) return;
  const parentId = defaultParent(s, choices);
  const parent = choices.find((c) => c.value === parentId) || choices[0];
  const before = draftGrids(s);
  await formDialog({
    title: t('plan.addTitle'),
    ok: t('plan.addOk'),
    fields: [
      ...(choices.length > 1 ? [{ name: 'parent', label: t('plan.fParent'), type: 'select', value: parent.value, options: choices }] : []),
      { name: 'name', label: t('plan.fName'), value: '', maxlength: 100 },
      { name: 'code', label: t('plan.fCode'), value: nextCode(s, parent), inputmode: 'numeric', maxlength: 14, hint: t('plan.codeHint') },
    ],
    submit: async (v) => {
      if (!v.name) return t('plan.needName');
      const pid = v.parent ? Number(v.parent) : parent.value;
      const res = await sendOp({ op: 'add', parent_id: pid, geometry, name: v.name, code: v.code }, { quiet: true });
      if (res.ok) {
        selectNew(before);
        return null;
      }
      if (res.error && res.error.status === 409) return t('plan.tryAgain');
      return res.error && res.error.describe ? res.error.describe() : t('plan.opFailed');
    },
  });
}

function typing(target) {
  return !!target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

export function initTools(pm) {
  let bar = null;
  let hint = null;

  function setup() {
    bar = document.getElementById('pl-tools');
    hint = document.getElementById('pl-hint');
    const button = (name, onclick) =>
      el('button', { type: 'button', class: 'pl-tool', dataset: { tool: name }, onclick }, icon(name), el('span', { class: 'pl-tool-label' }));
    bar.replaceChildren(
      el('div', { class: 'pl-tool-group' }, TOOLS.map((name) => button(name, () => pickTool(name)))),
      el('div', { class: 'pl-tool-group' }, button('fit', () => pm.fitDraft(true)), button('undo', () => undo()), button('redo', () => redo()))
    );
    store.on(['draft', 'selected', 'tool', 'busy', 'net', 'published', 'view'], render);
    onLangChange(() => render(store.get()));
    document.addEventListener('keydown', onKey);
    render(store.get());
  }

  // ---- what each tool may do ----------------------------------------------------------

  function render(s) {
    // No tools while the map shows a publication's boundaries (read-only).
    bar.hidden = !s.draft || !!s.view;
    if (!s.draft || s.view) {
      hint.hidden = true;
      return;
    }
    for (const b of bar.querySelectorAll('.pl-tool')) {
      const name = b.dataset.tool;
      const label = t(`plan.tool.${name}`);
      b.querySelector('.pl-tool-label').textContent = label;
      b.title = `${label}${t('err.sep')}${t(`plan.tip.${name}`)}`;
      b.setAttribute('aria-label', b.title);
      b.disabled = !enabled(name, s);
      if (TOOLS.includes(name) && name !== 'delete') b.setAttribute('aria-pressed', String(editable(s) && s.tool === name));
    }
    renderHint(s);
  }

  function renderHint(s) {
    const parts = [];
    const act = (key, onclick, primary = false, id) =>
      el('button', { type: 'button', class: primary ? 'btn-primary pl-hint-btn' : 'pl-btn pl-hint-btn', onclick, id }, t(key));
    const names = s.selected.map((id) => gridName(id, s));
    switch (s.tool) {
      case 'edit':
        parts.push(s.selected.length === 1 ? t('plan.hint.edit', { name: names[0] }) : t('plan.hint.pickOne'));
        parts.push(act('plan.done', () => pickTool('select'), false, 'pl-hint-done'));
        break;
      case 'draw':
        parts.push(t('plan.hint.draw'));
        parts.push(act('plan.finish', pm.finishDraw, true, 'pl-hint-finish'), act('plan.undoPoint', pm.undoPoint), act('plan.cancel', () => pickTool('select'), false, 'pl-hint-cancel'));
        break;
      case 'split':
        parts.push(s.selected.length === 1 ? t('plan.hint.split', { name: names[0] }) : t('plan.hint.pickOne'));
        parts.push(act('plan.finish', pm.finishDraw, true, 'pl-hint-finish'), act('plan.undoPoint', pm.undoPoint), act('plan.cancel', () => pickTool('select'), false, 'pl-hint-cancel'));
        break;
      case 'merge': {
        parts.push(
          s.selected.length === 2
            ? t('plan.hint.mergeTwo', { a: names[0], b: names[1] })
            : s.selected.length === 1
              ? t('plan.hint.mergeOne', { a: names[0] })
              : t('plan.hint.merge')
        );
        const go = act('plan.tool.merge', merge, true, 'pl-hint-merge');
        go.disabled = s.selected.length !== 2 || s.busy;
        parts.push(go, act('plan.cancel', () => pickTool('select'), false, 'pl-hint-cancel'));
        break;
      }
      default:
        if (s.busy) parts.push(t('plan.hint.busy'));
    }
    if (s.busy && s.tool !== 'select') parts.push(el('span', { class: 'pl-spinner', 'aria-hidden': 'true' }));
    hint.hidden = parts.length === 0;
    hint.dataset.tool = s.tool;
    hint.replaceChildren(...parts.map((p) => (typeof p === 'string' ? el('span', { class: 'pl-hint-text' }, p) : p)));
  }

  // ---- picking a tool ------------------------------------------------------------------

  // ---- drawn shapes (planmap.js calls these) ----------------------------------------------

  // ---- keyboard -----------------------------------------------------------------------------

  function onKey(ev) {
    const s = store.get();
    if (!s.draft || document.getElementById('pl-dialog').open || typing(ev.target)) return;
    const key = ev.key.toLowerCase();
    if ((ev.ctrlKey || ev.metaKey) && key === 'z') {
      ev.preventDefault();
      if (ev.shiftKey) {
        if (enabled('redo', s)) redo();
      } else if (enabled('undo', s)) undo();
    } else if ((ev.ctrlKey || ev.metaKey) && key === 'y') {
      ev.preventDefault();
      if (enabled('redo', s)) redo();
    } else if (ev.key === 'Escape' && (s.tool !== 'select' || pm.isDrawing())) {
      pickTool('select');
    }
  }

  setup();
}
