// The planner's map: the draft root's outline (fixed, dashed), its grids
// with their names, the problems validation found, the buildings (those in
// a problem highlighted, those the draft moves coloured by where they go),
// and the Leaflet-Geoman editing of the selected grid (tool 'edit') and
// drawing of new grids ('draw') and split lines ('split').
//
// Every draft answer redraws the grids from scratch; the selected grid's
// edit mode is switched on again on its new layer.
'use strict';

import { t, onLangChange } from './i18n.js';
import { getJSON } from './api.js';
import { labelPoint } from './map.js';
import { store, draftGrids, gridName } from './planstore.js';
import { sendOp } from './planapi.js';

const L = window.L;

// Fill and outline of compound grids, by their place in code order.
export const PALETTE = [
  ['#9cc3e6', '#3d6f9e'],
  ['#b4dca8', '#4f8a43'],
  ['#f5c99b', '#b0702f'],
  ['#c8b6e6', '#6b53a0'],
  ['#f0dd8f', '#988222'],
  ['#9fd6cc', '#2f7c70'],
  ['#efb9cb', '#a05672'],
  ['#d6c4a2', '#7c6540'],
  ['#b3cfa0', '#5b7a45'],
  ['#a9c4d8', '#46667e'],
];
const SELECT_COLOR = '#0b4f9c';
const SNAP_PX = 18;
const ERROR_COLOR = '#e03131';
const WARN_COLOR = '#f59f00';
const SMALL_M = 25; // a problem area smaller than this across also gets a ring

function latlngsOf(geometry) {
  if (!geometry) return null;
  if (geometry.type === 'MultiPolygon') return L.GeoJSON.coordsToLatLngs(geometry.coordinates, 2);
  if (geometry.type === 'Polygon') return [L.GeoJSON.coordsToLatLngs(geometry.coordinates, 1)];
  return null;
}

function styleFor(id, entry, s) {
  const selected = s.selected.includes(id);
  if (entry.level < 3) {
    return {
      color: selected ? SELECT_COLOR : '#1d2b45',
      weight: selected ? 5 : 3.5,
      opacity: 0.9,
      fillColor: '#ffffff',
      fillOpacity: selected ? 0.18 : 0.04,
      dashArray: null,
    };
  }
  const [fill, stroke] = PALETTE[entry.color % PALETTE.length];
  return {
    color: selected ? SELECT_COLOR : stroke,
    weight: selected ? 4 : 2,
    opacity: 1,
    fillColor: fill,
    fillOpacity: selected ? 0.6 : 0.38,
    dashArray: null,
  };
}

function labelText(p) {
  const mark = p.status === 'new' ? t('plan.stNewShort') : p.status === 'changed' ? t('plan.stChangedShort') : '';
  return mark ? `${p.name} · ${mark}` : p.name;
}

function round7(x) {
  return Math.round(x * 1e7) / 1e7;
}

function lonLat(ll) {
  return [round7(ll.lng), round7(ll.lat)];
}

function multi(geometry) {
  if (geometry.type === 'Polygon') return { type: 'MultiPolygon', coordinates: [geometry.coordinates] };
  return geometry;
}

// The SVG elements of a layer or of every layer in a group.
function leaves(layer) {
  const out = [];
  const walk = (l) => {
    if (l.eachLayer) l.eachLayer(walk);
    else if (l.getElement && l.getElement()) out.push(l.getElement());
  };
  walk(layer);
  return out;
}

function problemTitle(p) {
  const key = `plan.code.${p.code}`;
  const s = t(key);
  return s === key ? p.code : s;
}

