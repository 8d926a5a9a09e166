// The Leaflet map: base layer (basemap.js), grid polygons and labels,
// focus/selection styling, legend. Leaflet is the global L from
// /vendor/leaflet/leaflet.js, loaded before this module.
'use strict';

import { t, onLangChange } from './i18n.js';
import { el } from './ui.js';
import { initialCRS, setupBaseMap as setupBase } from './basemap.js';

const L = window.L;

// Soft fills for level-2 grids, assigned by index, each with a darker outline.
const PALETTE = [
  ['#9cc3e6', '#4f7fae'], // sky
  ['#b4dca8', '#5e9a52'], // sage
  ['#f5c99b', '#c0803f'], // peach
  ['#c8b6e6', '#7b63a8'], // lavender
  ['#f0dd8f', '#a8922f'], // straw
  ['#9fd6cc', '#3f8c80'], // teal
  ['#efb9cb', '#b06682'], // rose
  ['#d6c4a2', '#8c7550'], // sand
  ['#b3cfa0', '#6b8a55'], // moss
];
const SELECT_COLOR = '#0b4f9c';
const L3_STROKE = '#37474f';
export const L3_LABEL_ZOOM = 17;

let map = null;
const grids = new Map(); // id -> entry {id, level, parentId, name, code, layer, label, color}
let focusId = null;
let selectedId = null;
let hoverId = null;
let onGridClick = null;

// ---- map and base layer --------------------------------------------------

export function createMap(containerId, { onClick }) {
  onGridClick = onClick;
  map = L.map(containerId, {
    crs: initialCRS(),
    zoomControl: true,
    minZoom: 3,
    maxZoom: 20,
    zoomSnap: 0.25,
    zoomDelta: 0.5,
    wheelPxPerZoomLevel: 90,
    attributionControl: true,
  });
  map.attributionControl.setPrefix(false);
  map.setView([34.755, 113.63], 14); // replaced by fitBounds once grids load

  // Panes keep the drawing order fixed: communities, compound grids, the
  // subdistrict outline, then buildings. Each pane gets its own renderer.
  [
    ['l2', 410],
    ['l3', 420],
    ['l1', 430],
    ['buildings', 450],
  ].forEach(([name, z]) => {
    map.createPane(name).style.zIndex = String(z);
  });

  map.on('zoomend', updateZoomClasses);
  updateZoomClasses();
  map.on('movestart', () => (map.getContainer().dataset.moving = 'true'));
  map.on('moveend', publishView);
  publishView();
  return map;
}

// The view on the map's element (data-lat, data-lon, data-zoom; data-moving
// while it pans or zooms): what the page shows, readable from the DOM. The
// browser tests turn a place into the pixel to click with it.
function publishView() {
  const c = map.getCenter();
  const d = map.getContainer().dataset;
  d.lat = String(c.lat);
  d.lon = String(c.lng);
  d.zoom = String(map.getZoom());
  delete d.moving;
}

function updateZoomClasses() {
  const c = map.getContainer();
  c.classList.toggle('show-l3-labels', map.getZoom() >= L3_LABEL_ZOOM);
  scheduleDeclutter();
}

// ---- label collisions ------------------------------------------------------

let declutterQueued = false;

function scheduleDeclutter() {
  if (declutterQueued) return;
  declutterQueued = true;
  window.requestAnimationFrame(() => {
    declutterQueued = false;
    declutter();
  });
}

// Hide labels that would overlap a more important one. Priority: compound
// labels inside the focused community, then community labels, then the rest.
function declutter() {
  const chain = focusChain();
  const showL3 = map.getZoom() >= L3_LABEL_ZOOM;
  const items = [];
  for (const e of grids.values()) {
    const node = e.label && e.label.getElement && e.label.getElement();
    if (!node) continue;
    node.classList.remove('label-hidden');
    if (e.level === 3 && !showL3) continue;
    let prio;
    if (e.level === 3) prio = chain.has(e.parentId) || chain.has(e.id) ? 0 : 3;
    else prio = chain.has(e.id) ? 2 : 1;
    items.push({ node, prio, rect: node.getBoundingClientRect() });
  }
  items.sort((a, b) => a.prio - b.prio);
  const kept = [];
  const pad = 2;
  for (const it of items) {
    const r = it.rect;
    const hit = kept.some(
      (k) => r.left < k.right + pad && r.right > k.left - pad && r.top < k.bottom + pad && r.bottom > k.top - pad
    );
    if (hit) it.node.classList.add('label-hidden');
    else kept.push(r);
  }
}

