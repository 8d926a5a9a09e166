// The grid leader's page, /grid/{id}: the grid on the map with its gaps
// and gate checkpoints, its coverage figures, the gap list in step with the
// map, the nearest volunteers and the actions for a chosen gap, spot
// checks, the records card (ledger, requests, party points, import:
// records.js), and live updates from /ws (coverage figures straight from
// the events; gaps refetched, debounced, after screening and alert events;
// checkpoints after checkpoint and alert events: gapdata.js; the records'
// lists after the events that change them).
'use strict';

import { t, setLang, explicitLang, onLangChange, setAreaZone } from './i18n.js';
import { getJSON, ApiError, onUnauthorized } from './api.js';
import { initChrome, failPage, showError, renderCrumbs, renderUser, logout, el } from './ui.js';
import * as gm from './map.js';
import { initBuildings } from './buildings.js';
import { startLive } from './live.js';
import { initGapMap } from './gapmap.js';
import { initGapList } from './gaplist.js';
import { initGapData, applyGaps, refreshCheckpoints, scheduleRefresh, onDone, reshowModel, loadMore } from './gapdata.js';
import { initActions } from './actions.js';
import { initFigures } from './figures.js';
import { initSpotChecks } from './spotchecks.js';
import { canWriteField } from './fieldwrite.js';
import { initRecords, refreshesFor, ALL_RECORDS } from './records.js';
import { forgetScreening } from './households.js';
import { initTaskBoard } from './taskboard.js';
import { startOutbox, sessionExpired } from './outbox.js';
import { initOutboxView } from './outboxview.js';

const TOPICS = ['positions', 'screening', 'coverage', 'alerts', 'tasks'];

const state = {
  id: null,
  user: null,
  detail: null,
  buildings: new Map(), // id -> name, for items that only carry an id
  figures: null, // what initFigures returns
  spotChecks: null, // what initSpotChecks returns
  gapMap: null, // what initGapMap returns
  gapList: null, // what initGapList returns
  actions: null, // what initActions returns
  tasks: null, // what initTaskBoard returns
};

function gridIdFromPath() {
  const m = /^\/grid\/(\d{1,18})\/?$/.exec(window.location.pathname);
  return m ? Number(m[1]) : null;
}

// The page cannot show this grid: say why, offer the way back, and leave
// the map empty.
function showFatal(message, detail) {
  renderCrumbs([], null);
  document.body.dataset.loadError = 'true';
  document.body.dataset.gridsLoaded = 'true'; // loading is over
  document.getElementById('gw-side').replaceChildren(
    el(
      'div',
      { class: 'gw-card gw-fatal', role: 'alert' },
      el('p', { class: 'gw-fatal-title' }, message),
      detail && el('p', { class: 'gw-fatal-detail' }, detail),
      el('a', { class: 'btn-primary', href: '/' }, t('grid.backToMap'))
    )
  );
}

function fatalFor(err) {
  if (err instanceof ApiError && err.status === 403) return t('grid.forbidden');
  if (err instanceof ApiError && (err.status === 404 || err.status === 400)) return t('grid.notFound');
  return t('err.load');
}

// ---- live ------------------------------------------------------------------------

async function refreshFigures() {
  try {
    const c = await getJSON(`/api/grids/${state.id}/coverage`);
    state.figures.set(c.grid, { day: c.day, flash: true });
  } catch (err) {
    showError(err);
  }
}

function onEvent(msg) {
  const d = msg.data && typeof msg.data === 'object' ? msg.data : {};
  if (msg.topic === 'tasks') {
    state.tasks.onEvent(msg);
    return;
  }
  if (msg.topic === 'coverage') {
    if (Number(d.grid) === state.id) state.figures.set(d, { flash: true });
    return;
  }
  if (msg.topic === 'screening' && d.kind === 'checkpoint') {
    scheduleRefresh(['checkpoints']);
    return;
  }
  if (msg.topic === 'screening' || msg.topic === 'alerts') {
    forgetScreening();
    // An alert may come from a checkpoint's fevers.
    scheduleRefresh([...(msg.topic === 'alerts' ? ['gaps', 'checkpoints'] : ['gaps']), ...refreshesFor(msg.topic, d.kind)]);
    if (d.kind === 'spot_check') state.spotChecks.load();
  }
}

