// The command centre's wall display, /wall (docs/WALL.md): full screen,
// nothing to click. The area map coloured by a metric with live
// volunteers, checkpoints and quarantined buildings; the headline
// counters (GET /api/grids/{id}/wall), the grids furthest behind and an
// alert feed; a clock. Configured by the address: ?grid= ?metric=
// ?tour=1&dwell= ?lang= ?base=.
//
// A screen has no keyboard: it never shows the login form. Without a
// session (or once it ends: a 401, the stream's 4001) it shows a message
// in both languages and asks /api/me every minute; when a wall link has
// signed the browser in again, the page reloads itself.
'use strict';

import { t, setLang, explicitLang, getLang, onLangChange, applyI18n, getAreaZone, setAreaZone } from './i18n.js';
import { getJSON, isAbort, ApiError, onUnauthorized } from './api.js';
import { showError, showNotice } from './ui.js';
import * as gm from './map.js';
import { startLive } from './live.js';
import { initChoropleth, METRICS } from './choropleth.js';
import { initCheckpoints } from './checkpoints.js';
import { resetCounters, renderFigures, renderSummary, renderRank, renderLegend, renderFeed, alertsOfGaps, feverSource } from './wall-side.js';
import { initQuarantined } from './wall-quarantine.js';
import { initSamplingSites } from './sampling.js';
import { initVectorGrids } from './vectorgrids.js';
import { gridTree } from './gridtree.js';

const ME_EVERY_MS = 60 * 1000;
const SUMMARY_EVERY_MS = 60 * 1000;
const GAPS_EVERY_MS = 2 * 60 * 1000;
const SUMMARY_DEBOUNCE_MS = 1500;
const GAPS_DEBOUNCE_MS = 3000;
export const DWELL_DEFAULT_S = 30;
export const DWELL_MIN_S = 5;
const REQUEST_OVERDUE_MS = 24 * 60 * 60 * 1000; // read.RequestOverdueAfter
const DEFAULT_METRIC = 'screened_pct';
// Short names the address may use for a metric.
const METRIC_ALIASES = { screened: 'screened_pct', contact: 'contact_pct', head: 'head_pct', quarantine: 'quarantined', fever: 'fever_alerts', overdue: 'overdue_visits', requests: 'open_requests' };

const state = {
  user: null,
  area: null, // the grid the wall is about (?grid=, else the account's)
  view: null, // the grid on screen: the area, or a stop of the tour
  stops: [], // the tour: the area, then its children
  stop: 0,
  metric: DEFAULT_METRIC,
  dwell: DWELL_DEFAULT_S,
  tour: false,
  map: null,
  choropleth: null,
  checkpoints: null,
  quarantined: null,
  sampling: null, // what initSamplingSites returned
  sites: [], // the sampling sites' latest states (sampling.js onChange)
  l3: new Map(), // level-3 grid id -> Figures (the ranking)
  areaFigures: null, // the area's Figures of the last coverage event
  feed: new Map(), // key -> alert (wall-side.js)
  summaryCtrl: null,
  timers: { summary: null, gaps: null, rank: null, tour: null },
  signedOut: false,
  tiles: null, // the grids as vector tiles (vectorgrids.js), for an area too large for GeoJSON
  bounds: new Map(), // grid id -> its bounds, fetched for the vector map
};

// The hierarchy the page reads: map.js's drawn polygons, or /api/tree when
// the grids are vector tiles.
let G = { entry: gm.gridEntry, children: gm.childrenOf, entries: gm.gridEntries };

// ---- the address -------------------------------------------------------------

function param(name) {
  return new URLSearchParams(window.location.search).get(name);
}

// config reads the address; a value it cannot use falls back to the
// default and says so (bad: the notice keys).
function config() {
  const bad = [];
  const m = param('metric');
  let metric = DEFAULT_METRIC;
  if (m !== null) {
    const full = METRIC_ALIASES[m] || m;
    if (METRICS.includes(full)) metric = full;
    else bad.push(['metric']);
  }
  const tour = param('tour') === '1' || param('tour') === 'true';
  let dwell = DWELL_DEFAULT_S;
  const d = param('dwell');
  if (d !== null) {
    const n = Number(d);
    if (Number.isInteger(n) && n >= DWELL_MIN_S && n <= 3600) dwell = n;
    else bad.push(['dwell', { n: DWELL_DEFAULT_S }]);
  }
  const l = param('lang');
  if (l !== null && !/^(zh|zh-cn|en)$/i.test(l)) bad.push(['lang']);
  return { metric, tour, dwell, bad };
}