// initPlanMap draws the planner's map on theMap and returns what the other
// parts of the page call on it; everything it holds lives in this closure.
// hooks: onPolygon(geometry), onLine(geometry), onContext(gridId).
export function initPlanMap(map, hooks) {
  const layers = new Map(); // grid id -> {layer, label, level, color}
  let rootLayer = null;
  let gridGroup = null;
  let problemGroup = null;
  let buildingGroup = null;
  let badBuildingGroup = null;
  let movedGroup = null;
  let buildings = { root: null, byId: new Map() }; // the root's buildings, once loaded
  let colors = new Map(); // grid id -> palette index
  let drawing = null; // 'Polygon' | 'Line' while Geoman draws
  let drag = null; // {from, added} while a vertex is dragged
  let pendingAdd = false; // a vertex was just added (a click or a drag start)
  let editorShown = true; // false while the map shows history (store.view) instead

  // ---- set-up -------------------------------------------------------------------

  function setup() {
    [
      ['plproblems', 440],
      ['plmoved', 455],
      ['pldraw', 470],
    ].forEach(([name, z]) => {
      map.createPane(name).style.zIndex = String(z);
    });
    gridGroup = L.layerGroup().addTo(map);
    problemGroup = L.layerGroup().addTo(map);
    buildingGroup = L.layerGroup().addTo(map);
    badBuildingGroup = L.layerGroup().addTo(map);
    movedGroup = L.layerGroup().addTo(map);

    map.pm.setGlobalOptions({
      snappable: true,
      snapDistance: SNAP_PX,
      allowSelfIntersection: false,
      panes: { layerPane: 'pldraw', vertexPane: 'markerPane', markerPane: 'markerPane' },
      templineStyle: { color: SELECT_COLOR, weight: 3 },
      hintlineStyle: { color: SELECT_COLOR, weight: 2, dashArray: '6 6' },
      pathOptions: { color: SELECT_COLOR, weight: 3, fillOpacity: 0.15 },
    });
    geomanLang();
    onLangChange(() => {
      geomanLang();
      for (const e of layers.values()) if (e.label) e.label.setContent(labelText(e.props));
      fitLabels();
      drawProblems(store.get());
      drawMoved(store.get());
    });
    map.on('pm:create', onCreate);
    map.on('zoomend', fitLabels);

    store.on(['draft'], (s) => {
      drawDraft(s);
      drawProblems(s);
      loadBuildings(s);
      drawMoved(s);
      applyTool(s);
    });
    store.on(['selected'], (s) => {
      restyle(s);
      applyTool(s);
    });
    store.on(['tool', 'busy'], applyTool);
    store.on(['impact'], drawMoved);
    store.on(['view'], showEditor);
  }

  // While the map shows a publication's boundaries (planhistory.js), the
  // draft, its problems and buildings and the communities leave the map and
  // no tool is active; they come back, redrawn, when the view closes.
  function showEditor(s) {
    const show = !s.view;
    if (show === editorShown) return;
    editorShown = show;
    const groups = [gridGroup, problemGroup, buildingGroup, badBuildingGroup, movedGroup];
    if (show) {
      for (const g of groups) g.addTo(map);
      drawDraft(s);
      drawProblems(s);
      drawMoved(s);
      applyTool(s);
      showContext(!s.draft);
      return;
    }
    applyTool(s);
    for (const g of groups) g.remove();
    if (rootLayer) rootLayer.remove();
    if (context) context.remove();
  }

  function geomanLang() {
    map.pm.setLang(document.documentElement.lang === 'en' ? 'en' : 'zh');
  }

  // ---- context: the communities, while no draft is open ------------------------------

  let context = null;
  let contextFitted = false;

  // showContext shows (or hides) the current communities, so the planner
  // sees where a draft could start; a click picks one for the new-draft form.
  // fc (the level-2 grids) replaces what is shown.
  function showContext(show, fc) {
    if (fc) {
      if (context) context.remove();
      context = L.geoJSON(fc, {
        pane: 'l2',
        pmIgnore: true,
        snapIgnore: true,
        style: () => ({ className: 'plan-context', color: '#5c6b82', weight: 2, dashArray: '5 4', fillColor: '#ffffff', fillOpacity: 0.3 }),
        onEachFeature: (f, layer) => {
          const p = f.properties || {};
          layer.bindTooltip(p.name || '', { permanent: true, direction: 'center', className: 'grid-label grid-label-l2' });
          layer.on('click', () => hooks.onContext && hooks.onContext(Number(p.id ?? f.id)));
        },
      });
    }
    if (!context) return;
    if (!show || !editorShown) {
      context.remove();
      return;
    }
    context.addTo(map);
    if (!contextFitted) {
      const b = context.getBounds();
      if (b.isValid()) map.fitBounds(b, { padding: [20, 20], animate: false });
      contextFitted = true;
    }
  }

  // ---- grids ----------------------------------------------------------------------

  function gridColor(id) {
    const i = colors.get(Number(id));
    return i === undefined ? null : PALETTE[i % PALETTE.length];
  }

  function drawDraft(s) {
    disableEditing();
    gridGroup.clearLayers();
    layers.clear();
    colors = new Map();
    if (rootLayer) rootLayer.remove();
    rootLayer = null;
    const d = s.draft;
    if (!d) return;
    const root = latlngsOf(d.root && d.root.geometry);
    if (root) {
      // Fixed: Geoman may snap to it but never edits it.
      rootLayer = L.polygon(root, {
        pane: 'l1',
        interactive: false,
        fill: false,
        color: '#1d2b45',
        weight: 3.5,
        dashArray: '12 7',
        pmIgnore: true,
        snapIgnore: false,
        className: 'plan-root',
      });
      if (editorShown) rootLayer.addTo(map);
    }
    const feats = [...draftGrids(s).values()].sort((a, b) =>
      String(a.properties.code).localeCompare(String(b.properties.code))
    );
    let i = 0;
    for (const f of feats) {
      const p = f.properties;
      const id = Number(p.id ?? f.id);
      const level = Number(p.level);
      if (level >= 3) colors.set(id, i++);
      const latlngs = latlngsOf(f.geometry);
      if (!latlngs) continue;
      const entry = { id, level, color: colors.get(id) || 0, layer: null, label: null, props: p };
      entry.layer = L.polygon(latlngs, {
        pane: level >= 3 ? 'l3' : 'l2',
        className: `plan-grid plan-grid-l${level} plan-${p.status || 'unchanged'}`,
        ...styleFor(id, entry, s),
      });
      entry.layer.on('click', (ev) => onGridClick(id, ev));
      gridGroup.addLayer(entry.layer);
      const path = entry.layer.getElement();
      if (path) {
        path.dataset.gridId = String(id);
        path.dataset.level = String(level);
        path.dataset.status = p.status || 'unchanged';
      }
      const at = labelPoint(f.geometry);
      if (at && p.name) {
        entry.label = L.tooltip({
          permanent: true,
          direction: 'center',
          interactive: false,
          opacity: 1,
          className: `grid-label plan-label plan-label-l${level}`,
        })
          .setLatLng(at)
          .setContent(labelText(p));
        gridGroup.addLayer(entry.label);
        const el = entry.label.getElement();
        if (el) el.dataset.gridId = String(id);
      }
      layers.set(id, entry);
    }
    restyle(s);
    fitLabels();
  }

  // Hide the names of grids too small on screen to hold them (a sliver's
  // name would cover the sliver).
  function fitLabels() {
    for (const e of layers.values()) {
      const node = e.label && e.label.getElement();
      if (!node) continue;
      const b = e.layer.getBounds();
      const nw = map.latLngToLayerPoint(b.getNorthWest());
      const se = map.latLngToLayerPoint(b.getSouthEast());
      const fits = node.offsetWidth <= (se.x - nw.x) * 1.15 && node.offsetHeight <= se.y - nw.y;
      node.classList.toggle('label-hidden', !fits);
    }
  }

  function restyle(s) {
    for (const [id, e] of layers) {
      e.layer.setStyle(styleFor(id, e, s));
      const path = e.layer.getElement();
      if (path) path.classList.toggle('is-selected', s.selected.includes(id));
    }
    for (const id of s.selected) {
      const e = layers.get(id);
      if (e) e.layer.bringToFront();
    }
  }

  // A click picks a grid: in merge mode (or with Shift) it joins the
  // selection (at most two), otherwise it replaces it.
  function onGridClick(id, ev) {
    const s = store.get();
    if (drawing || s.busy) return;
    if (s.tool === 'draw' || s.tool === 'split') return;
    const adding = s.tool === 'merge' || (ev && ev.originalEvent && ev.originalEvent.shiftKey);
    let selected;
    if (adding) {
      selected = s.selected.includes(id) ? s.selected.filter((x) => x !== id) : [...s.selected, id].slice(-2);
    } else {
      selected = [id];
    }
    store.set({ selected });
  }

  // Map padding that keeps a fitted area clear of the tools at the top and
  // of the tool's hint at the foot (on a phone the hint sits below the map).
  function fitPadding() {
    const c = map.getContainer().getBoundingClientRect();
    const tools = document.getElementById('pl-tools');
    let top = 24;
    if (tools && !tools.hidden) top = Math.max(top, tools.getBoundingClientRect().bottom - c.top + 12);
    const bottom = window.matchMedia('(max-width: 640px)').matches ? 24 : 90;
    return { paddingTopLeft: [24, top], paddingBottomRight: [24, bottom] };
  }

  // fitDraft shows the whole draft root.
  function fitDraft(animate = false) {
    const b = rootLayer ? rootLayer.getBounds() : null;
    if (b && b.isValid()) map.fitBounds(b, { ...fitPadding(), maxZoom: 19, animate });
  }

  function gridBounds(id) {
    const e = layers.get(Number(id));
    return e ? e.layer.getBounds() : null;
  }

  // ---- tools: edit, draw, split -----------------------------------------------------

  function applyTool(s) {
    const want = !s.draft || s.busy || s.published || s.view ? null : s.tool;
    // Editing the one selected grid.
    const editId = want === 'edit' && s.selected.length === 1 ? s.selected[0] : null;
    const editing = [...layers.entries()].find(([, e]) => e.layer.pm && e.layer.pm.enabled());
    if (editing && editing[0] !== editId) disableEditing();
    if (editId !== null) {
      const e = layers.get(editId);
      if (e && !e.layer.pm.enabled()) enableEditing(editId, e.layer);
    }
    // Drawing.
    const shape = want === 'draw' ? 'Polygon' : want === 'split' && s.selected.length === 1 ? 'Line' : null;
    if (shape !== drawing) {
      if (drawing) map.pm.disableDraw();
      drawing = null;
      if (shape) startDraw(shape);
    }
    map.getContainer().classList.toggle('plan-drawing', !!drawing);
  }

  function enableEditing(id, layer) {
    layer.pm.enable({
      snappable: true,
      snapDistance: SNAP_PX,
      allowSelfIntersection: false,
      draggable: false,
      allowRemoval: false,
      allowCutting: false,
      allowRotation: false,
      removeLayerBelowMinVertexCount: false,
    });
    layer.on('pm:vertexadded', () => {
      // A middle marker clicked (a new vertex) or dragged: the drag start
      // follows at once in the second case.
      pendingAdd = true;
      window.setTimeout(() => {
        if (pendingAdd && !drag) reshape(id, layer);
        pendingAdd = false;
      }, 0);
    });
    layer.on('pm:markerdragstart', (e) => {
      drag = { from: e.markerEvent.target.getLatLng(), added: pendingAdd };
      pendingAdd = false;
    });
    layer.on('pm:markerdragend', (e) => {
      const d = drag;
      drag = null;
      if (!d || e.intersectionReset) return;
      const to = e.markerEvent.target.getLatLng();
      if (d.added) {
        reshape(id, layer);
        return;
      }
      if (to.equals(d.from)) return;
      // Every grid with a vertex here moves it, so shared edges stay shared.
      sendOp({ op: 'move_vertex', from: lonLat(d.from), to: lonLat(to) });
    });
    layer.on('pm:vertexremoved', () => reshape(id, layer));
  }

  function disableEditing() {
    for (const e of layers.values()) {
      if (e.layer.pm && e.layer.pm.enabled()) {
        e.layer.pm.disable();
        e.layer.off('pm:vertexadded pm:markerdragstart pm:markerdragend pm:vertexremoved');
      }
    }
    drag = null;
    pendingAdd = false;
  }

  function reshape(id, layer) {
    sendOp({ op: 'reshape', grids: [{ id, geometry: multi(layer.toGeoJSON(7).geometry) }] });
  }

  function startDraw(shape) {
    drawing = shape;
    map.pm.enableDraw(shape, {
      snappable: shape === 'Polygon',
      snapDistance: SNAP_PX,
      allowSelfIntersection: false,
      continueDrawing: false,
      tooltips: true,
    });
  }

  function onCreate(e) {
    const layer = e.layer;
    const geometry = layer.toGeoJSON(7).geometry;
    layer.remove();
    const shape = drawing;
    drawing = null;
    if (shape === 'Polygon' && hooks.onPolygon) hooks.onPolygon(multi(geometry));
    else if (shape === 'Line' && hooks.onLine) hooks.onLine(geometry);
  }

  // finishDraw ends the line or polygon being drawn, as Geoman's own
  // toolbar does; undoPoint takes back its last point; cancelDraw drops it.
  function finishDraw() {
    if (drawing) map.pm.Draw[drawing]._finishShape();
  }

  function undoPoint() {
    if (drawing) map.pm.Draw[drawing]._removeLastVertex();
  }

  function isDrawing() {
    return drawing;
  }

  // ---- problems ----------------------------------------------------------------------

  const problemLayers = []; // index -> {area, mark}: the problem's shapes on the map

  function drawProblems(s) {
    problemGroup.clearLayers();
    badBuildingGroup.clearLayers();
    problemLayers.length = 0;
    const v = s.draft && s.draft.validation;
    const problems = (v && v.problems) || [];
    const bad = new Map(); // building id -> severity
    problems.forEach((p, i) => {
      const color = p.severity === 'error' ? ERROR_COLOR : WARN_COLOR;
      const shapes = { area: null, mark: null };
      if (p.geometry) {
        shapes.area = L.geoJSON(p.geometry, {
          pane: 'plproblems',
          pmIgnore: true,
          snapIgnore: true,
          interactive: true,
          style: () => ({
            className: `plan-problem plan-problem-${p.severity}`,
            color,
            weight: 3,
            opacity: 1,
            fillColor: color,
            fillOpacity: 0.45,
            dashArray: p.severity === 'error' ? null : '6 4',
          }),
          pointToLayer: (f, ll) =>
            L.circleMarker(ll, { radius: 9, pane: 'plproblems', pmIgnore: true, snapIgnore: true }),
        });
        const b = shapes.area.getBounds();
        if (b.isValid() && b.getNorthEast().distanceTo(b.getSouthWest()) < SMALL_M) {
          shapes.mark = L.circleMarker(b.getCenter(), {
            pane: 'plproblems',
            radius: 16,
            color,
            weight: 3,
            dashArray: '5 4',
            fill: true,
            fillOpacity: 0,
            className: `plan-problem-mark plan-problem-mark-${p.severity}`,
            pmIgnore: true,
            snapIgnore: true,
          });
        }
        for (const layer of [shapes.area, shapes.mark]) {
          if (!layer) continue;
          layer.on('click', () => store.set({ focusProblem: i }));
          layer.bindTooltip(() => problemTitle(p), { sticky: true, className: 'grid-hover-tip' });
          problemGroup.addLayer(layer);
          leaves(layer).forEach((el) => {
            el.dataset.problem = String(i);
            el.dataset.code = p.code;
          });
        }
      }
      problemLayers[i] = shapes;
      for (const b of p.building_ids || []) {
        if (bad.get(b) !== 'error') bad.set(b, p.severity);
      }
    });
    drawBadBuildings(bad);
  }

  // zoomToProblem fits the map to a problem's area (or its grids) and
  // flashes it.
  function zoomToProblem(i) {
    const s = store.get();
    const p = s.draft && s.draft.validation && s.draft.validation.problems[i];
    if (!p) return;
    let b = null;
    const shapes = problemLayers[i] || {};
    if (shapes.area) b = shapes.area.getBounds();
    if ((!b || !b.isValid()) && Array.isArray(p.grid_ids)) {
      for (const id of p.grid_ids) {
        const gb = gridBounds(id);
        if (gb && gb.isValid()) b = b && b.isValid() ? b.extend(gb) : L.latLngBounds(gb.getSouthWest(), gb.getNorthEast());
      }
    }
    if (b && b.isValid()) {
      const tiny = b.getNorthEast().distanceTo(b.getSouthWest()) < 60;
      map.flyToBounds(tiny ? b.pad(3) : b.pad(0.4), { ...fitPadding(), maxZoom: 19, duration: 0.5 });
    }
    flash(shapes.area);
    flash(shapes.mark);
    for (const bid of p.building_ids || []) flash(badMarkers.get(Number(bid)));
  }

  function flash(layer) {
    if (!layer) return;
    for (const el of leaves(layer)) {
      el.classList.remove('plan-flash');
      void el.getBoundingClientRect(); // restart the animation
      el.classList.add('plan-flash');
      window.setTimeout(() => el.classList.remove('plan-flash'), 2400);
    }
  }

  // ---- buildings ---------------------------------------------------------------------

  let buildingRenderer = null;

  async function loadBuildings(s) {
    const rootId = s.draft ? s.draft.root_id : null;
    if (rootId === buildings.root) return;
    buildings = { root: rootId, byId: new Map() };
    buildingGroup.clearLayers();
    if (rootId === null) return;
    try {
      const fc = await getJSON(`/api/buildings?grid=${encodeURIComponent(rootId)}&limit=20000`);
      if (buildings.root !== rootId) return;
      if (!buildingRenderer) buildingRenderer = L.canvas({ pane: 'buildings', padding: 0.3 });
      for (const f of fc.features || []) {
        const [lon, lat] = f.geometry.coordinates;
        const ll = L.latLng(lat, lon);
        buildings.byId.set(Number(f.properties.id), { ll, name: f.properties.name });
        buildingGroup.addLayer(
          L.circleMarker(ll, {
            renderer: buildingRenderer,
            radius: 2.5,
            weight: 1,
            color: '#4a5872',
            fillColor: '#ffffff',
            fillOpacity: 1,
            interactive: false,
            pmIgnore: true,
            snapIgnore: true,
          })
        );
      }
      drawProblems(store.get());
    } catch (err) {
      console.warn('gridmap: buildings of the draft root', err);
    }
  }

  const badMarkers = new Map(); // building id -> marker

  function drawBadBuildings(bad) {
    badMarkers.clear();
    for (const [id, severity] of bad) {
      const b = buildings.byId.get(Number(id));
      if (!b) continue;
      const m = L.circleMarker(b.ll, {
        pane: 'plmoved',
        radius: 8,
        weight: 3,
        color: severity === 'error' ? ERROR_COLOR : WARN_COLOR,
        fillColor: '#ffffff',
        fillOpacity: 0.9,
        className: `plan-bproblem plan-bproblem-${severity}`,
        pmIgnore: true,
        snapIgnore: true,
      });
      if (b.name) m.bindTooltip(b.name, { direction: 'top', offset: [0, -8], className: 'grid-hover-tip' });
      badBuildingGroup.addLayer(m);
      const el = m.getElement();
      if (el) el.dataset.buildingId = String(id);
      badMarkers.set(Number(id), m);
    }
  }

  // Buildings the draft moves to another compound grid, in the colour of
  // the grid they go to (its outline colour), named in their tooltip.
  function drawMoved(s) {
    movedGroup.clearLayers();
    const imp = s.impact;
    if (!imp || !s.draft || s.impactRevision !== s.draft.revision) return;
    for (const b of imp.buildings || []) {
      if (!Number.isFinite(b.lon) || !Number.isFinite(b.lat)) continue;
      const ll = L.latLng(b.lat, b.lon);
      const c = gridColor(b.to_grid_id);
      const m = L.circleMarker(ll, {
        pane: 'plmoved',
        radius: 7,
        weight: 2.5,
        color: '#1d2b45',
        fillColor: c ? c[1] : '#868e96',
        fillOpacity: 1,
        className: 'plan-moved',
        pmIgnore: true,
        snapIgnore: true,
      });
      m.bindTooltip(
        () =>
          t('plan.movedTip', {
            name: b.name || `#${b.id}`,
            from: b.from_grid_id ? gridName(b.from_grid_id) : t('plan.none'),
            to: b.to_grid_id ? gridName(b.to_grid_id) : t('plan.none'),
            n: b.households ?? 0,
          }),
        { direction: 'top', offset: [0, -8], className: 'grid-hover-tip' }
      );
      movedGroup.addLayer(m);
      const el = m.getElement();
      if (el) {
        el.dataset.buildingId = String(b.id);
        el.dataset.to = String(b.to_grid_id ?? '');
      }
    }
  }

  setup();
  return { fitDraft, showContext, gridColor, zoomToProblem, finishDraw, undoPoint, isDrawing };
}
