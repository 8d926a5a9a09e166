// Day playback, /replay?grid=&day=&t=&speed=: a grid's day as it
// happened. The volunteers' fixes of the day (/api/replay) are drawn as
// trails and markers at the slider's time, each marker at the volunteer's
// last fix at or before that time (no guessing between fixes), the day's
// path faint and its last half hour bright; the counters and the
// coverage-over-time charts (small inline SVGs, one per grid: the grid
// itself, then its children) come from the day's screening counts in
// five-minute steps; the table is each volunteer's summary.
// Play runs the clock at 1×, 10×, 60× or 120× on requestAnimationFrame,
// and a frame changes only what moved: a marker or a trail when its
// volunteer's last fix changed, a counter when its value did.
// Wall mode (?wall=1, what /wall?mode=replay opens): the command centre's
// screen replays the day unattended, dark and in type sized for the room,
// playing at once and starting over LOOP_PAUSE_MS after the day's end,
// under a large "replay of <day>" badge so nobody takes it for live.
'use strict';

import { t, setLang, explicitLang, onLangChange, fmtNumber, areaToday, setAreaZone } from './i18n.js';
import { getJSON, ApiError, onUnauthorized } from './api.js';
import { initChrome, failPage, showError, renderCrumbs, renderUser, el } from './ui.js';
import * as gm from './map.js';

const SPEEDS = [1, 10, 60, 120];
const ACTIVE_MS = 10 * 60 * 1000; // a volunteer with a fix this recent is out
const TAIL_MS = 30 * 60 * 1000; // the bright trail behind a marker
const LOOP_PAUSE_MS = 15 * 1000; // wall mode: the end of the day stays this long

function svg(tag, attrs) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

// fixAt is the index of the last fix at or before ms (-1: none yet).
export function fixAt(fixes, ms) {
  let lo = 0;
  let hi = fixes.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fixes[mid][0] <= ms) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function clockText(ms, from) {
  const s = Math.max(0, Math.round((ms - from) / 1000));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return [hh, mm, ss].map((n) => String(n).padStart(2, '0')).join(':');
}