// The base map: see basemap.js (the choice, its tiles, the picker, and the
// CRS that puts WGS-84 overlays on a GCJ-02 map).
export function setupBaseMap(config) {
  setupBase(map, config);
}

// ---- legend ----------------------------------------------------------------

const LegendControl = L.Control.extend({
  onAdd() {
    const box = L.DomUtil.create('details', 'legend');
    box.id = 'legend';
    // Expanded on desktops, folded on phones where space is scarce.
    box.open = !window.matchMedia('(max-width: 640px)').matches;
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    this._box = box;
    this._render();
    onLangChange(() => this._render());
    return box;
  },
  _render() {
    const item = (swatchClass, key) =>
      el('li', {}, el('span', { class: `sw ${swatchClass}`, 'aria-hidden': 'true' }), t(key));
    this._box.replaceChildren(
      el('summary', {}, t('legend.title')),
      el(
        'ul',
        {},
        item('sw-l1', 'legend.l1'),
        item('sw-l2', 'legend.l2'),
        item('sw-l3', 'legend.l3'),
        item('sw-bhead', 'legend.bHead'),
        item('sw-bnohead', 'legend.bNoHead'),
        item('sw-cp', 'legend.checkpoints'),
        this.options.sampling && item('sw-ss', 'legend.sampling'),
        this.options.live && item('sw-vol', 'legend.volunteers'),
        this.options.live &&
          el(
            'li',
            {},
            el('span', { class: 'sw sw-vcluster', 'aria-hidden': 'true' }, '12'),
            t('legend.vCluster')
          )
      )
    );
  },
});

// live: also explain the volunteer dots and count badges; sampling: the
// sampling sites' badges (sampling.js).
export function addLegend({ live = false, sampling = false } = {}) {
  new LegendControl({ position: 'bottomleft', live, sampling }).addTo(map);
}

// ---- geometry helpers ------------------------------------------------------

// GeoJSON Polygon / MultiPolygon -> list of polygons (each a list of rings).
function polygonsOf(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return [geometry.coordinates];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates;
  return [];
}

function ringArea(ring) {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    a += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  }
  return a / 2;
}

function ringCentroid(ring) {
  let x = 0;
  let y = 0;
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    x += (ring[j][0] + ring[i][0]) * f;
    y += (ring[j][1] + ring[i][1]) * f;
    a += f;
  }
  if (a === 0) return ring[0];
  return [x / (3 * a), y / (3 * a)];
}

function inRing(pt, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > pt[1] !== yj > pt[1] && pt[0] < ((xj - xi) * (pt[1] - yi)) / (yj - yi) + xi) {
      inside = !inside;
    }
  }
  return inside;
}

function inPolygon(pt, rings) {
  if (!inRing(pt, rings[0])) return false;
  for (let k = 1; k < rings.length; k++) if (inRing(pt, rings[k])) return false;
  return true;
}

// A point well inside the largest part of the geometry for its label: the
// centroid when it falls inside, else the middle of the widest horizontal
// run found by a few scan lines (good enough for L- and U-shaped grids).
export function labelPoint(geometry) {
  const polys = polygonsOf(geometry).filter((p) => p.length && p[0].length >= 3);
  if (!polys.length) return null;
  const rings = polys.reduce((best, p) =>
    Math.abs(ringArea(p[0])) > Math.abs(ringArea(best[0])) ? p : best
  );
  const c = ringCentroid(rings[0]);
  if (inPolygon(c, rings)) return L.latLng(c[1], c[0]);

  let minY = Infinity;
  let maxY = -Infinity;
  for (const [, y] of rings[0]) {
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  let best = null;
  for (let s = 1; s < 10; s++) {
    const y = minY + ((maxY - minY) * s) / 10;
    const xs = [];
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if (yi > y !== yj > y) xs.push(((xj - xi) * (y - yi)) / (yj - yi) + xi);
      }
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const w = xs[k + 1] - xs[k];
      // Prefer runs near the vertical middle when widths are similar.
      const score = w * (1 - 0.3 * Math.abs(s - 5) / 5);
      if (!best || score > best.score) best = { score, x: (xs[k] + xs[k + 1]) / 2, y };
    }
  }
  return best ? L.latLng(best.y, best.x) : L.latLng(c[1], c[0]);
}

// ---- grids -----------------------------------------------------------------

export function gridEntry(id) {
  return grids.get(id) || null;
}

export function gridEntries() {
  return [...grids.values()];
}

