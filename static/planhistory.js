// 发布记录 / History: the latest boundary publications (number, time in
// the area's zone, who, note, how many grids), each with
// - 对比上一版: what it added, removed and changed against the publication
//   before it, listed with areas and drawn on the map (planhistmap.js);
// - 查看当时边界: every grid as it was right after it, read-only;
// - 回滚: its grids get back the boundaries they had before it, as a new
//   publication (not for the seed, publication 1);
// - 导出: GeoJSON and KML of the draft's root (or each subdistrict) as of it.
// While a view is on the map a banner says what is shown, with the way
// back to the draft (Escape does the same). The list reloads on a
// boundaries event and after this page publishes or rolls back.
'use strict';

import { t, getLang, fmtNumber, onLangChange, getAreaZone } from './i18n.js';
import { el } from './ui.js';
import { store, gridName } from './planstore.js';
import { loadPublications, comparePublications, gridsAsOf, rollbackPublication } from './planapi.js';
import { formDialog } from './plandialog.js';
import { initHistoryMap, HIST } from './planhistmap.js';
import { getJSON } from './api.js';

const PLANNERS = ['planner', 'admin'];
const MORE = 10; // publications added by "show older"

// The area's time zone: publication times read as the planners' clocks
// do, wherever the browser is (the server's default, docs/FIELD.md).

export function fmtPubTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso || '');
  const opt = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false };
  try {
    return d.toLocaleString(getLang(), { ...opt, timeZone: getAreaZone() });
  } catch {
    return d.toLocaleString(getLang(), opt);
  }
}

function m2(v) {
  const n = Number(v);
  return t('unit.m2', { n: fmtNumber(Number.isFinite(n) ? Math.round(n) : 0) });
}

function list(s) {
  return Array.isArray(s.publications) ? s.publications : [];
}

// The publication before p (the list is newest first), or null.
function prevOf(p, s) {
  const pubs = list(s);
  const i = pubs.findIndex((x) => x.id === p.id);
  return i >= 0 && i + 1 < pubs.length ? pubs[i + 1] : null;
}

// The seed (the first publication): the oldest, when the list reaches it.
function isSeed(p, s) {
  const pubs = list(s);
  return s.pubsFull && pubs.length > 0 && pubs[pubs.length - 1].id === p.id;
}

function mayPlan(s) {
  return !!s.user && PLANNERS.includes(s.user.role);
}

// The roots to export: the open draft's, else each subdistrict.
function exportRoots(s) {
  if (s.draft) return [{ id: Number(s.draft.root_id), name: gridName(s.draft.root_id, s) }];
  return (s.tree || []).map((n) => ({ id: n.id, name: n.name }));
}

function exportLinks(p, s) {
  const roots = exportRoots(s);
  if (!roots.length) return null;
  const stamp = String(p.id);
  return el(
    'div',
    { class: 'pl-hist-export' },
    el('span', { class: 'pl-hist-export-label' }, t('plan.exportAsOf')),
    roots.map((r) =>
      el(
        'span',
        { class: 'pl-hist-export-root', dataset: { root: String(r.id) } },
        roots.length > 1 && el('span', { class: 'pl-hist-export-name' }, r.name),
        ['geojson', 'kml'].map((f) =>
          el(
            'a',
            {
              class: 'pl-link-btn',
              href: `/api/boundaries/export?root=${encodeURIComponent(r.id)}&format=${f}&asof=${encodeURIComponent(p.published_at)}`,
              download: `grids-${r.id}-pub${stamp}.${f}`,
              dataset: { format: f },
              title: t('plan.exportTip', { name: r.name, n: p.id, format: f === 'kml' ? 'KML' : 'GeoJSON' }),
            },
            f === 'kml' ? 'KML' : 'GeoJSON'
          )
        )
      )
    )
  );
}

function swatch(kind) {
  const c = HIST[kind === 'removed' ? 'removed' : kind];
  const dashed = kind === 'removed' || kind === 'before';
  return el('span', {
    class: `pl-cmp-swatch${dashed ? ' is-dashed' : ''}`,
    style: dashed ? `border-color:${c.stroke}` : `background:${c.fill};border-color:${c.stroke}`,
    'aria-hidden': 'true',
  });
}

