// Entry point: checks who is signed in, loads config and grids, owns the
// focus/selection state and the drill-down. Tests read the page from the
// DOM (data- attributes on the body, the map and the panel).
//
// Sign-in: /api/me comes first. A 401 there, or from any later request (an
// expired session), sends the page to /login.html?next=<this page> (api.js).
// A device account gets a message instead of the map. A grid leader or staff
// member sees only their own subtree: the tree's roots are their grids, which
// may be level-2 or level-3 grids whose parents the map never draws.
//
// State: `focusId` is the grid being drilled into (initially the single
// root: the level-1 grid, or a scoped user's own grid; null only when there
// are several roots). The focused grid's children
// are the clickable polygons. `selectedId` is the grid shown in the panel;
// clicking a child selects and focuses it in one go.
'use strict';

import { setLang, explicitLang, setAreaZone } from './i18n.js';
import { getJSON, isAbort, ApiError } from './api.js';
import { initChrome, failPage, showError, showNotice, renderCrumbs, renderUser, logout } from './ui.js';
import { initPanel } from './panel.js';
import * as gm from './map.js';
import { initBuildings, BUILDINGS_MIN_ZOOM } from './buildings.js';
import { startLive } from './live.js';
import { initChoropleth } from './choropleth.js';
import { initCheckpoints } from './checkpoints.js';
import { initSamplingSites } from './sampling.js';
import { initVectorGrids } from './vectorgrids.js';

const state = {
  focusId: null,
  selectedId: null,
  tree: new Map(), // id -> {id, parentId, level, name, code, children: [id]}
  detailCtrl: null,
  user: null, // the /api/me answer; null when the server has no logins
  live: false, // the live stream is on (a signed-in map user)
  stream: null, // what startLive returned, once it has
  buildings: null, // what initBuildings returned
  l3Under: { id: null, ids: [] }, // level-3 grids under the selected grid (cached)
  asof: null, // RFC 3339 time of the boundaries shown (?asof=); null for now, live
  map: null, // the Leaflet map, once made
  panel: null, // what initPanel returned
  checkpoints: null, // what initCheckpoints returned
  sampling: null, // what initSamplingSites returned: the sites of the account's scope
  choropleth: null, // what initChoropleth returned, once the grids are drawn
  regridTimer: null, // boundaries events that come together are fetched once
  tiles: null, // the grids as vector tiles (initVectorGrids), for an area too large for GeoJSON
};

// ---- hierarchy -------------------------------------------------------------

function indexTree(tree) {
  const walk = (node, parentId) => {
    state.tree.set(node.id, {
      id: node.id,
      parentId,
      level: node.level,
      name: node.name,
      code: node.code,
      children: (node.children || []).map((c) => c.id),
    });
    (node.children || []).forEach((c) => walk(c, node.id));
  };
  ((tree && tree.roots) || []).forEach((r) => walk(r, null));
}

function nodeOf(id) {
  return state.tree.get(id) || gm.gridEntry(id);
}

// Children as {id, name} for the panel: from the tree when it loaded, else
// from the drawn polygons' parent ids.
function childList(id) {
  const node = state.tree.get(id);
  if (node) return node.children.map((c) => ({ id: c, name: nodeOf(c) ? nodeOf(c).name : String(c) }));
  return gm
    .childrenOf(id)
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((e) => ({ id: e.id, name: e.name }));
}

// Top grids: the tree's roots, else drawn grids whose parent is not drawn
// (for a scoped user the parent exists but is outside what they may see).
function rootIds() {
  const roots = [...state.tree.values()].filter((n) => n.parentId === null).map((n) => n.id);
  if (roots.length) return roots;
  return gm
    .gridEntries()
    .filter((e) => e.parentId === null || !gm.gridEntry(e.parentId))
    .map((e) => e.id);
}

function localPath(id) {
  const path = [];
  let n = id === null ? null : nodeOf(id);
  while (n) {
    path.unshift({ id: n.id, name: n.name });
    n = n.parentId === null || n.parentId === undefined ? null : nodeOf(n.parentId);
  }
  return path;
}

// ---- focus and selection ---------------------------------------------------

function crumbs(path) {
  const roots = rootIds();
  // The server's path starts at the subdistrict; a scoped user's breadcrumb
  // starts at their own grid, since the grids above it are not theirs.
  const start = path.findIndex((p) => roots.includes(p.id));
  const items = (start > 0 ? path.slice(start) : path).map((p) => ({ id: p.id, name: p.name }));
  if (roots.length > 1) {
    const allL1 = roots.every((id) => nodeOf(id) && nodeOf(id).level === 1);
    items.unshift({ id: null, name: null, labelKey: allL1 ? 'crumb.all' : 'crumb.mine' });
  }
  renderCrumbs(items, (id) => (id === null ? focusGrid(null) : selectGrid(id)));
}