function onSync({ first }) {
  // A new snapshot after a gap in the stream: events may have been lost.
  if (first) return;
  scheduleRefresh(['gaps', 'checkpoints', ...ALL_RECORDS]);
  state.tasks.load();
  refreshFigures();
  state.spotChecks.load();
}

// ---- start -------------------------------------------------------------------------

function crumbs(path) {
  const items = (path || []).map((p) => ({ id: p.id, name: p.name }));
  const mine = state.user && state.user.grid_id ? items.findIndex((p) => p.id === state.user.grid_id) : -1;
  renderCrumbs(mine > 0 ? items.slice(mine) : items, (id) => window.location.assign(`/#grid=${id}`));
}

function renderHead(detail) {
  const p = detail.properties;
  document.getElementById('gw-level').textContent = t(`level.${p.level}`);
  document.getElementById('gw-level').dataset.level = String(p.level);
  document.getElementById('gw-name').textContent = p.name;
  const leader = document.getElementById('gw-leader');
  leader.textContent = `${t('panel.leader')}${t('err.sep')}${p.leader && p.leader.name ? p.leader.name : t('panel.leaderNone')}`;
  document.getElementById('gw-back').href = `/#grid=${p.id}`;
}

async function drawGrid(map, detail) {
  const p = detail.properties;
  const fc = (features) => ({ type: 'FeatureCollection', features });
  let children = [];
  if (p.level < 3) {
    try {
      children = (await getJSON(`/api/grids?parent=${state.id}`)).features || [];
    } catch (err) {
      showError(err);
    }
  }
  const byLevel = { 1: [], 2: [], 3: [] };
  byLevel[p.level].push(detail);
  for (const c of children) byLevel[p.level + 1].push(c);
  gm.drawGrids(fc(byLevel[1]), fc(byLevel[2]), fc(byLevel[3]));
  gm.setFocus(state.id);
  const b = gm.gridBounds(state.id);
  if (b && b.isValid()) map.fitBounds(b, { padding: [24, 24], maxZoom: 19, animate: false });
}

async function loadBuildingNames() {
  try {
    const fc = await getJSON(`/api/buildings?grid=${state.id}&limit=20000`);
    for (const f of fc.features || []) state.buildings.set(Number(f.properties.id), f.properties.name);
  } catch (err) {
    console.warn('gridmap: building names', err);
  }
}