// replayURL is /replay in wall mode for this wall's area, day and speed
// (and its language and base map).
function replayURL(user) {
  const q = new URLSearchParams({ wall: '1' });
  const grid = wantedGrid();
  if (Number.isFinite(grid) && grid) q.set('grid', String(grid));
  else if (user && user.grid_id) q.set('grid', String(user.grid_id));
  for (const k of ['day', 'speed', 't', 'lang', 'base']) if (param(k) !== null) q.set(k, param(k));
  return `/replay?${q}`;
}

function wantedGrid() {
  const g = param('grid');
  if (g === null) return null;
  return /^\d{1,15}$/.test(g) ? Number(g) : NaN;
}

// ---- grids -------------------------------------------------------------------

function nameOf(id) {
  const e = G.entry(id);
  return e ? e.name : String(id);
}

function under(id, level) {
  const out = [];
  const walk = (g) => {
    const e = G.entry(g);
    if (!e) return;
    if (e.level === level) out.push(g);
    else G.children(g).forEach((c) => walk(c.id));
  };
  walk(id);
  return out;
}

function isUnder(id, root) {
  for (let e = G.entry(id); e; e = e.parentId === null ? null : G.entry(e.parentId)) if (e.id === root) return true;
  return false;
}

// The level the map colours: the children of the grid on screen, or the
// grid itself when it has none.
function levelOnScreen() {
  const kids = G.children(state.view);
  if (kids.length) return kids[0].level;
  const e = G.entry(state.view);
  return e ? e.level : null;
}

// The default area: the account's grid, else the one top grid.
function defaultArea() {
  const u = state.user;
  if (u && u.grid_id && G.entry(Number(u.grid_id))) return Number(u.grid_id);
  const tops = G.entries().filter((e) => e.parentId === null || !G.entry(e.parentId));
  return tops.length ? tops.sort((a, b) => a.level - b.level || a.id - b.id)[0].id : null;
}

// ---- the grid on screen -------------------------------------------------------

function show(id) {
  if (state.view !== id) resetCounters();
  state.view = id;
  document.body.dataset.view = String(id);
  gm.setFocus(id);
  const e = G.entry(id);
  if (state.tiles) {
    state.tiles.setSelected(id);
    fitVector(id, e);
  } else {
    const b = gm.gridBounds(id);
    if (b && b.isValid()) state.map.fitBounds(b, { padding: [24, 24], maxZoom: e && e.level === 3 ? 19 : 18, animate: false });
  }
  // The names of the neighbours around the grid on screen step back.
  for (const g of G.entries()) {
    const label = g.label && g.label.getElement && g.label.getElement();
    if (label) label.classList.toggle('wall-aside', !isUnder(g.id, id) && !isUnder(id, g.id));
  }
  state.choropleth.refresh();
  state.checkpoints.show(id, under(id, 3));
  renderHeader();
  renderRankNow();
  renderSampling();
  loadSummary();
}

// fitVector fits the vector map to a grid, its bounds fetched once.
async function fitVector(id, e) {
  try {
    if (!state.bounds.has(id)) state.bounds.set(id, window.L.geoJSON(await getJSON(`/api/grids/${id}`)).getBounds());
    const b = state.bounds.get(id);
    if (state.view === id && b.isValid()) state.map.fitBounds(b, { padding: [24, 24], maxZoom: e && e.level === 3 ? 19 : 18, animate: false });
  } catch (err) {
    if (!isAbort(err)) showError(err);
  }
}

// renderSampling fills the sampling sites' counter for the grid on
// screen: the people queueing at its open sites / sampled there today,
// and the last hour's pace; hidden when it has no site.
function renderSampling() {
  const box = document.getElementById('wall-sampling');
  const sites = (state.sites || []).filter((s) => state.view !== null && isUnder(Number(s.grid), state.view));
  box.hidden = sites.length === 0;
  if (box.hidden) return;
  const open = sites.filter((s) => s.open_now);
  const sum = (list, f) => list.reduce((n, s) => n + (Number(f(s)) || 0), 0);
  const queue = sum(open, (s) => s.queue);
  const tested = sum(sites, (s) => s.tested_today);
  const rate = sum(sites, (s) => s.throughput_per_hour);
  const num = (n) => n.toLocaleString(getLang());
  box.querySelector('[data-part="queue"]').textContent = num(queue);
  box.querySelector('[data-part="tested"]').textContent = num(tested);
  box.querySelector('[data-part="rate"]').textContent = t('wall.c.samplingRate', { n: num(rate) });
  box.querySelector('[data-part="label"]').textContent = t('wall.c.samplingSites', { open: open.length, n: sites.length });
  Object.assign(box.dataset, { queue: String(queue), tested: String(tested), rate: String(rate), sites: String(sites.length) });
}