// Map padding that keeps a fitted area clear of the open panel.
function fitPadding() {
  const panel = document.getElementById('panel');
  const pad = 28;
  if (!state.panel.isOpen()) return { paddingTopLeft: [pad, pad], paddingBottomRight: [pad, pad] };
  const r = panel.getBoundingClientRect();
  const m = state.map.getContainer().getBoundingClientRect();
  if (r.width >= m.width * 0.9) {
    // Bottom sheet on a phone.
    return { paddingTopLeft: [16, 16], paddingBottomRight: [16, Math.max(0, m.bottom - r.top) + 16] };
  }
  return { paddingTopLeft: [pad, pad], paddingBottomRight: [Math.max(0, m.right - r.left) + pad, pad] };
}

// Fit the view to a GeoJSON feature (a grid's detail), for the vector map.
function fitToGeometry(feature, animate = true) {
  if (!feature || !feature.geometry) return;
  const b = window.L.geoJSON(feature).getBounds();
  if (b.isValid()) state.map.fitBounds(b, { ...fitPadding(), maxZoom: 18, animate });
}

// Fit the vector map to the grids at the top of the account's tree: their
// polygons when they are few, else the extent of every subdistrict (an
// account with that many roots sees the whole area).
async function fitToRoots(ids) {
  try {
    if (ids.length <= 20) {
      const feats = await Promise.all(ids.map((id) => getJSON(`/api/grids/${encodeURIComponent(id)}`)));
      fitToGeometry({ type: 'Feature', geometry: { type: 'GeometryCollection', geometries: feats.map((f) => f.geometry).filter(Boolean) } }, false);
      return;
    }
    const c = await getJSON('/ogc/collections/grids-1');
    const [w, s, e, n] = c.extent.spatial.bbox[0];
    state.map.fitBounds([[s, w], [n, e]], { ...fitPadding(), animate: false });
  } catch (err) {
    showError(err);
  }
}

function fitTo(id, animate = true) {
  const b = gm.gridBounds(id);
  if (!b || !b.isValid()) return;
  const e = id === null ? null : gm.gridEntry(id);
  state.map.fitBounds(b, { ...fitPadding(), maxZoom: e && e.level === 3 ? 19 : 18, animate });
}

function focusGrid(id, { fit = true, animate = true } = {}) {
  if (id !== null && !gm.gridEntry(id) && !(state.tiles && state.tree.has(id))) return; // only drawn grids can be focused
  state.focusId = id;
  gm.setFocus(id);
  crumbs(localPath(id));
  if (id === null) {
    state.panel.close();
    state.selectedId = null;
    gm.setSelected(null);
  }
  if (fit && !state.tiles) fitTo(id, animate);
  if (state.buildings) state.buildings.schedule();
  if (state.choropleth) state.choropleth.refresh();
  // Checkpoints of a community or compound grid; a subdistrict's would
  // only clutter the map.
  const e = id === null ? null : gm.gridEntry(id);
  state.checkpoints.show(e && e.level >= 2 ? id : null, e ? level3Under(id) : []);
}

// The level the choropleth colours: the focused grid's children (what
// the map offers to click), or the focused grid itself when it has none.
function levelOnScreen() {
  if (state.focusId === null) {
    const roots = rootIds().map(nodeOf).filter(Boolean);
    return roots.length ? roots[0].level : null;
  }
  const kids = gm.childrenOf(state.focusId);
  if (kids.length) return kids[0].level;
  const e = gm.gridEntry(state.focusId);
  return e ? e.level : null;
}