export function childrenOf(id) {
  return gridEntries().filter((e) => e.parentId === id);
}

export function gridCounts() {
  const n = { l1: 0, l2: 0, l3: 0 };
  for (const e of grids.values()) n[`l${e.level}`] += 1;
  return n;
}

// Ids of the focused grid and all its ancestors.
function focusChain() {
  const chain = new Set();
  let e = focusId === null ? null : grids.get(focusId);
  while (e) {
    chain.add(e.id);
    e = e.parentId === null ? null : grids.get(e.parentId);
  }
  return chain;
}

// Children of the focused grid take clicks. With no focus, the top-level
// grids do (including grids whose parent was not drawn).
function isInteractive(e) {
  if (focusId === null) return e.parentId === null || !grids.has(e.parentId);
  return e.parentId === focusId;
}

// The choropleth (choropleth.js) colours some grids: fillFor(entry) gives
// a fill colour, or null for a grid it leaves alone.
let fillFor = null;
const CHORO_OPACITY = 0.72;

export function setFillFor(fn) {
  fillFor = fn;
  if (map) restyleAll();
}

// Restyle one drawn grid (its choropleth value changed).
export function restyleGrid(id) {
  const e = grids.get(id);
  if (e) applyState(e, focusChain());
}

function styleFor(e, chain) {
  const s = baseStyle(e, chain);
  if (!fillFor) return s;
  const c = fillFor(e);
  if (c) {
    s.fill = true;
    s.fillColor = c;
    s.fillOpacity = hoverId === e.id && isInteractive(e) ? 0.88 : CHORO_OPACITY;
  } else if (e.level === 2) {
    // A community's tint under coloured compound grids would mix with
    // their colours: the legend must match what is seen.
    s.fillOpacity = Math.min(s.fillOpacity, 0.04);
  }
  return s;
}

function baseStyle(e, chain) {
  const hovered = hoverId === e.id && isInteractive(e);
  const selected = selectedId === e.id;
  if (e.level === 1) {
    return {
      color: '#1d2b45',
      weight: selected ? 5 : 4,
      opacity: 0.9,
      dashArray: null,
      fill: true,
      fillColor: '#ffffff',
      fillOpacity: hovered ? 0.12 : 0,
    };
  }
  if (e.level === 2) {
    const [fill, stroke] = PALETTE[e.color % PALETTE.length];
    const s = { color: stroke, weight: 2.5, opacity: 1, fillColor: fill, fillOpacity: 0.5, dashArray: null };
    const focusLevel = focusId === null ? 0 : grids.get(focusId).level;
    if (focusLevel >= 2) {
      if (chain.has(e.id)) {
        s.fillOpacity = 0.32;
        s.weight = 3;
      } else {
        s.fillOpacity = 0.16;
        s.opacity = 0.5;
      }
    }
    if (hovered) {
      s.fillOpacity = 0.72;
      s.weight = 3.5;
    }
    if (selected) {
      s.color = SELECT_COLOR;
      s.weight = 4;
      s.opacity = 1;
    }
    return s;
  }
  // level 3
  const parentActive = chain.has(e.parentId) || chain.has(e.id);
  const s = {
    color: L3_STROKE,
    weight: 1.3,
    opacity: parentActive || focusId === null || grids.get(focusId).level === 1 ? 0.85 : 0.45,
    dashArray: '5 4',
    fillColor: '#ffffff',
    fillOpacity: 0,
  };
  if (hovered) {
    s.fillOpacity = 0.4;
    s.weight = 2;
    s.color = '#1d2b45';
  }
  if (selected || focusId === e.id) {
    s.color = SELECT_COLOR;
    s.weight = 3;
    s.opacity = 1;
    s.dashArray = '7 4';
    s.fillOpacity = hovered ? 0.4 : 0.18;
  }
  return s;
}

function applyState(e, chain) {
  e.layer.setStyle(styleFor(e, chain));
  const on = isInteractive(e);
  e.layer.options.interactive = on;
  // Leaflet reads `interactive` only when a path is added; toggling the class
  // is what it does itself and switches pointer events on and off.
  e.layer.eachLayer((sub) => {
    const p = sub.getElement && sub.getElement();
    if (p) p.classList.toggle('leaflet-interactive', on);
  });
}

