// The history views on the planner's map (store.view, planhistory.js):
// - 'asof': every grid as it was right after a publication, read-only,
//   compound grids in the editor's colours with their names;
// - 'compare': what a publication changed: the boundaries after it as thin
//   context, the grids it added (green) and changed (orange) filled, and
//   the boundaries before it of the grids it changed or removed dashed on
//   top (removed in red), so a split or merge reads at a glance. Names
//   are on what is there after; the card lists what was removed.
// planmap.js takes the draft off the map while a view is shown.
'use strict';

import { t, onLangChange } from './i18n.js';
import { labelPoint } from './map.js';
import { store } from './planstore.js';
import { PALETTE } from './planmap.js';

const L = window.L;

// Colours of the comparison (the card's legend uses the same).
export const HIST = {
  added: { stroke: '#2b8a3e', fill: '#51cf66' },
  changed: { stroke: '#d9480f', fill: '#ffa94d' },
  removed: { stroke: '#c92a2a' },
  before: { stroke: '#343a40' },
};

function latlngsOf(geometry) {
  if (!geometry) return null;
  if (geometry.type === 'MultiPolygon') return L.GeoJSON.coordsToLatLngs(geometry.coordinates, 2);
  if (geometry.type === 'Polygon') return [L.GeoJSON.coordsToLatLngs(geometry.coordinates, 1)];
  return null;
}

function idOf(f) {
  return Number((f.properties && f.properties.id) ?? f.id);
}

function featuresOf(fc) {
  return fc && Array.isArray(fc.features) ? fc.features : [];
}

function boundsOf(layers) {
  let b = null;
  for (const l of layers) {
    const lb = l.getBounds();
    if (!lb.isValid()) continue;
    b = b ? b.extend(lb) : L.latLngBounds(lb.getSouthWest(), lb.getNorthEast());
  }
  return b;
}