// Select (panel) and focus (drill into) a grid. Resolves once the panel has
// the counts, or with false when the id is unknown or the fetch failed.
async function selectGrid(id, { fit = true, animate = true } = {}) {
  const entry = gm.gridEntry(id);
  let node = nodeOf(id);
  if (!node) {
    // Not drawn and not in the tree: ask the server, which explains a 404.
    try {
      const d = await getJSON(`/api/grids/${encodeURIComponent(id)}`);
      node = { ...d.properties, parentId: d.properties.parent_id };
    } catch (err) {
      showError(err);
      return false;
    }
  }
  state.selectedId = id;
  gm.setSelected(id);
  if (state.tiles) state.tiles.setSelected(id);
  state.panel.open({
    id,
    level: node.level,
    name: node.name,
    code: node.code,
    children: childList(id),
    onPick: (childId) => selectGrid(childId),
    live: state.live,
  });
  updatePanelLive();
  if (entry || state.tiles) focusGrid(id, { fit, animate });
  history.replaceState(null, '', `#grid=${id}`);
  // Boundaries as of a past time: the grid's figures are today's, and a
  // grid retired since has none; show only what was drawn.
  if (state.asof) {
    state.panel.history(id);
    return true;
  }

  if (state.detailCtrl) state.detailCtrl.abort();
  const ctrl = new AbortController();
  state.detailCtrl = ctrl;
  try {
    const detail = await getJSON(`/api/grids/${encodeURIComponent(id)}`, { signal: ctrl.signal });
    if (state.detailCtrl !== ctrl) return false;
    state.detailCtrl = null;
    // Vector tiles: the page holds no polygons, so the grid's own fits the view.
    if (state.tiles && fit) fitToGeometry(detail, animate);
    state.panel.fill(id, detail);
    const path = detail.properties && detail.properties.path;
    if (Array.isArray(path) && path.length && state.focusId === id) crumbs(path);
    return true;
  } catch (err) {
    if (isAbort(err)) return false;
    if (state.detailCtrl === ctrl) state.detailCtrl = null;
    state.panel.fail(id);
    showError(err);
    return false;
  }
}

// A volunteer dot drawn over a building or polygon takes the click
// (volunteers.js opens its popup from the map's click event).
function volunteerUnder(layerPoint) {
  return !!state.stream && state.stream.volunteerAt(layerPoint) !== null;
}

function onGridClick(id, ev) {
  // A building or volunteer drawn over this polygon takes the click
  // (buildings.js and volunteers.js open their popups from the map's click).
  if (ev && ev.layerPoint && ((state.buildings && state.buildings.buildingAt(ev.layerPoint)) || volunteerUnder(ev.layerPoint))) return;
  selectGrid(id);
}

// ---- live volunteers -------------------------------------------------------

// Level-3 grids in a grid's subtree (the grid itself when it is level 3).
function level3Under(id) {
  if (state.l3Under.id === id) return state.l3Under.ids;
  const ids = [];
  const walk = (gid) => {
    const n = nodeOf(gid);
    if (!n) return;
    if (n.level === 3) ids.push(gid);
    const kids = state.tree.has(gid) ? state.tree.get(gid).children : gm.childrenOf(gid).map((e) => e.id);
    kids.forEach(walk);
  };
  walk(id);
  state.l3Under = { id, ids };
  return ids;
}

function updatePanelLive() {
  if (!state.stream || state.selectedId === null) return;
  state.panel.setLive(state.selectedId, state.stream.volunteersIn(level3Under(state.selectedId)));
}

function onPanelClosed() {
  state.selectedId = null;
  gm.setSelected(null);
  if (state.tiles) state.tiles.setSelected(null);
  if (state.detailCtrl) state.detailCtrl.abort();
  state.detailCtrl = null;
}

function buildingsWanted() {
  if (state.map.getZoom() >= BUILDINGS_MIN_ZOOM) return true;
  if (state.focusId === null) return false;
  const e = gm.gridEntry(state.focusId);
  return !!e && (e.level === 3 || gm.childrenOf(e.id).length === 0);
}

// Boundaries were published (a `boundaries` event): fetch the hierarchy
// and the grids again and redraw them, keeping the focus where it can.
// Events that come together are fetched once.
function scheduleRegrid() {
  window.clearTimeout(state.regridTimer);
  state.regridTimer = window.setTimeout(regrid, 200);
}

async function regrid() {
  try {
    const urls = gridURLs();
    const [tree, l1, l2, l3] = await Promise.all((state.tiles ? urls.slice(0, 1) : urls).map((u) => getJSON(u)));
    state.tree.clear();
    indexTree(tree);
    state.l3Under = { id: null, ids: [] };
    if (state.tiles) {
      if (state.selectedId !== null && state.tree.has(state.selectedId)) selectGrid(state.selectedId, { fit: false });
      else if (state.selectedId !== null) state.panel.close();
      return;
    }
    gm.clearGrids();
    gm.drawGrids(l1, l2, l3);
    if (state.selectedId !== null && gm.gridEntry(state.selectedId)) {
      selectGrid(state.selectedId, { fit: false }); // its counts and children changed too
      return;
    }
    if (state.selectedId !== null) state.panel.close();
    const keep = state.focusId !== null && gm.gridEntry(state.focusId) ? state.focusId : null;
    focusGrid(keep === null && rootIds().length === 1 ? rootIds()[0] : keep, { fit: false });
  } catch (err) {
    showError(err);
  }
}

