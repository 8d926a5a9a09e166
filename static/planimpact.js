// 影响预览 / Impact preview (GET /api/drafts/{id}/impact): what the draft
// would move (buildings, households, party links, volunteers, checkpoints,
// open requests, quarantines) and each affected grid's load before and
// after. A rise of more than 50 % is highlighted. Once asked for, the
// preview follows the draft: it is fetched again after each change.
'use strict';

import { t, fmtNumber, onLangChange } from './i18n.js';
import { el } from './ui.js';
import { store, gridName, draftGrids } from './planstore.js';
import { loadImpact } from './planapi.js';

const REFRESH_MS = 400;
const RISE = 1.5; // a rise over 50 % is flagged

// Metrics of a grid's load: key, digits, and whether a rise is a burden.
const METRICS = [
  { key: 'households', digits: 0, load: true },
  { key: 'households_per_member', digits: 1, load: true },
  { key: 'buildings_per_head', digits: 1, load: true },
  { key: 'screened_pct', digits: 0, load: false, pct: true },
];

const COUNTS = ['buildings', 'households', 'party_links', 'volunteers', 'checkpoints', 'requests', 'quarantines'];

function count(imp, key) {
  const v = imp[key];
  if (Array.isArray(v)) return v.length;
  return Number.isFinite(v) ? v : 0;
}

function summary(imp) {
  return el(
    'dl',
    { class: 'pl-impact-sum' },
    COUNTS.map((k) =>
      el(
        'div',
        { class: count(imp, k) ? 'pl-isum has' : 'pl-isum', dataset: { key: k } },
        el('dt', {}, t(`plan.imp.${k}`)),
        el('dd', {}, fmtNumber(count(imp, k)))
      )
    )
  );
}

function value(side, m) {
  if (!side) return null;
  const v = side[m.key];
  if (v === null || v === undefined || !Number.isFinite(Number(v))) return null;
  return Number(v);
}

function fmt(v, m) {
  if (v === null) return t('plan.none');
  return m.pct ? `${fmtNumber(v, m.digits)}%` : fmtNumber(v, m.digits);
}

function cell(g, m) {
  const before = value(g.before, m);
  const after = value(g.after, m);
  const rise = m.load && before !== null && after !== null && before > 0 && after > before * RISE;
  const changed = before !== after;
  return el(
    'td',
    { class: rise ? 'pl-rise' : changed ? 'pl-changed' : '', dataset: { metric: m.key } },
    el('span', { class: 'pl-before' }, fmt(before, m)),
    el('span', { class: 'pl-arrow', 'aria-hidden': 'true' }, '→'),
    el('span', { class: 'pl-after' }, fmt(after, m)),
    rise && el('span', { class: 'pl-rise-mark', title: t('plan.riseTip') }, `+${fmtNumber((after / before - 1) * 100)}%`)
  );
}

// A grid's status in the draft: the answer's, else the draft's (a grid
// the draft no longer holds is retired, a negative id is new).
function statusOf(g, s) {
  if (g.status) return g.status;
  const f = draftGrids(s).get(Number(g.id));
  if (f) return f.properties.status || 'unchanged';
  return Number(g.id) < 0 ? 'new' : 'retired';
}

export function initImpact(pm) {
  let timer = null;

  function setup() {
    document.getElementById('pl-impact-load').addEventListener('click', loadImpact);
    store.on(['draft', 'impact', 'impactState', 'impactRevision', 'published'], render);
    store.on(['draft'], (s) => {
      // Keep a preview the planner asked for in step with the draft.
      if (!s.draft || s.impactState === 'idle' || s.impactRevision === s.draft.revision) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        const now = store.get();
        if (now.draft && now.impactState !== 'loading' && now.impactRevision !== now.draft.revision) loadImpact();
      }, REFRESH_MS);
    });
    onLangChange(() => render(store.get()));
  }

  function render(s) {
    const card = document.getElementById('pl-impact');
    card.hidden = !s.draft;
    if (!s.draft) return;
    const body = document.getElementById('pl-impact-body');
    const button = document.getElementById('pl-impact-load');
    const fresh = s.impact && s.impactRevision === s.draft.revision;
    button.hidden = s.impactState !== 'idle' && s.impactState !== 'failed';
    card.dataset.state = s.impactState === 'loaded' && !fresh ? 'stale' : s.impactState;
    if (!s.impact) {
      body.replaceChildren(s.impactState === 'loading' ? el('p', { class: 'muted' }, t('app.loading')) : el('p', { class: 'muted' }, t('plan.impactIntro')));
      return;
    }
    body.replaceChildren(summary(s.impact), table(s.impact, s));
    if (!fresh) body.append(el('p', { class: 'muted pl-stale' }, t('plan.impactStale')));
  }

  function table(imp, s) {
    const grids = (Array.isArray(imp.grids) ? imp.grids : []).map((g) => ({ ...g, status: statusOf(g, s) }));
    if (!grids.length) return el('p', { class: 'muted' }, t('plan.impactNone'));
    const order = { new: 0, changed: 1, retired: 2, unchanged: 3 };
    const rows = grids.sort((a, b) => (order[a.status] ?? 4) - (order[b.status] ?? 4) || String(a.code ?? a.id).localeCompare(String(b.code ?? b.id)));
    return el(
      'div',
      { class: 'pl-table-wrap' },
      el(
        'table',
        { class: 'pl-table' },
        el('thead', {}, el('tr', {}, el('th', {}, t('plan.impGrid')), METRICS.map((m) => el('th', {}, t(`plan.imp.${m.key}`))))),
        el(
          'tbody',
          {},
          rows.map((g) => {
            const c = pm.gridColor(g.id);
            return el(
              'tr',
              { dataset: { gridId: String(g.id), status: g.status } },
              el(
                'th',
                { scope: 'row' },
                el('span', { class: 'pl-swatch', style: c ? `background:${c[0]};border-color:${c[1]}` : null, 'aria-hidden': 'true' }),
                el('span', { class: 'pl-impact-name' }, g.name || gridName(g.id, s)),
                el('span', { class: `pl-status pl-status-${g.status || 'unchanged'}` }, t(`plan.st.${g.status || 'unchanged'}`))
              ),
              METRICS.map((m) => cell(g, m))
            );
          })
        )
      )
    );
  }

  setup();
}