function renderHeader() {
  document.getElementById('wall-area').textContent = nameOf(state.area);
  const stop = document.getElementById('wall-stop');
  const touring = state.view !== state.area;
  stop.hidden = !touring && !state.tour;
  stop.textContent = state.tour
    ? `${touring ? nameOf(state.view) : t('wall.whole')} · ${t('wall.tourStop', { i: state.stop + 1, n: state.stops.length })}`
    : touring
      ? nameOf(state.view)
      : '';
}

// ---- the tour ----------------------------------------------------------------

// planTour lists the tour's stops: the area, then its children in code
// order. An area without children has no tour.
function planTour() {
  const kids = G
    .children(state.area)
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((e) => e.id);
  if (!kids.length) {
    showNotice('bad-tour', 'wall.bad.tour', null, false);
    state.tour = false;
    return;
  }
  state.stops = [state.area, ...kids];
  state.stop = 0;
  document.body.dataset.tour = String(state.dwell);
}

function startTour() {
  state.timers.tour = window.setInterval(() => {
    state.stop = (state.stop + 1) % state.stops.length;
    show(state.stops[state.stop]);
  }, state.dwell * 1000);
}

// ---- counters ----------------------------------------------------------------

async function loadSummary() {
  window.clearTimeout(state.timers.summary);
  state.timers.summary = window.setTimeout(loadSummary, SUMMARY_EVERY_MS);
  if (state.summaryCtrl) state.summaryCtrl.abort();
  const ctrl = new AbortController();
  state.summaryCtrl = ctrl;
  const id = state.view;
  try {
    const s = await getJSON(`/api/grids/${id}/wall`, { signal: ctrl.signal });
    if (state.summaryCtrl !== ctrl || state.view !== id) return;
    renderSummary(s);
    if (id === state.area) state.areaFigures = s.figures;
    document.body.dataset.summary = String(id);
  } catch (err) {
    if (!isAbort(err)) showError(err);
  }
}

function summarySoon() {
  window.clearTimeout(state.timers.summary);
  state.timers.summary = window.setTimeout(loadSummary, SUMMARY_DEBOUNCE_MS);
}

// ---- ranking -----------------------------------------------------------------

async function loadRank() {
  try {
    const d = await getJSON('/api/coverage?level=3');
    state.l3.clear();
    for (const f of (d && d.grids) || []) state.l3.set(Number(f.grid), f);
    renderRankNow();
  } catch (err) {
    showError(err);
  }
}

function renderRankNow() {
  const figs = [...state.l3.values()].filter((f) => isUnder(Number(f.grid), state.view));
  renderRank(state.metric, figs, nameOf);
}

function rankSoon() {
  if (state.timers.rank) return;
  state.timers.rank = window.setTimeout(() => {
    state.timers.rank = null;
    renderRankNow();
  }, 300);
}

// ---- alert feed and quarantined buildings --------------------------------------

// The feed's grids: the area's children (communities of a subdistrict),
// or the area itself when it has none; each item names its grid.
async function loadGaps() {
  window.clearTimeout(state.timers.gaps);
  state.timers.gaps = window.setTimeout(loadGaps, GAPS_EVERY_MS);
  const kids = G.children(state.area).map((e) => e.id);
  const grids = kids.length ? kids : [state.area];
  try {
    const all = await Promise.all(grids.map((g) => getJSON(`/api/grids/${g}/gaps`)));
    state.feed.clear();
    const quarantined = [];
    all.forEach((gaps, i) => {
      for (const a of alertsOfGaps(gaps, nameOf(grids[i]), REQUEST_OVERDUE_MS)) state.feed.set(a.key, a);
      quarantined.push(...(gaps.quarantined || []));
    });
    renderFeed(state.feed.values());
    state.quarantined.set(quarantined);
    document.body.dataset.feedLoaded = 'true';
  } catch (err) {
    showError(err);
  }
}

function gapsSoon() {
  window.clearTimeout(state.timers.gaps);
  state.timers.gaps = window.setTimeout(loadGaps, GAPS_DEBOUNCE_MS);
}