// The hierarchy and the grids of every level, now or (with ?asof= in the
// page's address, RFC 3339) as they were then.
function gridURLs() {
  const q = state.asof ? `asof=${encodeURIComponent(state.asof)}` : '';
  return [`/api/tree${q ? '?' + q : ''}`, ...[1, 2, 3].map((l) => `/api/grids?level=${l}${q ? '&' + q : ''}`)];
}

// Vector tiles when the account sees more grids than the server's
// vector_above, or when the address asks (?grids=tiles or ?grids=geojson).
// Boundaries of the past (?asof=) are GeoJSON only: tiles are of today's.
function useVectorTiles(cfg) {
  if (state.asof) return false;
  const asked = new URLSearchParams(window.location.search).get('grids');
  if (asked === 'tiles') return true;
  if (asked === 'geojson') return false;
  return state.tree.size > (Number(cfg.vector_above) || 5000);
}

function asOfParam() {
  const v = new URLSearchParams(window.location.search).get('asof');
  return v && !Number.isNaN(Date.parse(v)) ? v : null;
}

// #map=zoom/lat/lon (as OpenStreetMap writes it): a view to start at.
function viewFromHash() {
  const m = /(?:^#|&)map=([\d.]+)\/(-?[\d.]+)\/(-?[\d.]+)/.exec(window.location.hash);
  if (!m) return null;
  const [zoom, lat, lon] = m.slice(1).map(Number);
  if (!(zoom >= 0 && zoom <= 22 && Math.abs(lat) <= 85 && Math.abs(lon) <= 180)) return null;
  return { zoom, lat, lon };
}

function gridFromHash() {
  const m = /(?:^#|&)grid=(\d+)/.exec(window.location.hash);
  return m ? Number(m[1]) : null;
}

// ---- sign-in -----------------------------------------------------------------

// Who is signed in. A 401 goes to the login page (getJSON never settles then);
// a 404 means a server without logins, and the map works as before.
async function whoAmI() {
  try {
    return await getJSON('/api/me');
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) showError(err);
    return null;
  }
}

// A device account (a volunteer's phone) has no business on the map.
function showDeviceNote() {
  document.getElementById('map').hidden = true;
  document.getElementById('device-note').hidden = false;
  document.getElementById('device-logout').addEventListener('click', logout);
  renderCrumbs([], null);
}

// ---- start -------------------------------------------------------------------

async function main() {
  const forced = explicitLang();
  setLang(forced || 'zh-CN');
  initChrome();
  state.panel = initPanel(onPanelClosed);

  document.body.dataset.auth = 'checking';
  const user = await whoAmI();
  state.user = user;
  renderUser(user);
  document.body.dataset.role = user ? user.role || '' : '';
  if (user && user.role === 'device') {
    document.body.dataset.auth = 'device';
    showDeviceNote();
    return;
  }
  document.body.dataset.auth = user ? 'ok' : 'none';
  document.getElementById('plan-link').hidden = !user || !['planner', 'admin'].includes(user.role);
  if (user) {
    // A wall display left on for hours: when it is looked at again, check the
    // session so an expired one goes to the login page rather than failing
    // on the next click.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') getJSON('/api/me').catch(() => {});
    });
  }

  const map = gm.createMap('map', { onClick: onGridClick });
  state.map = map;
  state.asof = asOfParam();
  // The past is not live: no volunteers, no stream.
  state.live = !!user && !state.asof;
  if (state.asof) {
    showNotice('asof', 'notice.asOf', { time: new Date(state.asof).toLocaleString(document.documentElement.lang) }, false);
    document.body.dataset.asof = state.asof;
  }
  gm.addLegend({ live: state.live, sampling: !state.asof });
  state.buildings = initBuildings(map, {
    wanted: buildingsWanted,
    gridName: (id) => (nodeOf(id) ? nodeOf(id).name : null),
    covered: volunteerUnder,
  });
  state.checkpoints = initCheckpoints(map);
  // Sampling sites are few (one or two a community): all of the account's
  // scope, at every zoom, shown with the checkpoints. The past has none.
  if (!state.asof) state.sampling = initSamplingSites(map);


  // The hierarchy first: it says how many grids the account sees, and
  // above the server's threshold (a city) the grids come as vector tiles
  // rather than as GeoJSON of every polygon.
  const urls = gridURLs();
  const [config, tree] = await Promise.allSettled([getJSON('/api/config'), getJSON(urls[0])]);
  const val = (r) => (r.status === 'fulfilled' ? r.value : null);
  indexTree(val(tree));
  const cfg = val(config) || { tile_url: '', tile_attribution: '' };
  const vector = useVectorTiles(cfg);
  const levels = vector ? [] : await Promise.allSettled(urls.slice(1).map((u) => getJSON(u)));
  const [l1, l2, l3] = vector ? [] : levels;
  const failed = [config, tree, ...levels].filter((r) => r.status === 'rejected');
  if (failed.length) showError(failed[0].reason);

  if (!forced && cfg.default_lang) setLang(cfg.default_lang);
  if (cfg.time_zone) setAreaZone(cfg.time_zone);
  gm.setupBaseMap(cfg);

  if (vector) {
    state.tiles = initVectorGrids(map, { onPick: (id, ev) => onGridClick(id, ev) });
    document.body.dataset.gridMode = 'tiles';
  } else {
    gm.drawGrids(val(l1), val(l2), val(l3));
    document.body.dataset.gridMode = 'geojson';
  }
  state.choropleth = initChoropleth(map, { level: levelOnScreen, tiles: state.tiles });
  if (state.live) {
    // After the grids: count badges sit at the level-3 grids' label points.
    state.stream = startLive(map, {
      user,
      gridName: (id) => (nodeOf(id) ? nodeOf(id).name : null),
      gridLabel: (id) => {
        const e = gm.gridEntry(id);
        return e && e.level === 3 ? gm.gridLabelPoint(id) : null;
      },
      onCounts: updatePanelLive,
      topics: ['positions', 'geofence', 'alerts', 'coverage', 'boundaries', 'sampling'],
      onEvent: (msg) => {
        if (msg.topic === 'coverage') {
          if (state.tiles) state.tiles.onCoverage(msg.data);
          state.choropleth.onCoverage(msg.data);
          state.panel.today.onCoverage(msg.data);
        } else if (msg.topic === 'alerts') state.checkpoints.onEvent(msg);
        else if (msg.topic === 'sampling' && state.sampling) state.sampling.onEvent(msg);
        else if (msg.topic === 'boundaries') {
          if (state.tiles) state.tiles.onBoundaries(msg.data);
          scheduleRegrid();
        }
      },
      // A snapshot: coverage events before it (while the page loaded, or
      // in a gap in the stream) may be lost. After a gap too long to replay
      // (not the first snapshot), so may alerts and published boundaries.
      // A gap that could be replayed brings its events through onEvent.
      onSync: ({ first }) => {
        state.panel.today.refresh();
        if (first) return;
        state.choropleth.reload();
        if (state.tiles) state.tiles.reload();
        state.checkpoints.refresh();
        scheduleRegrid();
      },
    });
  }
  const n = gm.gridCounts();
  if (!state.tiles && n.l1 + n.l2 + n.l3 === 0) {
    if (!failed.length) showNotice('nogrids', 'notice.noGrids');
    crumbs([]);
    if (failed.length) document.body.dataset.loadError = 'true';
    else document.body.dataset.gridsLoaded = 'true';
    return;
  }

  // Start focused on the single root (or on all roots); on a wide screen also
  // show its figures in the panel, on a phone keep the map clear.
  const roots = rootIds().filter((id) => gm.gridEntry(id) || (state.tiles && state.tree.has(id)));
  const start = roots.length === 1 ? roots[0] : null;
  const wanted = gridFromHash();
  const view = viewFromHash();
  const wide = window.matchMedia('(min-width: 900px)').matches;
  if (view) {
    // A view shared as #map=zoom/lat/lon: that place, nothing selected.
    focusGrid(start, { fit: false });
    map.setView([view.lat, view.lon], view.zoom, { animate: false });
  } else if (wanted !== null && nodeOf(wanted)) {
    selectGrid(wanted, { animate: false });
  } else if (start !== null && wide) {
    selectGrid(start, { animate: false });
  } else {
    focusGrid(start, { animate: false });
    if (state.tiles) fitToRoots(roots);
  }
  if (failed.length) document.body.dataset.loadError = 'true';
  document.body.dataset.gridsLoaded = 'true';
}

main().catch(failPage);