function restyleAll() {
  const chain = focusChain();
  for (const e of grids.values()) applyState(e, chain);
  // Keep the selected outline above its neighbours.
  const sel = selectedId !== null && grids.get(selectedId);
  if (sel) sel.layer.bringToFront();
  const foc = focusId !== null && grids.get(focusId);
  if (foc && foc !== sel) foc.layer.bringToFront();
  // Label of a focused community is redundant once compound labels show.
  for (const e of grids.values()) {
    if (e.label) {
      const lbl = e.label.getElement && e.label.getElement();
      if (lbl) lbl.classList.toggle('is-focus-parent', e.level === 2 && chain.has(e.id) && focusId !== e.id);
    }
  }
  scheduleDeclutter();
}

function addGridFeature(f, level, index) {
  const p = f.properties || {};
  const id = Number(p.id ?? f.id);
  const entry = {
    id,
    level,
    parentId: p.parent_id === null || p.parent_id === undefined ? null : Number(p.parent_id),
    name: p.name || '',
    code: p.code || '',
    color: index,
    layer: null,
    label: null,
    at: null,
  };
  const pane = `l${level}`;
  entry.layer = L.geoJSON(f, {
    pane,
    interactive: true,
    style: () => ({ className: `grid grid-l${level}`, ...styleFor(entry, new Set()) }),
  });
  entry.layer.on('mouseover', () => {
    if (!isInteractive(entry)) return;
    hoverId = entry.id;
    applyState(entry, focusChain());
  });
  entry.layer.on('mouseout', () => {
    if (hoverId !== entry.id) return;
    hoverId = null;
    applyState(entry, focusChain());
  });
  entry.layer.on('click', (ev) => {
    if (isInteractive(entry) && onGridClick) onGridClick(entry.id, ev);
  });
  if (level === 3 && entry.name) {
    // Compound names as a hover tip while their permanent labels are hidden
    // (zoom < L3_LABEL_ZOOM); only interactive paths get hover events.
    entry.layer.bindTooltip(entry.name, {
      sticky: true,
      direction: 'top',
      offset: [0, -10],
      opacity: 1,
      className: 'grid-hover-tip',
    });
  }
  entry.layer.addTo(map);
  entry.layer.eachLayer((sub) => {
    const path = sub.getElement && sub.getElement();
    if (path) {
      path.setAttribute('data-grid-id', String(id));
      path.setAttribute('data-level', String(level));
    }
  });

  // Where the label goes; volunteer count badges use it too (volunteers.js).
  const at = labelPoint(f.geometry);
  entry.at = at;
  if (level >= 2 && entry.name) {
    if (at) {
      entry.label = L.tooltip({
        permanent: true,
        direction: 'center',
        interactive: false,
        opacity: 1,
        className: `grid-label grid-label-l${level}`,
      })
        .setLatLng(at)
        .setContent(entry.name);
      entry.label.addTo(map);
      const lblEl = entry.label.getElement();
      if (lblEl) lblEl.dataset.gridId = String(id);
    }
  }
  grids.set(id, entry);
}

// Draw the three levels. Each argument is a FeatureCollection or null.
export function drawGrids(l1, l2, l3) {
  const feats = (fc) => (fc && Array.isArray(fc.features) ? fc.features : []);
  feats(l1).forEach((f, i) => addGridFeature(f, 1, i));
  // Colour communities in code order so the colours are stable across loads.
  const l2f = feats(l2).slice().sort((a, b) => String(a.properties.code).localeCompare(String(b.properties.code)));
  l2f.forEach((f, i) => addGridFeature(f, 2, i));
  feats(l3).forEach((f, i) => addGridFeature(f, 3, i));
  restyleAll();
}

// Remove every drawn grid (before drawing newly published boundaries).
export function clearGrids() {
  for (const e of grids.values()) {
    e.layer.remove();
    if (e.label) e.label.remove();
  }
  grids.clear();
  hoverId = null;
}

// The label point of a drawn grid (a LatLng inside it), or null.
export function gridLabelPoint(id) {
  const e = grids.get(id);
  return e ? e.at : null;
}

export function gridBounds(id) {
  if (id === null) {
    const tops = gridEntries().filter((e) => e.parentId === null || !grids.has(e.parentId));
    if (!tops.length) return null;
    return tops.reduce((b, e) => b.extend(e.layer.getBounds()), L.latLngBounds(tops[0].layer.getBounds()));
  }
  const e = grids.get(id);
  return e ? e.layer.getBounds() : null;
}

export function setFocus(id) {
  focusId = id;
  hoverId = null;
  restyleAll();
}

export function setSelected(id) {
  selectedId = id;
  restyleAll();
}

export function getMap() {
  return map;
}