async function main() {
  const forced = explicitLang();
  setLang(forced || 'zh-CN');
  initChrome();
  document.body.dataset.auth = 'checking';
  state.id = gridIdFromPath();
  if (state.id) {
    document.getElementById('replay-link').href = `/replay?grid=${state.id}`;
    document.getElementById('report-link').href = `/report?grid=${state.id}`;
  }

  // /api/me first: a 401 goes to the login page, which comes back here.
  let user = null;
  try {
    user = await getJSON('/api/me');
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) showError(err);
  }
  state.user = user;
  renderUser(user);
  // Writes wait on the device (outbox.js) until the server has them: from
  // now on a lost session keeps the page and what is typed in it, and says
  // to log in again, rather than leaving for the login page.
  initOutboxView();
  startOutbox(user ? user.username : undefined);
  if (user) onUnauthorized(sessionExpired);
  document.body.dataset.role = user ? user.role || '' : '';
  if (user && user.role === 'device') {
    document.body.dataset.auth = 'device';
    document.querySelector('.gw').classList.add('gw-device');
    document.getElementById('device-note').hidden = false;
    document.getElementById('device-logout').addEventListener('click', logout);
    renderCrumbs([], null);
    return;
  }
  document.body.dataset.auth = user ? 'ok' : 'none';
  if (state.id === null) {
    showFatal(t('grid.badId'));
    return;
  }

  // The cards below the figures are long on a phone: a way to each.
  for (const b of document.querySelectorAll('#gw-jump [data-jump]')) {
    b.addEventListener('click', () => document.getElementById(b.dataset.jump).scrollIntoView({ behavior: 'smooth', block: 'start' }));
  }
  const map = gm.createMap('map', { onClick: () => {} });
  const canWrite = canWriteField(user);
  state.figures = initFigures(document.getElementById('fig-body'));
  state.gapMap = initGapMap(map, { onPick: (kind, key) => state.gapList.pickMarker(kind, key) });
  let live = null; // what startLive returns, once the stream starts
  state.tasks = initTaskBoard(document.getElementById('tasks-body'), map, { grid: state.id, canWrite });
  state.actions = initActions(map, { canWrite, onDone, volunteers: () => live && live.volunteers, taskForm: state.tasks.formFor });
  state.gapList = initGapList({
    tabs: document.getElementById('gap-tabs'),
    body: document.getElementById('gap-panel'),
    buildingName: (id) => state.buildings.get(Number(id)) || null,
    gapMap: state.gapMap,
    actions: state.actions,
    loadMore,
  });
  initGapData(state.id, state.gapList);
  initBuildings(map, { wanted: () => true, gridName: () => null, covered: () => false, grid: state.id });

  const checkpoints = getJSON(`/api/grids/${state.id}/checkpoints`);
  checkpoints.catch(() => {}); // judged below, once the grid is known to be ours
  const [config, detail, coverage, gaps] = await Promise.allSettled([
    getJSON('/api/config'),
    getJSON(`/api/grids/${state.id}`),
    getJSON(`/api/grids/${state.id}/coverage`),
    getJSON(`/api/grids/${state.id}/gaps`),
  ]);
  const cfg = config.status === 'fulfilled' ? config.value : { tile_url: '' };
  if (!forced && cfg.default_lang) setLang(cfg.default_lang);
  if (cfg.time_zone) setAreaZone(cfg.time_zone);
  gm.setupBaseMap(cfg);
  if (detail.status === 'rejected') {
    showFatal(fatalFor(detail.reason), detail.reason.describe ? detail.reason.describe() : String(detail.reason));
    return;
  }
  state.detail = detail.value;
  renderHead(state.detail);
  crumbs(state.detail.properties.path);
  onLangChange(() => {
    renderHead(state.detail);
    crumbs(state.detail.properties.path);
  });
  await drawGrid(map, state.detail);
  if (state.detail.properties.level < 3) state.gapMap.showOnlyActive();
  if (coverage.status === 'fulfilled') {
    state.figures.set(coverage.value.grid, { day: coverage.value.day });
    document.body.dataset.figuresLoaded = 'true';
  } else showError(coverage.reason);
  // The building names redraw the lists when they come: say when that is
  // done, so nothing is opened in a list that is about to be redrawn.
  loadBuildingNames()
    .then(reshowModel)
    .finally(() => (document.body.dataset.namesLoaded = 'true'));
  refreshCheckpoints(checkpoints); // joins the model when the gaps are in
  if (gaps.status === 'fulfilled') applyGaps(gaps.value);
  else {
    showError(gaps.reason);
    document.getElementById('gap-panel').replaceChildren(el('p', { class: 'act-error' }, t('gap.failed')));
  }
  state.tasks.load();
  state.spotChecks = initSpotChecks(document.getElementById('spot-body'), { grid: state.id, canWrite });
  initRecords(document.getElementById('records-body'), { grid: state.id, canWrite, done: onDone, forms: state.actions.formsFor });
  if (user) {
    live = startLive(map, {
      user,
      grid: state.id,
      topics: TOPICS,
      gridName: (id) => (Number(id) === state.id ? state.detail.properties.name : null),
      gridLabel: () => null,
      onCounts: () => {},
      onEvent,
      onSync,
    });
  }
  document.body.dataset.gridsLoaded = 'true';
}

main().catch(failPage);