function legend() {
  return el(
    'ul',
    { class: 'pl-cmp-legend', 'aria-label': t('plan.legend') },
    ['added', 'changed', 'before', 'removed'].map((k) => el('li', {}, swatch(k), t(`plan.lg.${k}`)))
  );
}

// initHistory sets up the history card and its views on map; pm is the
// planner's map (planmap.js). What it remembers lives in this closure.
export function initHistory(map, pm) {
  let lastDraftId = null;
  let hm = null; // the history views on the map (planhistmap.js)

  function setup() {
    const card = document.getElementById('pl-history');
    card.addEventListener('toggle', () => {
      if (card.open && store.get().publications === null) loadPublications();
    });
    document.getElementById('pl-view-close').addEventListener('click', closeView);
    document.addEventListener('keydown', (ev) => {
      // Escape leaves a view, unless a dialog or a field has the key.
      const typing = ['INPUT', 'TEXTAREA', 'SELECT'].includes(ev.target && ev.target.tagName);
      if (ev.key === 'Escape' && store.get().view && !typing && !document.getElementById('pl-dialog').open) closeView();
    });
    store.on(['publications', 'pubsShown', 'pubsFull', 'view', 'histResult', 'busy', 'net', 'draft', 'tree', 'user'], render);
    store.on(['view', 'draft'], renderBanner);
    store.on(['draft'], (s) => {
      // Opening another draft (or closing this one) leaves a history view.
      const id = s.draft ? s.draft.id : null;
      if (id !== lastDraftId && s.view) store.set({ view: null });
      lastDraftId = id;
    });
    hm = initHistoryMap(map);
    onLangChange(() => {
      render(store.get());
      renderBanner(store.get());
    });
    loadPublications();
  }

  // ---- formatting -----------------------------------------------------------------------

  // ---- the list ---------------------------------------------------------------------------

  function render(s) {
    const box = document.getElementById('pl-history-list');
    const count = document.getElementById('pl-history-n');
    if (s.publications === null) return;
    box.removeAttribute('aria-busy');
    const pubs = list(s);
    count.textContent = pubs.length ? String(pubs.length) + (s.pubsFull ? '' : '+') : '';
    if (!pubs.length) {
      box.replaceChildren(el('p', { class: 'muted pl-empty' }, t('plan.noPubs')));
      return;
    }
    // The publication being viewed stays listed even when it is an old one.
    const viewing = s.view ? pubs.findIndex((p) => p.id === s.view.pubId) : -1;
    const shown = Math.max(s.pubsShown, viewing + 1);
    const rest = pubs.length - shown;
    // What a rollback did goes first: the list it changed is below it.
    box.replaceChildren(
      ...[
        s.histResult && resultBox(s.histResult),
        el('ol', { class: 'pl-hist-list' }, pubs.slice(0, shown).map((p) => item(p, s))),
        rest > 0 &&
          el(
            'button',
            { type: 'button', class: 'pl-btn pl-btn-wide pl-hist-more', id: 'pl-hist-more', onclick: () => store.set({ pubsShown: shown + MORE }) },
            t('plan.showOlder', { n: Math.min(rest, MORE) })
          ),
      ].filter(Boolean)
    );
    reveal(s);
  }

  // Scroll a comparison just loaded, or a rollback's result, into sight
  // (on a phone the cards lie under the map).
  let revealed = { view: null, result: null };
  function reveal(s) {
    const v = s.view && s.view.mode === 'compare' && s.view.state === 'ready' ? s.view : null;
    if (v && revealed.view !== v.key) {
      const node = document.getElementById('pl-cmp');
      if (node) node.scrollIntoView({ block: 'nearest' });
    }
    if (s.histResult && revealed.result !== s.histResult) {
      const node = document.querySelector('#pl-history-list .pl-rb');
      if (node) node.scrollIntoView({ block: 'nearest' });
    }
    revealed = { view: v ? v.key : null, result: s.histResult };
  }

  function item(p, s) {
    const prev = prevOf(p, s);
    const seed = isSeed(p, s);
    const v = s.view && s.view.pubId === p.id ? s.view : null;
    const busy = s.busy || s.net === 'down';
    const head = el(
      'div',
      { class: 'pl-hist-head' },
      el('span', { class: 'pl-hist-no' }, `#${p.id}`),
      el('span', { class: 'pl-hist-when' }, fmtPubTime(p.published_at)),
      el('span', { class: 'pl-hist-who' }, p.published_by || ''),
      el('span', { class: 'pl-hist-n' }, seed ? t('plan.pubSeed', { n: p.grids }) : p.grids ? t('plan.pubGrids', { n: p.grids }) : t('plan.pubNoBoundary'))
    );
    const actions = el(
      'div',
      { class: 'pl-hist-actions' },
      prev &&
        el(
          'button',
          {
            type: 'button',
            class: 'pl-btn pl-hist-compare',
            'aria-pressed': String(!!v && v.mode === 'compare'),
            onclick: () => openCompare(p, prev),
          },
          t('plan.cmpPrev')
        ),
      el(
        'button',
        { type: 'button', class: 'pl-btn pl-hist-asof', 'aria-pressed': String(!!v && v.mode === 'asof'), onclick: () => openAsOf(p, true) },
        t('plan.viewAsOf')
      ),
      !seed &&
        mayPlan(s) &&
        el('button', { type: 'button', class: 'pl-btn pl-btn-danger pl-hist-rollback', disabled: busy, onclick: () => rollback(p) }, t('plan.rollback'))
    );
    return el(
      'li',
      { class: v ? 'pl-hist-item is-viewing' : 'pl-hist-item', dataset: { publicationId: String(p.id) } },
      head,
      p.note && el('p', { class: 'pl-hist-note' }, p.note),
      actions,
      exportLinks(p, s),
      v && v.mode === 'compare' && comparePanel(v, s),
      v && v.state === 'failed' && v.mode === 'asof' && failed(v)
    );
  }

  // ---- export -----------------------------------------------------------------------------

  // ---- views on the map -------------------------------------------------------------------------

  function closeView() {
    const had = store.get().view;
    store.set({ view: null });
    if (had && store.get().draft) pm.fitDraft(false);
  }

  // Load a view: the store holds it as loading, then ready (or failed) if
  // it is still the one asked for.
  async function loadView(view, fetch) {
    store.set({ view: { ...view, state: 'loading' } });
    try {
      const data = await fetch();
      const now = store.get().view;
      if (!now || now.key !== view.key) return;
      store.set({ view: { ...view, ...data, state: 'ready' } });
    } catch (err) {
      const now = store.get().view;
      if (!now || now.key !== view.key) return;
      store.set({ view: { ...view, state: 'failed', error: err } });
    }
  }

  function openCompare(p, prev) {
    const key = `compare:${prev.id}:${p.id}`;
    const s = store.get();
    if (s.view && s.view.key === key && s.view.state !== 'failed') {
      closeView();
      return;
    }
    const view = { key, mode: 'compare', pubId: p.id, prevId: prev.id, at: p.published_at, prevAt: prev.published_at };
    loadView(view, async () => {
      const [comparison, after, before] = await Promise.all([comparePublications(prev.id, p.id), gridsAsOf(p.published_at), gridsAsOf(prev.published_at)]);
      return { comparison, after, before };
    });
  }

  // openAsOf shows the boundaries right after publication p; toggle (the
  // list's button) closes the view when it already shows them.
  function openAsOf(p, toggle = false) {
    const key = `asof:${p.id}`;
    const s = store.get();
    if (s.view && s.view.key === key && s.view.state !== 'failed') {
      if (toggle) closeView();
      return;
    }
    loadView({ key, mode: 'asof', pubId: p.id, at: p.published_at }, async () => ({ after: await gridsAsOf(p.published_at) }));
  }

  function retryView(v) {
    const p = list(store.get()).find((x) => x.id === v.pubId);
    if (!p) return;
    store.set({ view: null });
    if (v.mode === 'compare') {
      const prev = prevOf(p, store.get());
      if (prev) openCompare(p, prev);
    } else openAsOf(p);
  }

  function failed(v) {
    return el(
      'div',
      { class: 'pl-hist-failed', role: 'alert' },
      el('p', {}, t('plan.viewFailed', { why: v.error && v.error.describe ? v.error.describe() : String(v.error || '') })),
      el('button', { type: 'button', class: 'pl-btn', onclick: () => retryView(v) }, t('plan.retry'))
    );
  }

  function comparePanel(v) {
    if (v.state === 'loading') return el('div', { class: 'pl-cmp', id: 'pl-cmp', 'aria-busy': 'true' }, el('p', { class: 'muted' }, t('app.loading')));
    if (v.state === 'failed') return failed(v);
    const c = v.comparison || {};
    const groups = [
      ['added', c.added, (g) => t('plan.cmpArea', { area: m2(g.area_after_m2) })],
      ['removed', c.removed, (g) => t('plan.cmpArea', { area: m2(g.area_before_m2) })],
      ['changed', c.changed, (g) => t('plan.cmpAreaChange', { before: m2(g.area_before_m2), after: m2(g.area_after_m2), changed: m2(g.area_changed_m2) })],
    ].map(([kind, rows, area]) => ({ kind, rows: Array.isArray(rows) ? rows : [], area }));
    const total = groups.reduce((n, g) => n + g.rows.length, 0);
    return el(
      'div',
      { class: 'pl-cmp', id: 'pl-cmp', dataset: { from: String(v.prevId), to: String(v.pubId) } },
      el('p', { class: 'pl-cmp-title' }, t('plan.cmpTitle', { a: v.prevId, b: v.pubId })),
      total === 0 && el('p', { class: 'muted' }, t('plan.cmpNone')),
      groups
        .filter((g) => g.rows.length)
        .map((g) =>
          el(
            'div',
            { class: `pl-cmp-group pl-cmp-${g.kind}`, dataset: { kind: g.kind } },
            el('h4', { class: 'pl-cmp-head' }, swatch(g.kind), t(`plan.cmp.${g.kind}`, { n: g.rows.length })),
            el(
              'ul',
              { class: 'pl-cmp-rows' },
              g.rows.map((row) =>
                el(
                  'li',
                  { dataset: { kind: g.kind, gridId: String(row.id) } },
                  el(
                    'button',
                    { type: 'button', class: 'pl-cmp-row', title: t('plan.cmpZoom'), onclick: () => hm.zoomToGrid(Number(row.id), g.kind) },
                    el('span', { class: 'pl-cmp-name' }, row.name || `#${row.id}`),
                    el('span', { class: 'pl-meta' }, [row.code, row.level ? t(`plan.lvShort.${row.level}`) : null].filter(Boolean).join(' · ')),
                    el('span', { class: 'pl-cmp-area' }, g.area(row))
                  )
                )
              )
            )
          )
        ),
      total > 0 && legend()
    );
  }

  // ---- the banner over the map ----------------------------------------------------------------------

  function renderBanner(s) {
    const box = document.getElementById('pl-view');
    const v = s.view;
    document.body.dataset.view = v ? `${v.mode}:${v.state}` : '';
    box.hidden = !v;
    if (!v) return;
    const pubs = list(s);
    const p = pubs.find((x) => x.id === v.pubId);
    const when = fmtPubTime(p ? p.published_at : v.at);
    let text;
    if (v.state === 'loading') text = t('plan.viewLoading', { n: v.pubId });
    else if (v.state === 'failed') text = t('plan.viewFailedBanner', { n: v.pubId });
    else if (v.mode === 'compare') text = t('plan.viewCompare', { a: v.prevId, b: v.pubId, when });
    else text = t('plan.viewAsOfBanner', { n: v.pubId, when });
    document.getElementById('pl-view-text').textContent = text;
    box.dataset.mode = v.mode;
    box.dataset.state = v.state;
    document.getElementById('pl-view-close').textContent = s.draft ? t('plan.viewBackDraft') : t('plan.viewBack');
  }

  // ---- roll back ---------------------------------------------------------------------------------------

  async function rollback(p) {
    const note = t('plan.rbDefaultNote', { n: p.id });
    await formDialog({
      title: t('plan.rbTitle', { n: p.id }),
      body: t('plan.rbBody', { n: p.id, when: fmtPubTime(p.published_at), who: p.published_by || '', grids: p.grids ?? 0 }),
      ok: t('plan.rbOk'),
      danger: true,
      fields: [{ name: 'note', label: t('plan.rbNote'), value: '', maxlength: 500, hint: t('plan.rbNoteHint', { note }) }],
      submit: async (v) => {
        const res = await rollbackPublication(p.id, v.note || note);
        if (res.error) return res.error.describe ? res.error.describe() : String(res.error);
        if (res.ok) {
          store.set({ histResult: { pubId: p.id, kind: 'ok', newId: Number(res.ok.publication_id), at: res.ok.published_at } });
          afterRollback(res.ok);
        } else if (res.conflict) {
          store.set({ histResult: { pubId: p.id, kind: 'conflict', grids: res.conflict } });
        } else if (res.problems) {
          store.set({ histResult: { pubId: p.id, kind: 'problems', problems: res.problems } });
        } else {
          store.set({ histResult: { pubId: p.id, kind: 'nochange' } });
        }
        return null;
      },
    });
  }

  // After a rollback the communities are fetched again, and a history view
  // on the map moves to the boundaries now (right after the rollback).
  async function afterRollback(res) {
    const s = store.get();
    if (s.view) openAsOf({ id: Number(res.publication_id), published_at: res.published_at });
    try {
      const fc = await getJSON('/api/grids?level=2');
      pm.showContext(!store.get().draft, fc);
    } catch (err) {
      console.warn('gridmap: communities after a rollback', err);
    }
  }

  function resultBox(r) {
    const close = el('button', { type: 'button', class: 'pl-banner-close pl-result-close', title: t('err.dismiss'), 'aria-label': t('err.dismiss'), onclick: () => store.set({ histResult: null }) }, '×');
    if (r.kind === 'ok') {
      return el(
        'div',
        { class: 'pl-rb pl-rb-ok', id: 'pl-rb-ok', role: 'status', dataset: { publicationId: String(r.newId) } },
        el('div', { class: 'pl-rb-head' }, el('p', { class: 'pl-rb-title' }, t('plan.rbDone', { n: r.pubId, m: r.newId })), close),
        el('button', { type: 'button', class: 'pl-btn', id: 'pl-rb-see', onclick: () => openAsOf({ id: r.newId, published_at: r.at }) }, t('plan.rbSee'))
      );
    }
    if (r.kind === 'conflict') {
      return el(
        'div',
        { class: 'pl-rb pl-rb-bad', id: 'pl-rb-conflict', role: 'alert' },
        el('div', { class: 'pl-rb-head' }, el('p', { class: 'pl-rb-title' }, t('plan.rbConflict', { n: r.pubId })), close),
        el(
          'ul',
          {},
          r.grids.map((g) => el('li', { dataset: { gridId: String(g.id) } }, g.name || `#${g.id}`, g.code && el('span', { class: 'pl-meta' }, ` ${g.code}`)))
        ),
        el('p', { class: 'pl-rb-why' }, t('plan.rbConflictWhy'))
      );
    }
    if (r.kind === 'problems') {
      const what = [...new Set(r.problems.map((p) => p.code))].map((c) => (t(`plan.code.${c}`) === `plan.code.${c}` ? c : t(`plan.code.${c}`))).join(t('plan.listSep'));
      return el('div', { class: 'pl-rb pl-rb-bad', id: 'pl-rb-problems', role: 'alert' }, el('div', { class: 'pl-rb-head' }, el('p', { class: 'pl-rb-title' }, t('plan.rbProblems', { what })), close));
    }
    return el(
      'div',
      { class: 'pl-rb pl-rb-info', id: 'pl-rb-nochange', role: 'status' },
      el('div', { class: 'pl-rb-head' }, el('p', { class: 'pl-rb-title' }, t('plan.rbNoChange', { n: r.pubId })), close)
    );
  }

  setup();
}