// initHistoryMap draws the history views (store.view) on map; it returns
// zoomToGrid for the comparison card. Its layers live in this closure.
export function initHistoryMap(map) {
  let group = null;
  let drawn = null; // the view object last drawn
  const byGrid = new Map(); // `${kind}:${id}` -> layer, for zoomToGrid
  const labels = []; // {label, layer, prio}

  function setup() {
    // Dashed boundaries before a publication lie over the fills after it.
    map.createPane('plhist').style.zIndex = '436';
    map.createPane('plhistbefore').style.zIndex = '446';
    group = L.layerGroup().addTo(map);
    store.on(['view'], draw);
    map.on('zoomend', fitLabels);
    onLangChange(() => {
      for (const l of labels) l.label.setContent(l.text());
      fitLabels();
    });
  }

  function clear() {
    group.clearLayers();
    byGrid.clear();
    labels.length = 0;
  }

  function draw(s) {
    const v = s.view;
    if (v === drawn) return;
    const ready = v && v.state === 'ready';
    // Keep what is drawn while the next view loads only if it is the same.
    if (!ready) {
      if (!v || !drawn || v.key !== drawn.key) {
        clear();
        drawn = null;
      }
      return;
    }
    clear();
    drawn = v;
    let focus = null;
    if (v.mode === 'asof') drawAsOf(v);
    else focus = drawCompare(v);
    fit(v, focus);
    fitLabels();
  }

  // polygon adds one grid's shape; the SVG path carries the grid's id,
  // level and kind for the tests and the stylesheet.
  function polygon(f, kind, opts) {
    const latlngs = latlngsOf(f.geometry);
    if (!latlngs) return null;
    const p = f.properties || {};
    const level = Number(p.level);
    const layer = L.polygon(latlngs, { pmIgnore: true, snapIgnore: true, ...opts });
    group.addLayer(layer);
    const path = layer.getElement();
    if (path) {
      path.dataset.gridId = String(idOf(f));
      path.dataset.level = String(level);
      path.dataset.kind = kind;
    }
    byGrid.set(`${kind}:${idOf(f)}`, layer);
    return layer;
  }

  function label(f, layer, prio, text, cls) {
    const at = labelPoint(f.geometry);
    if (!at) return;
    const tip = L.tooltip({ permanent: true, direction: 'center', interactive: false, opacity: 1, className: `grid-label plan-label plan-hist-label ${cls || ''}` })
      .setLatLng(at)
      .setContent(text());
    group.addLayer(tip);
    const el = tip.getElement();
    if (el) el.dataset.gridId = String(idOf(f));
    labels.push({ label: tip, layer, prio, text });
  }

  function hoverName(layer, f, suffix) {
    const p = f.properties || {};
    layer.bindTooltip(() => (suffix ? `${p.name || ''} · ${suffix()}` : p.name || ''), { sticky: true, className: 'grid-hover-tip' });
  }

  // ---- as of a publication ------------------------------------------------------------------

  function drawAsOf(v) {
    const feats = featuresOf(v.after);
    const l3 = feats.filter((f) => Number(f.properties.level) >= 3).sort((a, b) => String(a.properties.code).localeCompare(String(b.properties.code)));
    const l2 = feats.filter((f) => Number(f.properties.level) === 2);
    l3.forEach((f, i) => {
      const [fill, stroke] = PALETTE[i % PALETTE.length];
      const layer = polygon(f, 'asof', {
        pane: 'l3',
        className: 'plan-asof plan-asof-l3',
        color: stroke,
        weight: 1.5,
        opacity: 1,
        fillColor: fill,
        fillOpacity: 0.38,
      });
      if (!layer) return;
      hoverName(layer, f);
      label(f, layer, 1, () => f.properties.name || '');
    });
    for (const f of l2) {
      const layer = polygon(f, 'asof', {
        pane: 'l2',
        className: 'plan-asof plan-asof-l2',
        color: '#1d2b45',
        weight: 3.5,
        opacity: 0.9,
        fill: false,
        interactive: false,
      });
      if (layer && !l3.length) label(f, layer, 0, () => f.properties.name || '', 'plan-label-l2');
    }
  }

  // ---- a publication against the one before ------------------------------------------------------

  function drawCompare(v) {
    const c = v.comparison || {};
    const ids = (list) => new Set((Array.isArray(list) ? list : []).map((g) => Number(g.id)));
    const added = ids(c.added);
    const removed = ids(c.removed);
    const changed = ids(c.changed);
    const after = featuresOf(v.after);
    const before = featuresOf(v.before);
    const focus = [];

    // Context: the boundaries after, thin; communities as outlines.
    for (const f of after) {
      const id = idOf(f);
      const level = Number(f.properties.level);
      if (level < 2 || added.has(id) || changed.has(id)) continue;
      const layer = polygon(f, 'context', {
        pane: level === 2 ? 'l2' : 'l3',
        className: `plan-hist-ctx plan-hist-ctx-l${level}`,
        color: level === 2 ? '#1d2b45' : '#7b8797',
        weight: level === 2 ? 3 : 1.2,
        opacity: level === 2 ? 0.8 : 1,
        fill: level !== 2,
        fillColor: '#ffffff',
        fillOpacity: 0.45,
        interactive: level !== 2,
      });
      if (layer && level !== 2) hoverName(layer, f);
    }
    // What it added or changed, after.
    for (const f of after) {
      const id = idOf(f);
      const kind = added.has(id) ? 'added' : changed.has(id) ? 'changed' : null;
      if (!kind) continue;
      const level = Number(f.properties.level);
      const layer = polygon(f, kind, {
        pane: 'plhist',
        className: `plan-hist plan-hist-${kind} plan-hist-l${level}`,
        color: HIST[kind].stroke,
        weight: level === 2 ? 4 : 3,
        opacity: 1,
        fillColor: HIST[kind].fill,
        fillOpacity: level === 2 ? 0.12 : 0.42,
      });
      if (!layer) continue;
      focus.push(layer);
      hoverName(layer, f, () => t(kind === 'added' ? 'plan.cmpAddedOne' : 'plan.cmpChangedOne'));
      label(f, layer, 0, () => f.properties.name || '', `plan-hist-label-${kind}`);
    }
    // What it removed or changed, before: dashed, on top.
    for (const f of before) {
      const id = idOf(f);
      const kind = removed.has(id) ? 'removed' : changed.has(id) ? 'before' : null;
      if (!kind) continue;
      const level = Number(f.properties.level);
      const layer = polygon(f, kind, {
        pane: 'plhistbefore',
        className: `plan-hist plan-hist-${kind} plan-hist-l${level}`,
        color: HIST[kind].stroke,
        weight: kind === 'removed' ? 3.5 : 2.5,
        opacity: 0.95,
        dashArray: kind === 'removed' ? '9 6' : '5 5',
        fill: false,
        interactive: false,
      });
      // No names: they would sit on the grids that replaced them (the
      // card lists them).
      if (layer) focus.push(layer);
    }
    return focus;
  }

  // ---- fitting and labels ----------------------------------------------------------------------

  // Fit the map to what changed (a comparison), else to the draft's root
  // when a draft is open, else to everything drawn.
  function fit(v, focus) {
    let b = focus && focus.length ? boundsOf(focus) : null;
    if (b) b = b.pad(0.2);
    if (!b) {
      const d = store.get().draft;
      const root = d && featuresOf(v.after).find((f) => idOf(f) === Number(d.root_id));
      const layers = [];
      group.eachLayer((l) => {
        if (l instanceof L.Polygon) layers.push(l);
      });
      const rootBounds = root ? L.geoJSON(root.geometry).getBounds() : null;
      b = rootBounds && rootBounds.isValid() ? rootBounds : boundsOf(layers);
    }
    if (b && b.isValid()) map.fitBounds(b, { paddingTopLeft: [24, topPad()], paddingBottomRight: [24, 24], maxZoom: 19, animate: false });
  }

  // The banner over the top of the map (#pl-view) should not hide the fit.
  function topPad() {
    const banner = document.getElementById('pl-view');
    const c = map.getContainer().getBoundingClientRect();
    if (!banner || banner.hidden) return 24;
    return Math.max(24, banner.getBoundingClientRect().bottom - c.top + 12);
  }

  // Names hide where the grid is too small on screen to hold them, and where
  // they would cover a more important name (added and changed first).
  function fitLabels() {
    const kept = [];
    const sorted = labels.slice().sort((a, b) => a.prio - b.prio);
    for (const l of sorted) {
      const node = l.label.getElement();
      if (!node) continue;
      node.classList.remove('label-hidden');
      const b = l.layer.getBounds();
      const nw = map.latLngToLayerPoint(b.getNorthWest());
      const se = map.latLngToLayerPoint(b.getSouthEast());
      const fits = node.offsetWidth <= (se.x - nw.x) * 1.15 && node.offsetHeight <= se.y - nw.y;
      const r = node.getBoundingClientRect();
      const hit = kept.some((k) => r.left < k.right + 2 && r.right > k.left - 2 && r.top < k.bottom + 2 && r.bottom > k.top - 2);
      if (!fits || hit) node.classList.add('label-hidden');
      else kept.push(r);
    }
  }

  // zoomToGrid shows one grid of the comparison (a row of the card's list)
  // and flashes it.
  function zoomToGrid(id, kind) {
    const layer = byGrid.get(`${kind}:${id}`) || byGrid.get(`${kind === 'changed' ? 'before' : kind}:${id}`);
    if (!layer) return;
    const b = layer.getBounds();
    if (b.isValid()) map.flyToBounds(b.pad(0.5), { paddingTopLeft: [24, topPad()], paddingBottomRight: [24, 24], maxZoom: 19, duration: 0.5 });
    const el = layer.getElement();
    if (el) {
      el.classList.remove('plan-flash');
      void el.getBoundingClientRect();
      el.classList.add('plan-flash');
      window.setTimeout(() => el.classList.remove('plan-flash'), 2400);
    }
  }

  setup();
  return { zoomToGrid };
}