function hoursText(seconds) {
  const m = Math.round(seconds / 60);
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`;
}

// ---- the day on the map ---------------------------------------------------

// initTracks draws each volunteer's day faintly once and, at the time
// ms that show(ms) moves them to, the last TAIL_MS of their trail and a
// marker at their last fix; clear() removes them all.
function initTracks(map, volunteers, scale = 1) {
  // The day's paths never change: they sit in a pane (an SVG) of their
  // own, so a frame repaints only the tails and markers.
  for (const [name, z] of [['rp-day', 440], ['rp-now', 460]]) {
    if (!map.getPane(name)) map.createPane(name).style.zIndex = String(z);
  }
  const day = L.svg({ pane: 'rp-day' });
  const now = L.svg({ pane: 'rp-now' });
  const layer = L.layerGroup().addTo(map);
  const items = volunteers.map((v) => {
    const latlngs = v.fixes.map((f) => [f[2], f[1]]);
    if (latlngs.length > 1) {
      L.polyline(latlngs, { renderer: day, pane: 'rp-day', color: v.colour, weight: 1.5, opacity: 0.22, interactive: false }).addTo(layer);
    }
    const tail = L.polyline([], { renderer: now, pane: 'rp-now', color: v.colour, weight: 3 * scale, opacity: 0.8, interactive: false }).addTo(layer);
    const marker = L.circleMarker([0, 0], {
      renderer: now, pane: 'rp-now', radius: 7 * scale, color: '#fff', weight: 2 * scale, fillColor: v.colour, fillOpacity: 1,
    });
    marker.bindTooltip(`${v.name} · ${v.team}`, { direction: 'top', offset: [0, -6] });
    return { v, latlngs, tail, marker, idx: -2 };
  });
  function show(ms) {
    let out = 0;
    for (const it of items) {
      const i = fixAt(it.v.fixes, ms);
      if (i >= 0 && ms - it.v.fixes[i][0] <= ACTIVE_MS) out++;
      if (i === it.idx) continue;
      it.idx = i;
      it.tail.setLatLngs(i < 0 ? [] : it.latlngs.slice(fixAt(it.v.fixes, ms - TAIL_MS) + 1, i + 1));
      if (i < 0) {
        layer.removeLayer(it.marker);
        continue;
      }
      const f = it.v.fixes[i];
      it.marker.setLatLng([f[2], f[1]]);
      if (!layer.hasLayer(it.marker)) layer.addLayer(it.marker);
      const node = it.marker.getElement();
      if (node) {
        node.classList.add('rp-vol');
        Object.assign(node.dataset, { volunteer: String(it.v.id), lon: String(f[1]), lat: String(f[2]), at: String(f[0]) });
      }
    }
    return out;
  }
  return { show, clear: () => layer.remove() };
}

// ---- counters, charts, table ----------------------------------------------

function initCounters(node) {
  const cell = (cls, key) => {
    const n = el('span', { class: 'rp-n' });
    const of = el('span', { class: 'rp-of' });
    node.append(el('div', { class: `rp-count ${cls}` }, n, of, el('span', { class: 'rp-label', 'data-i18n': key }, t(key))));
    return { n, of, last: null };
  };
  const screened = cell('rp-screened', 'rp.screened');
  const fevers = cell('rp-fever', 'rp.fevers');
  const out = cell('rp-out', 'rp.out');
  const put = (c, text, of = '') => {
    const key = text + '|' + of;
    if (c.last === key) return;
    c.last = key;
    c.n.textContent = text;
    c.of.textContent = of;
  };
  return {
    show(s, k, volunteersOut, volunteers) {
      const n = s ? s.screened[k] : 0;
      const pct = s && s.households > 0 ? (n * 100) / s.households : null;
      put(screened, fmtNumber(n), s ? ` / ${fmtNumber(s.households)}${pct === null ? '' : ` · ${fmtNumber(pct, 1)}%`}` : '');
      put(fevers, fmtNumber(s ? s.fevers[k] : 0));
      put(out, fmtNumber(volunteersOut), ` / ${fmtNumber(volunteers)}`);
      node.dataset.screened = String(n);
      node.dataset.fevers = String(s ? s.fevers[k] : 0);
    },
    reset() {
      node.replaceChildren();
    },
  };
}

// initCharts draws one coverage-over-time chart per series: screened
// households as a share of the grid's households through the day, with a
// cursor at the slider's step.
function initCharts(node, series, lastStep) {
  node.replaceChildren();
  const rows = series.map((s, i) => {
    const n = s.screened.length - 1;
    const pctAt = (k) => (s.households > 0 ? (s.screened[k] * 100) / s.households : 0);
    const pts = [];
    for (let k = 0; k <= Math.min(lastStep, n); k++) pts.push(`${k},${(100 - pctAt(k)).toFixed(2)}`);
    const chart = svg('svg', { viewBox: `0 0 ${n} 100`, preserveAspectRatio: 'none', role: 'img', 'aria-label': s.name });
    if (pts.length > 1) {
      chart.append(svg('polygon', { class: 'rp-area', points: `0,100 ${pts.join(' ')} ${Math.min(lastStep, n)},100` }));
      chart.append(svg('polyline', { class: 'rp-line', points: pts.join(' ') }));
    }
    const cursor = svg('line', { class: 'rp-cursor', x1: 0, x2: 0, y1: 0, y2: 100 });
    chart.append(cursor);
    const pct = el('span', { class: 'rp-chart-pct' });
    node.append(
      el('div', { class: `rp-chart${i === 0 ? ' rp-own' : ''}`, dataset: { grid: String(s.grid) } },
        el('span', { class: 'rp-chart-name', title: s.name }, s.name), chart, pct)
    );
    return { s, cursor, pct, pctAt, last: -1 };
  });
  return (k) => {
    for (const r of rows) {
      if (r.last === k) continue;
      r.last = k;
      r.cursor.setAttribute('x1', k);
      r.cursor.setAttribute('x2', k);
      r.pct.textContent = r.s.households > 0 ? `${fmtNumber(r.pctAt(k), 1)}%` : t('panel.pctNone');
    }
  };
}

function renderTable(tbody, volunteers) {
  if (volunteers.length === 0) {
    tbody.replaceChildren(el('tr', {}, el('td', { colspan: '5', class: 'rp-empty' }, t('rp.noVolunteers'))));
    return;
  }
  const sorted = [...volunteers].sort((a, b) => b.summary.distance_m - a.summary.distance_m);
  tbody.replaceChildren(
    ...sorted.map((v) =>
      el('tr', { dataset: { volunteer: String(v.id) }, class: v.summary.fixes === 0 ? 'rp-idle' : '' },
        el('td', {}, el('span', { class: 'rp-who' }, el('span', { class: 'rp-dot', style: `background:${v.colour}` }),
          el('span', {}, v.name, el('span', { class: 'rp-team' }, v.team)))),
        el('td', { class: 'num' }, `${fmtNumber(v.summary.distance_m / 1000, 2)} km`),
        el('td', { class: 'num' }, hoursText(v.summary.inside_s)),
        el('td', { class: 'num' }, fmtNumber(v.summary.stops.length)),
        el('td', { class: 'num' }, fmtNumber(v.summary.fixes)))
    )
  );
}

// ---- the page ---------------------------------------------------------------

const page = {
  map: null,
  user: null,
  day: null, // the answer of /api/replay
  tracks: null,
  counters: null,
  charts: null,
  t: 0,
  speed: 60,
  playing: false,
  wall: false, // wall mode (?wall=1)
  lastFrame: 0,
  dragging: false,
};

const $ = (id) => document.getElementById(id);

function params() {
  const q = new URLSearchParams(window.location.search);
  return {
    grid: Number(q.get('grid')) || null,
    day: q.get('day') || '',
    at: q.get('t') || '',
    speed: Number(q.get('speed')) || 60,
    wall: q.get('wall') === '1',
  };
}

function saveURL() {
  const q = new URLSearchParams(window.location.search);
  q.set('grid', $('rp-grid').value);
  q.set('day', $('rp-day').value);
  q.delete('t');
  history.replaceState(null, '', `/replay?${q}`);
}

// render shows the day at page.t: markers, trails, counters, charts, clock.
function render() {
  const d = page.day;
  if (!d) return;
  const k = Math.max(0, Math.min(Math.floor((page.t - d.from) / (d.step_s * 1000)), d.series[0].screened.length - 1));
  const out = page.tracks.show(page.t);
  page.counters.show(d.series[0], k, out, d.volunteers.length);
  page.charts(k);
  // On the clock, not the body: an attribute of the body would restyle
  // the whole page every frame.
  const clock = $('rp-clock');
  clock.value = clockText(page.t, d.from);
  clock.dataset.t = String(Math.round(page.t));
  if (!page.dragging) $('rp-slider').value = String(Math.round((page.t - d.from) / 1000));
}

function frame(now) {
  if (!page.playing) return;
  const dt = page.lastFrame ? now - page.lastFrame : 0;
  page.lastFrame = now;
  page.t = Math.min(page.t + dt * page.speed, page.day.to);
  render();
  if (page.t < page.day.to) {
    requestAnimationFrame(frame);
    return;
  }
  setPlaying(false);
  if (page.wall) {
    // Start over after a pause on the day's final figures.
    const day = page.day;
    window.setTimeout(() => {
      if (page.day === day && !page.playing) setPlaying(true);
    }, LOOP_PAUSE_MS);
  }
}

function setPlaying(on) {
  page.playing = on && !!page.day;
  page.lastFrame = 0;
  const b = $('rp-play');
  b.dataset.state = page.playing ? 'playing' : 'paused';
  b.dataset.i18nAria = page.playing ? 'rp.pause' : 'rp.play';
  b.setAttribute('aria-label', t(b.dataset.i18nAria));
  document.body.dataset.playing = String(page.playing);
  if (page.playing) {
    if (page.t >= page.day.to) page.t = page.day.from;
    requestAnimationFrame(frame);
  }
}

function setSpeed(speed) {
  page.speed = SPEEDS.includes(speed) ? speed : 60;
  for (const b of document.querySelectorAll('#rp-speeds [data-speed]')) {
    b.setAttribute('aria-pressed', String(Number(b.dataset.speed) === page.speed));
  }
  document.body.dataset.speed = String(page.speed);
}

// startAt is the time given by ?t=HH:MM[:SS] on the day, else the day's
// first fix (or its start).
function startAt(d, at) {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(at);
  if (m) return Math.min(d.to, d.from + ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3] || 0)) * 1000);
  let first = d.to;
  for (const v of d.volunteers) if (v.fixes.length) first = Math.min(first, v.fixes[0][0]);
  return first === d.to ? d.from : first;
}

async function load(at = '') {
  setPlaying(false);
  const grid = Number($('rp-grid').value);
  const day = $('rp-day').value;
  if (!grid || !day) return;
  document.body.dataset.replayLoaded = 'false';
  let d;
  try {
    d = await getJSON(`/api/replay?grid=${grid}&day=${encodeURIComponent(day)}`);
  } catch (err) {
    showError(err);
    return;
  }
  if (page.tracks) page.tracks.clear();
  page.day = d;
  page.tracks = initTracks(page.map, d.volunteers, wallScale());
  page.counters.reset();
  page.counters = initCounters($('rp-counters'));
  const lastStep = Math.floor((d.to - d.from) / (d.step_s * 1000));
  page.charts = initCharts($('rp-charts'), d.series, lastStep);
  renderTable(document.querySelector('#rp-table tbody'), d.volunteers);
  const slider = $('rp-slider');
  slider.max = String(Math.round((d.to - d.from) / 1000));
  await drawGrid(grid, d);
  page.t = startAt(d, at);
  render();
  renderWallBadge();
  document.body.dataset.replayLoaded = 'true';
  if (page.wall) setPlaying(true);
  document.body.dataset.volunteers = String(d.volunteers.length);
}

async function drawGrid(id, d) {
  const fc = (features) => ({ type: 'FeatureCollection', features });
  const asof = encodeURIComponent(new Date(Math.min(d.to, Date.now())).toISOString());
  try {
    const [detail, then] = await Promise.all([getJSON(`/api/grids/${id}`), getJSON(`/api/grids?parent=${id}&asof=${asof}`)]);
    // The children as they were that day; the current ones when no
    // boundary of then is on record.
    const children = (then.features || []).length ? then : await getJSON(`/api/grids?parent=${id}`);
    const p = detail.properties;
    const byLevel = { 1: [], 2: [], 3: [] };
    byLevel[p.level].push(detail);
    for (const c of children.features || []) if (byLevel[p.level + 1]) byLevel[p.level + 1].push(c);
    gm.drawGrids(fc(byLevel[1]), fc(byLevel[2]), fc(byLevel[3]));
    gm.setFocus(id);
    const b = gm.gridBounds(id);
    if (b && b.isValid()) page.map.fitBounds(b, { padding: [24, 24], maxZoom: page.wall ? 19 : 18, animate: false });
    renderCrumbs((p.path || []).map((x) => ({ id: x.id, name: x.name })), (gid) => window.location.assign(`/#grid=${gid}`));
  } catch (err) {
    showError(err);
  }
}

