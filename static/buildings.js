// Building points: fetched for the current view, drawn on a canvas renderer,
// clickable through our own hit test (see below), with a details popup.
'use strict';

import { t, fmtNumber, onLangChange } from './i18n.js';
import { getJSON, isAbort } from './api.js';
import { el, showError, showNotice, hideNotice } from './ui.js';
import { householdsBlock } from './households.js';

const L = window.L;

export const BUILDINGS_MIN_ZOOM = 16;
const DEBOUNCE_MS = 250;
const HIT_SLOP_PX = 3;

const STYLE_HEAD = { color: '#ffffff', weight: 1.2, fillColor: '#2f6fd0', fillOpacity: 0.95 };
const STYLE_NO_HEAD = { color: '#7a1010', weight: 2.2, fillColor: '#e03131', fillOpacity: 1 };

// Markers grow as the map zooms in; gaps stay a little larger throughout.
function radiusFor(hasHead, zoom) {
  const base = zoom < 16.5 ? 3.5 : zoom < 17.5 ? 4.5 : 5.5;
  return hasHead ? base : base + 1.5;
}

// initBuildings draws the buildings in view on map, above zoom 16, and
// returns schedule() (load again for the view) and buildingAt(layerPoint);
// what is loaded and drawn lives in this closure.
// opts: {wanted(): bool, gridName(id): string|null, covered(layerPoint): bool, grid?: id}.
export function initBuildings(map, opts) {
  let renderer = null;
  let group = null;
  let drawn = []; // [{feature, latlng, radius, pt}] with pt the layer point at ptZoom
  let ptZoom = null;
  let timer = null;
  let ctrl = null;
  let loadedBounds = null;
  let loadedTruncated = false;
  let popupFeature = null;
  let popup = null;

  // The canvas sits above the grid polygons. A canvas catches every mouse event
  // over its whole area, which would hide the SVG grids below from the mouse,
  // so app.css turns its pointer events off and we hit-test buildings here,
  // from the map's own click and mousemove events.
  function setup() {
    renderer = L.canvas({ pane: 'buildings', padding: 0.3 });
    group = L.layerGroup([], { pane: 'buildings' }).addTo(map);
    popup = L.popup({ className: 'building-popup', maxWidth: 280, autoPanPadding: [24, 24] });
    popup.on('remove', () => {
      popupFeature = null;
    });

    map.on('moveend', schedule);
    map.on('zoomend', () => {
      ptZoom = null;
      resize();
    });
    map.on('click', (ev) => {
      // Something drawn above the buildings (a volunteer) takes the click.
      if (opts.covered && opts.covered(ev.layerPoint)) return;
      const f = buildingAt(ev.layerPoint);
      if (f) openPopup(f);
    });
    // Pointer cursor over buildings, checked at most once per frame.
    let pending = null;
    let queued = false;
    map.on('mousemove', (ev) => {
      pending = ev.layerPoint;
      if (queued) return;
      queued = true;
      window.requestAnimationFrame(() => {
        queued = false;
        map.getContainer().classList.toggle('over-building', buildingAt(pending) !== null);
      });
    });
    map.on('mouseout', () => map.getContainer().classList.remove('over-building'));
    onLangChange(() => {
      if (popupFeature) popup.setContent(popupContent(popupFeature));
      if (loadedTruncated) showTruncated(drawn.length);
    });
    setStatus('off');
  }

  function setStatus(s) {
    document.body.dataset.buildings = s;
  }

  // Re-evaluate soon: after a move, or when the focus changed.
  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(load, DEBOUNCE_MS);
  }

  function clear() {
    group.clearLayers();
    drawn = [];
    loadedBounds = null;
    loadedTruncated = false;
    hideNotice('truncated');
    map.getContainer().classList.remove('over-building');
    if (popupFeature) map.closePopup(popup);
  }

  async function load() {
    if (!opts.wanted()) {
      if (ctrl) ctrl.abort();
      ctrl = null;
      if (drawn.length || loadedBounds) clear();
      setStatus('off');
      return;
    }
    const view = map.getBounds();
    if (loadedBounds && !loadedTruncated && loadedBounds.contains(view)) return;

    if (ctrl) ctrl.abort();
    ctrl = new AbortController();
    const mine = ctrl;
    const b = view.pad(0.15);
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(',');
    setStatus('loading');
    let fc;
    try {
      // A page about one grid (opts.grid) shows that grid's buildings only.
      const grid = opts.grid ? `grid=${encodeURIComponent(opts.grid)}&` : '';
      fc = await getJSON(`/api/buildings?${grid}bbox=${bbox}`, { signal: mine.signal });
    } catch (err) {
      if (isAbort(err)) return;
      if (ctrl === mine) ctrl = null;
      setStatus('error');
      showError(err);
      return;
    }
    if (ctrl !== mine) return;
    ctrl = null;
    if (!opts.wanted()) return; // zoomed out while loading
    draw(fc);
    loadedBounds = b;
    loadedTruncated = !!fc.truncated;
    if (loadedTruncated) showTruncated(drawn.length);
    else hideNotice('truncated');
    setStatus('loaded');
  }

  function showTruncated(n) {
    showNotice('truncated', 'building.truncated', { n: fmtNumber(n) }, false);
  }

  function draw(fc) {
    group.clearLayers();
    drawn = [];
    ptZoom = null;
    const feats = (fc && Array.isArray(fc.features) ? fc.features : []).filter(
      (f) => f.geometry && f.geometry.type === 'Point'
    );
    // Buildings without a head last, so the gaps are painted on top.
    const hasHead = (f) => f.properties && f.properties.head_name;
    feats.sort((a, b) => (hasHead(b) ? 1 : 0) - (hasHead(a) ? 1 : 0));
    const z = map.getZoom();
    for (const f of feats) {
      const [lon, lat] = f.geometry.coordinates;
      const latlng = L.latLng(lat, lon);
      const head = !!hasHead(f);
      const style = head ? STYLE_HEAD : STYLE_NO_HEAD;
      const radius = radiusFor(head, z);
      const marker = L.circleMarker(latlng, { ...style, radius, renderer, interactive: false, pane: 'buildings' });
      marker.addTo(group);
      drawn.push({ feature: f, latlng, head, marker, radius, pt: null });
    }
  }

  function resize() {
    const z = map.getZoom();
    for (const d of drawn) {
      const r = radiusFor(d.head, z);
      if (r !== d.radius) {
        d.radius = r;
        d.marker.setRadius(r);
      }
    }
  }

  // The building drawn under a layer point, or null. The topmost (last drawn)
  // wins among overlapping markers.
  function buildingAt(layerPoint) {
    if (!drawn.length) return null;
    const z = map.getZoom();
    if (ptZoom !== z) {
      for (const d of drawn) d.pt = map.latLngToLayerPoint(d.latlng);
      ptZoom = z;
    }
    for (let i = drawn.length - 1; i >= 0; i--) {
      const d = drawn[i];
      const r = d.radius + HIT_SLOP_PX + 1;
      const dx = d.pt.x - layerPoint.x;
      const dy = d.pt.y - layerPoint.y;
      if (dx * dx + dy * dy <= r * r) return d.feature;
    }
    return null;
  }

  function popupContent(f) {
    const p = f.properties || {};
    const gridName = p.grid_id != null ? opts.gridName(Number(p.grid_id)) : null;
    const linkedPct = p.households ? Math.round((100 * (p.households_linked || 0)) / p.households) : null;
    const rows = [
      [t('building.floors'), p.floors != null ? t('building.floorsValue', { n: fmtNumber(p.floors) }) : '—'],
      [
        t('building.head'),
        p.head_name ? p.head_name : el('span', { class: 'missing' }, t('building.noHead')),
      ],
      [t('building.households'), fmtNumber(p.households ?? 0)],
      [
        t('building.linked'),
        el(
          'span',
          { class: linkedPct !== null && linkedPct < 90 ? 'warn' : '' },
          `${fmtNumber(p.households_linked ?? 0)}${linkedPct !== null ? ` (${linkedPct}%)` : ''}`
        ),
      ],
    ];
    if (gridName) rows.push([t('building.grid'), gridName]);
    const id = p.id ?? f.id;
    return el(
      'div',
      { class: 'bpop', dataset: { buildingId: String(id ?? '') } },
      el('div', { class: 'bpop-name' }, p.name || '—'),
      el('dl', {}, rows.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
      id != null &&
        householdsBlock(id, p.grid_id, () => {
          // Taller now: lay out again and pan it into view.
          if (popupFeature === f && popup.isOpen()) popup.update();
        })
    );
  }

  function openPopup(f) {
    const [lon, lat] = f.geometry.coordinates;
    popupFeature = f;
    // Keep the popup clear of the side panel when the map pans to show it.
    const panel = document.getElementById('panel');
    const mapRect = map.getContainer().getBoundingClientRect();
    const r = panel && !panel.hidden ? panel.getBoundingClientRect() : null;
    popup.options.autoPanPaddingBottomRight =
      r && r.width < mapRect.width * 0.9 ? [Math.max(0, mapRect.right - r.left) + 16, 24] : [24, 24];
    popup.setLatLng([lat, lon]).setContent(popupContent(f)).openOn(map);
  }

  setup();
  return { schedule, buildingAt };
}