// An alert event: a new fever or seal alert goes to the top of the feed,
// a closed one leaves it. A new hotline request is not overdue yet.
function onAlert(msg) {
  const d = msg.data && typeof msg.data === 'object' ? msg.data : {};
  if (!Number.isFinite(d.id) || !isUnder(Number(msg.grid), state.area)) return;
  const kind = d.kind === 'fever' ? 'fever' : String(d.kind || '').startsWith('seal_') ? 'seal' : null;
  if (!kind) return;
  const key = `alert:${d.id}`;
  if (d.open === false) state.feed.delete(key);
  else {
    const at = Date.parse(msg.at);
    state.feed.set(key, { key, kind, at: Number.isFinite(at) ? at : Date.now(), grid: nameOf(Number(msg.grid)), text: kind === 'seal' ? t(`alertKind.${d.kind}`) : feverSource(d) });
  }
  renderFeed(state.feed.values());
  gapsSoon(); // the quarantined buildings and the rest of the feed
}

// A coverage event: one grid's new Figures.
function onCoverage(f) {
  const id = Number(f && f.grid);
  if (!id) return;
  state.choropleth.onCoverage(f);
  if (state.l3.has(id)) {
    state.l3.set(id, f);
    rankSoon();
  }
  if (id === state.view) {
    renderFigures(f);
    summarySoon(); // the counts the figures do not hold
  }
  // A quarantine, a visit or a request changed somewhere in the area: the
  // quarantined buildings and the feed come from the gaps.
  const prev = state.areaFigures;
  if (id === state.area) {
    state.areaFigures = f;
    if (prev && ['quarantined', 'overdue_visits', 'open_requests'].some((k) => prev[k] !== f[k])) gapsSoon();
  }
}

// ---- clock -------------------------------------------------------------------