// wallScale: how much larger markers are drawn on a wall (its type grows
// with the screen's width beyond 1920 px); 1 elsewhere.
function wallScale() {
  return page.wall ? Math.max(1, window.innerWidth / 1920) : 1;
}

function renderWallBadge() {
  const badge = $('rp-wall-badge');
  badge.hidden = !page.wall;
  if (page.wall) $('rp-wall-day').textContent = t('rp.wallBadge', { day: $('rp-day').value });
}

function fillGrids(roots, chosen) {
  const select = $('rp-grid');
  const options = [];
  const walk = (n, depth) => {
    options.push(el('option', { value: String(n.id) }, `${'\u3000'.repeat(depth)}${n.name}`));
    for (const c of n.children || []) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  select.replaceChildren(...options);
  if (chosen && options.some((o) => o.value === String(chosen))) select.value = String(chosen);
}

function wireControls() {
  $('rp-play').addEventListener('click', () => setPlaying(!page.playing));
  for (const b of document.querySelectorAll('#rp-speeds [data-speed]')) {
    b.addEventListener('click', () => setSpeed(Number(b.dataset.speed)));
  }
  const slider = $('rp-slider');
  slider.addEventListener('input', () => {
    if (!page.day) return;
    page.dragging = true;
    page.t = page.day.from + Number(slider.value) * 1000;
    render();
    page.dragging = false;
  });
  $('rp-grid').addEventListener('change', () => {
    saveURL();
    load();
  });
  $('rp-day').addEventListener('change', () => {
    saveURL();
    load();
  });
}

async function main() {
  const forced = explicitLang();
  setLang(forced || 'zh-CN');
  initChrome();
  const want = params();
  page.wall = want.wall;
  document.body.classList.toggle('wall-mode', page.wall);
  if (page.wall) {
    // A wall screen never shows the login form: /wall says it is signed
    // out (and comes back here when a link signs it in again).
    onUnauthorized(() => {
      const q = new URLSearchParams(window.location.search);
      q.delete('wall');
      q.set('mode', 'replay');
      window.location.replace(`/wall?${q}`);
    });
  }
  let user = null;
  try {
    user = await getJSON('/api/me');
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) showError(err);
  }
  page.user = user;
  renderUser(user);
  const [config, tree] = await Promise.allSettled([getJSON('/api/config'), getJSON('/api/tree')]);
  const cfg = config.status === 'fulfilled' ? config.value : { tile_url: '' };
  if (!forced && cfg.default_lang) setLang(cfg.default_lang);
  if (cfg.time_zone) setAreaZone(cfg.time_zone);
  page.map = gm.createMap('map', { onClick: () => {} });
  gm.setupBaseMap(cfg);
  if (tree.status === 'rejected') {
    showError(tree.reason);
    return;
  }
  const today = areaToday();
  const dayInput = $('rp-day');
  dayInput.max = today;
  dayInput.value = want.day || today;
  fillGrids(tree.value.roots || [], want.grid || (user && user.grid_id));
  page.counters = initCounters($('rp-counters'));
  setSpeed(want.speed);
  wireControls();
  onLangChange(() => {
    if (page.day) renderTable(document.querySelector('#rp-table tbody'), page.day.volunteers);
    const b = $('rp-play');
    b.setAttribute('aria-label', t(b.dataset.i18nAria));
    renderWallBadge();
  });
  await load(want.at);
  document.body.dataset.gridsLoaded = 'true';
}

main().catch(failPage);
