// Grids coloured by a coverage metric (GET /api/coverage?level=N) with a
// legend of the class breaks that is exactly what is drawn: both come from
// CLASSES below. The level coloured is the level on screen (the focused
// grid's children, or the focused grid when it has none). Coverage events
// from the stream update a grid's value in place.
'use strict';

import { t, getLang, onLangChange } from './i18n.js';
import { getJSON, isAbort } from './api.js';
import { el, showError } from './ui.js';
import * as gm from './map.js';

const L = window.L;
const STORAGE_KEY = 'gridmap.metric';

export const METRICS = ['contact_pct', 'head_pct', 'screened_pct', 'quarantined', 'fever_alerts', 'overdue_visits', 'open_requests'];
const PCT = new Set(['contact_pct', 'head_pct', 'screened_pct']);

// Percentages, higher is better: red to green. Counts of things to do,
// zero is best: pale green, then yellow to dark red. A value v is in a
// class when min <= v < max.
export const CLASSES = {
  pct: [
    { min: -Infinity, max: 50, color: '#d73027', label: '< 50%' },
    { min: 50, max: 70, color: '#fc8d59', label: '50–70%' },
    { min: 70, max: 85, color: '#fee08b', label: '70–85%' },
    { min: 85, max: 95, color: '#91cf60', label: '85–95%' },
    { min: 95, max: Infinity, color: '#1a9850', label: '≥ 95%' },
  ],
  count: [
    { min: -Infinity, max: 1, color: '#d9f0d3', label: '0' },
    { min: 1, max: 2, color: '#fee391', label: '1' },
    { min: 2, max: 4, color: '#fdae61', label: '2–3' },
    { min: 4, max: 10, color: '#f46d43', label: '4–9' },
    { min: 10, max: Infinity, color: '#a50026', label: '≥ 10' },
  ],
};
export const NO_DATA = '#c3c8d1';

export function classesOf(metric) {
  return PCT.has(metric) ? CLASSES.pct : CLASSES.count;
}

// The colour of a value of a metric (NO_DATA for null).
export function colourOf(metric, v) {
  if (v === null || v === undefined || Number.isNaN(v)) return NO_DATA;
  const c = classesOf(metric).find((k) => v >= k.min && v < k.max);
  return c ? c.color : NO_DATA;
}

function savedMetric() {
  try {
    const m = window.localStorage.getItem(STORAGE_KEY);
    return METRICS.includes(m) ? m : null;
  } catch {
    return null;
  }
}

// The choropleth and its control on map; level() is the level on screen.
// Returns what the page calls: refresh() when the level on screen changed
// (a new focus), reload() after a gap in the stream, and onCoverage(figures)
// with a coverage event's figures.
// A fixed metric (the wall display's ?metric=) is used and not saved;
// within(entry), when given, limits the colours to the grids it accepts.
// With tiles (vectorgrids.js) the grids are vector tiles that carry their
// figures: the control offers the metrics the tiles carry and hands the
// choice to them.
export function initChoropleth(map, { level: levelFn, metric: fixed = null, within = null, tiles = null }) {
  const offered = tiles ? tiles.metrics : METRICS;
  let metric = offered.includes(fixed) ? fixed : savedMetric();
  if (tiles && !offered.includes(metric)) metric = offered[0];
  const figures = new Map(); // grid id -> Figures
  const loaded = new Map(); // level -> 'loading' | 'loaded'
  let ctrl = null;

  function fill(e) {
    if (!metric || e.level !== levelFn() || !figures.has(e.id) || (within && !within(e))) return null;
    return colourOf(metric, figures.get(e.id)[metric]);
  }

  // The level on screen changed (a new focus), or the metric: load what is
  // missing and redraw.
  function refresh() {
    if (tiles) {
      document.body.dataset.choropleth = metric ? `${metric}@tiles` : 'none';
      tiles.setMetric(metric);
      if (control) control.render();
      return;
    }
    const level = levelFn();
    document.body.dataset.choropleth = metric ? `${metric}@${level}` : 'none';
    if (metric && level && !loaded.has(level)) load(level);
    gm.setFillFor(fill);
    if (control) control.render();
  }

  async function load(level) {
    loaded.set(level, 'loading');
    document.body.dataset.choroLoaded = 'false';
    if (ctrl) ctrl.abort();
    ctrl = new AbortController();
    try {
      const d = await getJSON(`/api/coverage?level=${level}`, { signal: ctrl.signal });
      for (const f of (d && d.grids) || []) figures.set(Number(f.grid), f);
      loaded.set(level, 'loaded');
    } catch (err) {
      loaded.delete(level);
      if (isAbort(err)) return;
      showError(err);
    }
    gm.setFillFor(fill);
    if (control) control.render();
    document.body.dataset.choroLoaded = 'true';
  }

  // After a gap in the stream (a resync): coverage events may have been
  // lost, so every level is fetched anew when next shown, this one now.
  function reload() {
    loaded.clear();
    refresh();
  }

  // A coverage event: one grid's new Figures.
  function onCoverage(f) {
    const id = Number(f && f.grid);
    if (!id) return;
    figures.set(id, f);
    if (metric) gm.restyleGrid(id);
  }

  function setMetric(m) {
    metric = offered.includes(m) ? m : null;
    try {
      if (metric) window.localStorage.setItem(STORAGE_KEY, metric);
      else window.localStorage.removeItem(STORAGE_KEY);
    } catch {
      // storage disabled
    }
    refresh();
  }

  const ChoroControl = L.Control.extend({
    onAdd() {
      const box = L.DomUtil.create('div', 'choro');
      box.id = 'choropleth';
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      this._box = box;
      this.render();
      return box;
    },
    render() {
      const box = this._box;
      if (!box) return;
      const select = el(
        'select',
        { id: 'choro-metric', 'aria-label': t('choro.title'), onchange: (ev) => setMetric(ev.target.value) },
        el('option', { value: '' }, t('choro.none')),
        offered.map((m) => el('option', { value: m }, t(`metric.${m}`)))
      );
      select.value = metric || '';
      const parts = [el('label', { class: 'choro-pick' }, el('span', {}, t('choro.title')), select)];
      if (metric) {
        const level = levelFn();
        const values = gm
          .gridEntries()
          .filter((e) => e.level === level && figures.has(e.id))
          .map((e) => figures.get(e.id)[metric]);
        const row = (color, label, attrs) =>
          el('li', { dataset: { color, ...attrs } }, el('span', { class: 'choro-sw', style: `background:${color}`, 'aria-hidden': 'true' }), label);
        const items = classesOf(metric).map((c, i) => row(c.color, c.label, { class: String(i), min: String(c.min), max: String(c.max) }));
        if (values.some((v) => v === null || v === undefined)) items.push(row(NO_DATA, t('choro.noData'), { class: 'none' }));
        parts.push(el('ul', { class: 'choro-classes' }, items));
        if (level && !tiles) parts.push(el('div', { class: 'choro-level' }, t('choro.levelOf', { level: t(`levelShort.${level}`) })));
      }
      box.replaceChildren(...parts);
      box.dataset.metric = metric || '';
      box.lang = getLang();
    },
  });

  const control = new ChoroControl({ position: 'bottomleft' });
  control.addTo(map);
  gm.setFillFor(fill);
  onLangChange(() => control.render());
  refresh();
  return { refresh, reload, onCoverage };
}