function tick() {
  const now = new Date();
  const lang = getLang();
  document.getElementById('wall-time').textContent = new Intl.DateTimeFormat('en-GB', { timeZone: getAreaZone(), hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(now);
  document.getElementById('wall-date').textContent = new Intl.DateTimeFormat(lang, { timeZone: getAreaZone(), year: 'numeric', month: 'long', day: 'numeric', weekday: 'long' }).format(now);
  window.setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
}

// ---- sign-in -----------------------------------------------------------------

// No session: the message in both languages, nothing else; /api/me is
// asked every minute and a session found reloads the page.
function signedOut() {
  if (state.signedOut) return;
  state.signedOut = true;
  window.clearTimeout(state.timers.summary);
  window.clearTimeout(state.timers.gaps);
  window.clearInterval(state.timers.tour);
  document.body.dataset.auth = 'none';
  document.getElementById('wall-main').hidden = true;
  document.getElementById('wall-signin').hidden = false;
  let timer = null;
  const again = async () => {
    window.clearTimeout(timer);
    try {
      await getJSON('/api/me', { loginOn401: false });
      window.location.reload();
    } catch {
      timer = window.setTimeout(again, ME_EVERY_MS);
    }
  };
  timer = window.setTimeout(again, ME_EVERY_MS);
  // Back on the network: no need to wait for the minute.
  window.addEventListener('online', again);
}

async function whoAmI() {
  try {
    return await getJSON('/api/me', { loginOn401: false });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return 'none';
    if (err instanceof ApiError && err.status === 404) return null; // a server without logins
    throw err;
  }
}

// ---- start -------------------------------------------------------------------

async function main() {
  setLang(explicitLang() || 'zh-CN');
  onUnauthorized(signedOut);
  tick();
  const user = await whoAmI();
  if (user === 'none' || (user && user.role === 'device')) {
    signedOut();
    return;
  }
  // Playback mode (?mode=replay&day=&speed=): the day replayed on the
  // wall, by /replay's wall mode (it comes back here when signed out).
  if (param('mode') === 'replay') {
    window.location.replace(replayURL(user));
    return;
  }
  state.user = user;
  document.body.dataset.auth = 'ok';
  // A session that ends while nobody looks: the minute's check finds it.
  window.setInterval(() => getJSON('/api/me').catch(() => {}), ME_EVERY_MS);

  const cfgURL = config();
  Object.assign(state, { metric: cfgURL.metric, tour: cfgURL.tour, dwell: cfgURL.dwell });
  for (const [what, vars] of cfgURL.bad) showNotice(`bad-${what}`, `wall.bad.${what}`, vars, false);
  document.body.dataset.metric = state.metric;

  state.map = gm.createMap('map', { onClick: () => {} });
  state.checkpoints = initCheckpoints(state.map);
  state.quarantined = initQuarantined(state.map);
  // The hierarchy first: above the server's vector_above grids (a city)
  // the map draws vector tiles instead of every polygon (as / does).
  const [cfg, tree] = await Promise.all([getJSON('/api/config'), getJSON('/api/tree')]);
  if (!explicitLang() && cfg.default_lang) setLang(cfg.default_lang);
  if (cfg.time_zone) setAreaZone(cfg.time_zone);
  gm.setupBaseMap(cfg);
  const hier = gridTree(tree);
  const asked = param('grids');
  if (asked === 'tiles' || (asked !== 'geojson' && hier.size > (Number(cfg.vector_above) || 5000))) {
    G = hier;
    state.tiles = initVectorGrids(state.map, { onPick: () => {}, metric: state.metric, dark: true });
    document.body.dataset.gridMode = 'tiles';
    // Tiles carry the percentages only: a count metric colours by screening.
    if (!state.tiles.metrics.includes(state.metric)) state.metric = DEFAULT_METRIC;
    document.body.dataset.metric = state.metric;
  } else {
    const [l1, l2, l3] = await Promise.all([1, 2, 3].map((l) => getJSON(`/api/grids?level=${l}`)));
    gm.drawGrids(l1, l2, l3);
    document.body.dataset.gridMode = 'geojson';
  }
  document.body.dataset.gridsLoaded = 'true';

  const wanted = wantedGrid();
  state.area = wanted !== null && G.entry(wanted) ? wanted : defaultArea();
  if (wanted !== null && state.area !== wanted) showNotice('bad-grid', 'wall.bad.grid', null, false);
  if (state.area === null) {
    showNotice('nogrids', 'notice.noGrids');
    return;
  }
  document.body.dataset.area = String(state.area);
  state.view = state.area;
  // On a tour's stop only the grid on screen is coloured: its neighbours
  // step back.
  state.choropleth = initChoropleth(state.map, { level: levelOnScreen, metric: state.metric, within: (e) => isUnder(e.id, state.view), tiles: state.tiles });
  renderLegend(state.metric);
  onLangChange(() => {
    renderLegend(state.metric);
    renderSampling();
    renderHeader();
    renderRankNow();
    renderFeed(state.feed.values());
  });

  startLive(state.map, {
    user,
    grid: state.area,
    toasts: false,
    gridName: (id) => (G.entry(id) ? G.entry(id).name : null),
    gridLabel: (id) => {
      const e = G.entry(id);
      return e && e.level === 3 ? gm.gridLabelPoint(id) : null;
    },
    onCounts: () => {},
    // No geofence: movement is not the wall's business.
    topics: ['positions', 'alerts', 'coverage', 'sampling'],
    onEvent: (msg) => {
      if (msg.topic === 'coverage') {
        if (state.tiles) state.tiles.onCoverage(msg.data);
        onCoverage(msg.data);
      }
      else if (msg.topic === 'sampling') state.sampling.onEvent(msg);
      else if (msg.topic === 'alerts') {
        onAlert(msg);
        state.checkpoints.onEvent(msg);
      }
    },
    // A snapshot: events while the page loaded, or in a gap, may be lost.
    onSync: ({ first }) => {
      if (first) return;
      loadSummary();
      loadRank();
      loadGaps();
      if (state.tiles) state.tiles.reload();
      state.sampling.refresh();
    },
  });
  // The nucleic-acid sampling sites: their layer, and the counter of the
  // sites under the grid on screen.
  state.sampling = initSamplingSites(state.map, {
    grid: state.area,
    onChange: (sites) => {
      state.sites = sites;
      renderSampling();
    },
  });

  if (state.tour) planTour();
  show(state.area);
  // A screen that changes size (a window moved to the wall): the lists
  // show what fits.
  window.addEventListener('resize', () => {
    renderRankNow();
    renderFeed(state.feed.values());
  });
  await Promise.all([loadRank(), loadGaps()]);
  if (state.tour) startTour();
  applyI18n(document);
  document.body.dataset.ready = 'true';
}

main().catch((err) => {
  console.error(err);
  showError(err instanceof ApiError ? err : { key: 'err.load', detail: err && err.message });
  document.body.dataset.loadError = 'true';
});
