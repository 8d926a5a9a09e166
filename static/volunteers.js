// Volunteers on the map: the latest position of each one (from live.js),
// drawn as team-coloured dots on one canvas and moved smoothly; below
// CLUSTER_BELOW_ZOOM one count badge per level-3 grid instead; a popup with
// the volunteer's recent trail on click.
//
// Drawing: thousands of dots move several times a second, so they are not
// Leaflet layers. One canvas (a Leaflet renderer, so it pans and zoom-animates
// with the map) is repainted by a single requestAnimationFrame loop that runs
// only while something moves. Like the buildings canvas it takes no pointer
// events; clicks are hit-tested here against the positions last painted.
//
// Age: a position's age is now minus its device time `t`. Older than
// FADE_AFTER_MS it is drawn faded; older than HIDE_AFTER_MS it is dropped
// (a new position brings the volunteer back).
'use strict';

import { t, fmtNumber, getLang, onLangChange } from './i18n.js';
import { getJSON, isAbort } from './api.js';
import { el } from './ui.js';

const L = window.L;

export const CLUSTER_BELOW_ZOOM = 16;
export const FADE_AFTER_MS = 5 * 60 * 1000;
export const HIDE_AFTER_MS = 30 * 60 * 1000;
const ANIM_MS = 800;
const RECOUNT_MS = 400; // badge counts and the panel figure, at most this often
const AGE_CHECK_MS = 5000; // fading and dropping old positions
const TRAIL_MINUTES = 10;
const TRAIL_MAX_POINTS = 6000;
const TRAIL_REDRAW_MS = 250;
// Fingers are less precise than a mouse.
const HIT_SLOP_PX = window.matchMedia && window.matchMedia('(pointer: coarse)').matches ? 10 : 4;
const STALE_ALPHA = 0.35;
const TRAIL_OPACITY = [0.95, 0.72, 0.52, 0.36, 0.22]; // newest to oldest, 2 minutes each

// Colours for teams /api/teams did not describe (or before it answered).
const FALLBACK = ['#d7263d', '#1b998b', '#2e86ab', '#f46036', '#8e44ad', '#c5a300', '#e84393', '#2d3436'];

// A team's colour when /api/teams gave none.
export function fallbackColour(id) {
  return FALLBACK[Math.abs(Number(id) || 0) % FALLBACK.length];
}

const COLOUR_RE = /^#(?:[0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

// A renderer with no paths of its own: L.Renderer keeps the canvas placed
// over the view (with padding), scales it during zoom animations and fires
// 'update' after every move; we paint on it ourselves.
const DotRenderer = L.Renderer.extend({
  options: { padding: 0.1 },
  _initContainer() {
    const c = document.createElement('canvas');
    c.id = 'volunteer-canvas';
    c.className = 'volunteer-canvas';
    this._container = c;
    this._ctx = c.getContext('2d');
  },
  _destroyContainer() {
    L.DomUtil.remove(this._container);
    delete this._ctx;
  },
  _update() {
    if (this._map._animatingZoom && this._bounds) return;
    L.Renderer.prototype._update.call(this);
    const b = this._bounds;
    const size = b.getSize();
    const m = window.devicePixelRatio > 1 ? 2 : 1;
    L.DomUtil.setPosition(this._container, b.min);
    this._container.width = m * size.x;
    this._container.height = m * size.y;
    this._container.style.width = `${size.x}px`;
    this._container.style.height = `${size.y}px`;
    this._m = m;
    this.fire('update');
  },
});

function radiusFor(zoom) {
  if (zoom < 15) return 3.5;
  if (zoom < 16) return 4;
  if (zoom < 17) return 4.5;
  if (zoom < 18) return 5.5;
  return 6.5;
}

function valid(p) {
  return (
    p &&
    Number.isFinite(p.v) &&
    Number.isFinite(p.lon) &&
    Number.isFinite(p.lat) &&
    Math.abs(p.lat) <= 90 &&
    Math.abs(p.lon) <= 180
  );
}

function fmtAgo(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return t('vol.agoS', { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('vol.agoM', { n: m });
  return t('vol.agoH', { n: Math.floor(m / 60) });
}

function fmtClock(ms) {
  return new Date(ms).toLocaleTimeString(getLang(), { hour12: false });
}

// initVolunteers paints the volunteers of the live stream on map and returns
// what the page and live.js call on them; the positions, teams, badges and
// the open popup live in this closure.
// opts: {gridName(id), gridLabel(id): LatLng|null, onCounts()}.
export function initVolunteers(map, opts) {
  let renderer = null;
  let trailRenderer = null;
  const vols = new Map(); // id -> V (see upsert)
  const teams = new Map(); // id -> {id, name, colour}

  let clusterMode = false;
  let rafId = 0;
  let animUntil = 0; // performance.now() by which every animation has ended
  let recountTimer = null;
  let counts = new Map(); // level-3 grid id -> {n, stale, teams: Map(team -> n)}
  const badges = new Map(); // grid id -> {marker, at, n, stale} (n, stale as last shown)
  let badgeGroup = null;
  let sel = null; // the open popup: see openVolunteer
  let pointerPending = null;
  let pointerQueued = false;

  // ---- teams -----------------------------------------------------------------

  function setTeams(list) {
    teams.clear();
    for (const tm of list || []) {
      const id = Number(tm && tm.id);
      if (!Number.isFinite(id)) continue;
      teams.set(id, {
        id,
        name: typeof tm.name === 'string' ? tm.name : '',
        // Only plain hex colours: they end up in canvas styles and style attributes.
        colour: typeof tm.colour === 'string' && COLOUR_RE.test(tm.colour) ? tm.colour : null,
      });
    }
    requestDraw();
    refreshBadgeTips();
  }

  function teamColour(id) {
    const tm = teams.get(id);
    if (tm && tm.colour) return tm.colour;
    return fallbackColour(id);
  }

  // A team's name, or "队伍 #3" when /api/teams did not name it.
  function teamName(id) {
    const tm = teams.get(id);
    return tm && tm.name ? tm.name : t('vol.teamUnknown', { id });
  }

  function knownTeamName(id) {
    const tm = teams.get(id);
    return tm && tm.name ? tm.name : null;
  }

  // ---- the canvas ------------------------------------------------------------

  function setup() {
    map.createPane('vtrail').style.zIndex = '455';
    map.createPane('volunteers').style.zIndex = '460';
    map.createPane('vclusters').style.zIndex = '470';
    // One SVG renderer for every trail: Leaflet never removes a renderer whose
    // paths are gone, so one per popup would pile up.
    trailRenderer = L.svg({ pane: 'vtrail', padding: 0.5 });
    renderer = new DotRenderer({ pane: 'volunteers' });
    renderer.on('update', () => draw(performance.now()));
    map.addLayer(renderer);
    badgeGroup = L.layerGroup([], { pane: 'vclusters' });

    map.on('zoomend', onZoomEnd);
    onZoomEnd();

    map.on('click', (ev) => {
      const id = volunteerAt(ev.layerPoint);
      if (id !== null) openVolunteer(id);
    });
    map.on('mousemove', (ev) => {
      pointerPending = ev.layerPoint;
      if (pointerQueued) return;
      pointerQueued = true;
      window.requestAnimationFrame(() => {
        pointerQueued = false;
        map.getContainer().classList.toggle('over-volunteer', volunteerAt(pointerPending) !== null);
      });
    });
    map.on('mouseout', () => map.getContainer().classList.remove('over-volunteer'));

    window.setInterval(checkAges, AGE_CHECK_MS);
    // The one test-only hook of the pages: the dots are painted on a canvas, so
    // no element says where a volunteer is; the live browser test follows one
    // walking east with this (server/live_browser_test.go).
    window.gridmapTest = { positionOf };
    onLangChange(() => {
      refreshBadgeTips();
      if (sel) renderPopup(sel);
    });
  }

  function onZoomEnd() {
    const want = map.getZoom() < CLUSTER_BELOW_ZOOM;
    if (want !== clusterMode) {
      clusterMode = want;
      if (clusterMode) {
        badgeGroup.addTo(map);
        renderBadges();
      } else {
        // Markers rebuild their icons when re-added: start afresh next time.
        badgeGroup.clearLayers();
        badgeGroup.remove();
        badges.clear();
      }
    }
    document.body.dataset.volunteers = clusterMode ? 'clustered' : 'markers';
    // Smaller badges when zoomed far out, where compounds are close together.
    map.getContainer().classList.toggle('vc-compact', map.getZoom() < CLUSTER_BELOW_ZOOM - 0.75);
    if (clusterMode) scheduleNudge();
    requestDraw();
  }

  function requestDraw() {
    if (rafId || !map) return;
    rafId = window.requestAnimationFrame(frame);
  }

  function frame(now) {
    rafId = 0;
    draw(now);
    if (now < animUntil) requestDraw();
  }

  // The level-3 grid whose badge counts this volunteer, or 0 when it is drawn
  // on its own (outside every grid, or a grid the map does not know).
  function clusterOf(v) {
    if (!v.g) return 0;
    return opts.gridLabel(v.g) ? v.g : 0;
  }

  // Reused per frame: colour -> [x, y, x, y, ...] for fresh and faded dots.
  const batches = new Map();

  function batch(colour) {
    let b = batches.get(colour);
    if (!b) {
      b = { fresh: [], stale: [] };
      batches.set(colour, b);
    }
    return b;
  }

  // One pre-drawn dot per colour and size (dark halo, white ring, team
  // colour): stamping it with drawImage is much cheaper than building thousands
  // of arcs every frame.
  const sprites = new Map(); // `${colour}|${r}|${m}` -> {canvas, half}

  function sprite(colour, r, m) {
    const key = `${colour}|${r}|${m}`;
    let sp = sprites.get(key);
    if (sp) return sp;
    const ring = 1.6;
    const outer = r + ring + 0.9;
    const half = Math.ceil(outer) + 1;
    const c = document.createElement('canvas');
    c.width = c.height = 2 * half * m;
    const g = c.getContext('2d');
    g.scale(m, m);
    const disc = (rad, fill) => {
      g.beginPath();
      g.arc(half, half, rad, 0, 2 * Math.PI);
      g.fillStyle = fill;
      g.fill();
    };
    disc(outer, 'rgba(20, 33, 61, 0.38)');
    disc(r + ring, '#ffffff');
    disc(r, colour);
    sp = { canvas: c, half };
    sprites.set(key, sp);
    return sp;
  }

  function paintLayer(ctx, key, r, m) {
    for (const [colour, b] of batches) {
      const list = b[key];
      if (!list.length) continue;
      const sp = sprite(colour, r, m);
      const size = 2 * sp.half;
      for (let i = 0; i < list.length; i += 2) {
        ctx.drawImage(sp.canvas, list[i] - sp.half, list[i + 1] - sp.half, size, size);
      }
    }
  }

  // Advance every animation to `now` and repaint. Skipped while Leaflet is
  // zooming (the canvas is being scaled): the 'update' after the zoom repaints.
  function draw(now) {
    const ctx = renderer && renderer._ctx;
    if (!ctx || !renderer._bounds) return;
    if (map._animatingZoom || renderer._zoom !== map.getZoom()) {
      requestDraw();
      return;
    }
    const wall = Date.now();
    const zoom = map.getZoom();
    const scale = 256 * Math.pow(2, zoom);
    const origin = map.getPixelOrigin();
    const r = radiusFor(zoom);
    const pad = r + 4;
    const x0 = renderer._bounds.min.x - pad;
    const y0 = renderer._bounds.min.y - pad;
    const x1 = renderer._bounds.max.x + pad;
    const y1 = renderer._bounds.max.y + pad;
    for (const b of batches.values()) {
      b.fresh.length = 0;
      b.stale.length = 0;
    }
    let selPt = null;
    for (const v of vols.values()) {
      let lon = v.lon;
      let lat = v.lat;
      const k = (now - v.start) / ANIM_MS;
      if (k < 1) {
        const e = k <= 0 ? 0 : 1 - (1 - k) * (1 - k); // ease-out
        lon = v.fx + (v.lon - v.fx) * e;
        lat = v.fy + (v.lat - v.fy) * e;
      }
      v.dlon = lon;
      v.dlat = lat;
      const age = wall - v.t;
      if (age > HIDE_AFTER_MS || (clusterMode && clusterOf(v))) {
        v.px = NaN;
        continue;
      }
      const s = Math.sin((Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI) / 180);
      const x = scale * (lon / 360 + 0.5) - origin.x;
      const y = scale * (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) - origin.y;
      v.px = x;
      v.py = y;
      if (x < x0 || x > x1 || y < y0 || y > y1) continue; // off the canvas
      const b = batch(teamColour(v.team));
      const list = age > FADE_AFTER_MS ? b.stale : b.fresh;
      list.push(x, y);
      if (sel && sel.id === v.id) selPt = [x, y, teamColour(v.team)];
    }

    const m = renderer._m;
    const bmin = renderer._bounds.min;
    const c = renderer._container;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.setTransform(m, 0, 0, m, -bmin.x * m, -bmin.y * m);
    ctx.globalAlpha = STALE_ALPHA;
    paintLayer(ctx, 'stale', r, m);
    ctx.globalAlpha = 1;
    paintLayer(ctx, 'fresh', r, m);
    if (selPt) {
      // The volunteer whose popup is open: a halo in the team colour.
      ctx.beginPath();
      ctx.arc(selPt[0], selPt[1], r + 5, 0, 2 * Math.PI);
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = selPt[2];
      ctx.stroke();
    }
    if (sel) followPopup();
  }

  // ---- positions -------------------------------------------------------------

  // Insert or move one volunteer. A known volunteer glides from where it is
  // drawn now; a new one appears in place.
  function upsert(p, now) {
    const v = vols.get(p.v);
    const tms = Number.isFinite(p.t) ? Math.min(p.t, Date.now()) : Date.now();
    if (!v) {
      vols.set(p.v, {
        id: p.v,
        team: Number(p.team) || 0,
        g: Number(p.g) || 0,
        lon: p.lon,
        lat: p.lat,
        acc: Number.isFinite(p.acc) ? p.acc : null,
        t: tms,
        fx: p.lon,
        fy: p.lat,
        start: 0,
        dlon: p.lon,
        dlat: p.lat,
        px: NaN,
        py: NaN,
      });
      return;
    }
    v.fx = v.dlon;
    v.fy = v.dlat;
    v.start = now;
    v.lon = p.lon;
    v.lat = p.lat;
    v.team = Number(p.team) || 0;
    v.g = Number(p.g) || 0;
    v.acc = Number.isFinite(p.acc) ? p.acc : null;
    v.t = tms;
    animUntil = Math.max(animUntil, now + ANIM_MS);
  }

  // A `positions` frame.
  function applyPositions(items) {
    if (!Array.isArray(items) || !map) return;
    const now = performance.now();
    for (const p of items) {
      if (!valid(p)) continue;
      upsert(p, now);
      if (sel && sel.id === p.v) trailAdd(sel, p);
    }
    scheduleRecount();
    requestDraw();
  }

  // A `snapshot`: every volunteer the subscription covers. Volunteers not in
  // it are gone.
  function replaceAll(positions) {
    if (!map) return;
    const now = performance.now();
    const keep = new Set();
    for (const p of Array.isArray(positions) ? positions : []) {
      if (!valid(p)) continue;
      keep.add(p.v);
      upsert(p, now);
    }
    for (const id of vols.keys()) if (!keep.has(id)) vols.delete(id);
    if (sel && !vols.has(sel.id)) map.closePopup(sel.popup);
    recount();
    requestDraw();
  }

  // Drop volunteers not heard from for HIDE_AFTER_MS; repaint for fading.
  function checkAges() {
    const wall = Date.now();
    for (const [id, v] of vols) if (wall - v.t > HIDE_AFTER_MS) vols.delete(id);
    if (sel && !vols.has(sel.id)) map.closePopup(sel.popup);
    if (sel) updatePopupAge(sel);
    recount();
    requestDraw();
  }

  // ---- counts and badges -----------------------------------------------------

  function scheduleRecount() {
    if (recountTimer) return;
    recountTimer = window.setTimeout(() => {
      recountTimer = null;
      recount();
    }, RECOUNT_MS);
  }

  function recount() {
    const wall = Date.now();
    const next = new Map();
    for (const v of vols.values()) {
      if (!v.g) continue;
      const age = wall - v.t;
      if (age > HIDE_AFTER_MS) continue;
      let c = next.get(v.g);
      if (!c) {
        c = { n: 0, stale: 0, teams: new Map() };
        next.set(v.g, c);
      }
      c.n += 1;
      if (age > FADE_AFTER_MS) c.stale += 1;
      c.teams.set(v.team, (c.teams.get(v.team) || 0) + 1);
    }
    counts = next;
    // How many are on the map, on the canvas they are painted on.
    document.getElementById('volunteer-canvas').dataset.count = String(volunteerCount());
    if (clusterMode) renderBadges();
    if (opts.onCounts) opts.onCounts();
  }

  // Volunteers now in each level-3 grid: Map(grid id -> n).
  function countsByGrid() {
    const out = new Map();
    for (const [g, c] of counts) out.set(g, c.n);
    return out;
  }

  function badgeTip(g) {
    const c = counts.get(g);
    const rows = c ? [...c.teams].sort((a, b) => b[1] - a[1]) : [];
    return el(
      'div',
      { class: 'vc-tip-body' },
      el('div', { class: 'vc-tip-title' }, opts.gridName(g) || t('vol.gridUnknown', { id: g })),
      el('div', { class: 'vc-tip-total' }, t('vol.clusterTotal', { n: fmtNumber(c ? c.n : 0) })),
      el(
        'ul',
        {},
        rows.map(([team, n]) =>
          el(
            'li',
            {},
            el('span', { class: 'vc-tip-sw', style: `background:${teamColour(team)}`, 'aria-hidden': 'true' }),
            el('span', { class: 'vc-tip-name' }, teamName(team)),
            el('span', { class: 'vc-tip-n' }, fmtNumber(n))
          )
        )
      ),
      c && c.stale ? el('div', { class: 'vc-tip-stale' }, t('vol.clusterStale', { n: fmtNumber(c.stale) })) : null
    );
  }

  function makeBadge(g, at) {
    const icon = L.divIcon({ className: 'vc-icon', html: '<span class="vc-badge"></span>', iconSize: [0, 0] });
    const marker = L.marker(at, { icon, pane: 'vclusters', keyboard: false, riseOnHover: true });
    marker.bindTooltip(() => badgeTip(g), { direction: 'top', offset: [0, -14], opacity: 1, className: 'vc-tip' });
    marker.on('click', () => {
      marker.closeTooltip();
      map.setView(at, Math.max(CLUSTER_BELOW_ZOOM + 0.5, map.getZoom() + 1));
    });
    const b = { marker, at, n: -1 };
    badges.set(g, b);
    return b;
  }

  function renderBadges() {
    for (const [g, b] of badges) {
      if (!counts.has(g)) {
        badgeGroup.removeLayer(b.marker);
        badges.delete(g);
      }
    }
    for (const [g, c] of counts) {
      const at = opts.gridLabel(g);
      if (!at) continue;
      let b = badges.get(g);
      if (!b) {
        b = makeBadge(g, at);
        badgeGroup.addLayer(b.marker);
        scheduleNudge();
      }
      if (b.n !== c.n || b.stale !== c.stale) {
        b.n = c.n;
        b.stale = c.stale;
        const node = b.marker.getElement();
        if (node) {
          node.dataset.gridId = String(g);
          node.dataset.count = String(c.n);
          const span = node.firstChild;
          span.textContent = c.n > 999 ? '999+' : String(c.n);
          span.classList.toggle('vc-wide', c.n > 99);
          span.classList.toggle('vc-all-stale', c.stale === c.n);
        }
        const tip = b.marker.getTooltip();
        if (tip && tip.isOpen()) tip.update();
      }
    }
  }

  // Badges should not hide community name labels or each other: a badge that
  // would overlap one moves by its own size (below, above, right, left) when
  // that is free, else stays; biggest counts are placed first. Checked after
  // zooms and when badges appear; panning does not change what overlaps.
  let nudgeQueued = false;

  function scheduleNudge() {
    if (nudgeQueued) return;
    nudgeQueued = true;
    window.requestAnimationFrame(() => {
      nudgeQueued = false;
      if (clusterMode) nudgeBadges();
    });
  }

  function nudgeBadges() {
    const taken = [...map.getContainer().querySelectorAll('.grid-label-l2:not(.label-hidden)')].map((n) =>
      n.getBoundingClientRect()
    );
    const hits = (r) => taken.some((o) => r.left < o.right && r.right > o.left && r.top < o.bottom && r.bottom > o.top);
    const spans = [];
    for (const b of [...badges.values()].sort((x, y) => y.n - x.n)) {
      const node = b.marker.getElement();
      if (!node || !node.firstChild) continue;
      node.firstChild.style.marginLeft = '';
      node.firstChild.style.marginTop = '';
      spans.push(node.firstChild);
    }
    // Read every rectangle first, then write: one layout, not one per badge.
    const rects = spans.map((sp) => sp.getBoundingClientRect());
    const moves = spans.map((sp, i) => {
      const r = rects[i];
      const w = r.width + 1;
      const h = r.height + 1;
      const tries = [[0, 0], [0, h], [0, -h], [w, 0], [-w, 0]];
      for (const [dx, dy] of tries) {
        const q = { left: r.left + dx, right: r.right + dx, top: r.top + dy, bottom: r.bottom + dy };
        if (!hits(q)) {
          taken.push(q);
          return [dx, dy];
        }
      }
      taken.push(r);
      return [0, 0];
    });
    spans.forEach((sp, i) => {
      const [dx, dy] = moves[i];
      if (dx) sp.style.marginLeft = `${dx}px`;
      if (dy) sp.style.marginTop = `${dy}px`;
    });
  }

  function refreshBadgeTips() {
    for (const b of badges.values()) {
      const tip = b.marker.getTooltip();
      if (tip && tip.isOpen()) tip.update();
    }
  }

  // ---- hit test and queries ----------------------------------------------------

  // The volunteer dot under a layer point (the nearest one), or null.
  function volunteerAt(layerPoint) {
    if (!layerPoint || !vols.size) return null;
    const r = radiusFor(map.getZoom()) + 1.6 + HIT_SLOP_PX;
    let best = null;
    let bestD = r * r;
    for (const v of vols.values()) {
      if (Number.isNaN(v.px)) continue;
      const dx = v.px - layerPoint.x;
      const dy = v.py - layerPoint.y;
      const d = dx * dx + dy * dy;
      if (d <= bestD) {
        bestD = d;
        best = v.id;
      }
    }
    return best;
  }

  // Volunteers on the map (not dropped for age).
  function volunteerCount() {
    const wall = Date.now();
    let n = 0;
    for (const v of vols.values()) if (wall - v.t <= HIDE_AFTER_MS) n += 1;
    return n;
  }

  // The latest position received for a volunteer, or null.
  function positionOf(id) {
    const v = vols.get(Number(id));
    if (!v || Date.now() - v.t > HIDE_AFTER_MS) return null;
    return { lon: v.lon, lat: v.lat, t: v.t };
  }

  function teamOfVolunteer(id) {
    const v = vols.get(Number(id));
    return v ? v.team : null;
  }

  // Gray the dots while the stream is down, so a wall display does not show
  // old positions as if they were live.
  function setDimmed(on) {
    if (map) map.getContainer().classList.toggle('live-dimmed', !!on);
  }

  // ---- popup and trail -------------------------------------------------------

  // Center the map on a volunteer (zooming in to markers) and open its popup.
  function focusVolunteer(id) {
    const v = vols.get(Number(id));
    if (!v) return false;
    map.setView([v.lat, v.lon], Math.max(map.getZoom(), CLUSTER_BELOW_ZOOM + 1));
    openVolunteer(v.id);
    return true;
  }

  function openVolunteer(id) {
    const v = vols.get(id);
    if (!v) return;
    if (sel && sel.id === id) return;
    if (sel) map.closePopup(sel.popup);
    const popup = L.popup({
      className: 'volunteer-popup',
      maxWidth: 280,
      offset: [0, -4],
      autoPanPadding: [24, 24],
    });
    const s = {
      id,
      popup,
      ctrl: new AbortController(),
      pts: [], // [{lon, lat, t}] oldest first
      live: [], // positions that arrived before the trail did
      trail: 'loading', // 'loading' | 'ok' | 'failed'
      casing: null,
      lines: [],
      group: L.layerGroup([], { pane: 'vtrail' }).addTo(map),
      redrawTimer: null,
      ticker: null,
      refs: null,
    };
    sel = s;
    const tr = trailRenderer;
    const colour = teamColour(v.team);
    s.casing = L.polyline([], { renderer: tr, color: '#ffffff', weight: 6, opacity: 0.55, interactive: false });
    s.casing.addTo(s.group);
    s.lines = TRAIL_OPACITY.map((o) =>
      L.polyline([], { renderer: tr, color: colour, weight: 3.2, opacity: o, lineCap: 'round', lineJoin: 'round', interactive: false }).addTo(s.group)
    );
    popup.on('remove', () => closeSel(s));
    renderPopup(s);
    popup.setLatLng([v.dlat, v.dlon]).openOn(map);
    // The popup follows the moving dot; panning the map to keep it in view on
    // every step would fight the user, so only the opening pans.
    popup.options.autoPan = false;
    s.ticker = window.setInterval(() => updatePopupAge(s), 1000);
    document.body.dataset.volunteerPopup = String(id);
    loadTrail(s);
    requestDraw();
  }

  function closeSel(s) {
    s.ctrl.abort();
    window.clearInterval(s.ticker);
    window.clearTimeout(s.redrawTimer);
    s.group.remove();
    s.lines = [];
    s.pts = [];
    s.live = [];
    if (sel === s) {
      sel = null;
      delete document.body.dataset.volunteerPopup;
      delete document.body.dataset.trail;
      requestDraw();
    }
  }

  function followPopup() {
    const v = vols.get(sel.id);
    if (!v) return;
    const ll = sel.popup.getLatLng();
    if (!ll || ll.lat !== v.dlat || ll.lng !== v.dlon) sel.popup.setLatLng([v.dlat, v.dlon]);
  }

  function renderPopup(s) {
    const v = vols.get(s.id);
    if (!v) return;
    const refs = {
      ago: el('span', { class: 'vpop-ago' }),
      acc: el('span', {}),
      grid: el('span', {}),
      trail: el('span', { class: 'vpop-trail' }),
      team: el('span', { class: 'vpop-team-name' }),
      sw: el('span', { class: 'vpop-sw', 'aria-hidden': 'true' }),
    };
    s.refs = refs;
    const node = el(
      'div',
      { class: 'vpop', dataset: { volunteerId: String(s.id) } },
      el('div', { class: 'vpop-team' }, refs.sw, refs.team),
      el('div', { class: 'vpop-id' }, t('vol.volunteerN', { id: s.id })),
      el(
        'dl',
        {},
        el('dt', {}, t('vol.updated')),
        el('dd', {}, refs.ago),
        el('dt', {}, t('vol.accuracy')),
        el('dd', {}, refs.acc),
        el('dt', {}, t('vol.grid')),
        el('dd', {}, refs.grid),
        el('dt', {}, t('vol.trail')),
        el('dd', {}, refs.trail)
      )
    );
    s.popup.setContent(node);
    updatePopupAge(s);
  }

  // Refresh the popup's changing parts in place (no re-layout of the popup).
  function updatePopupAge(s) {
    const v = vols.get(s.id);
    const r = s.refs;
    if (!v || !r) return;
    r.sw.style.background = teamColour(v.team);
    r.team.textContent = teamName(v.team);
    r.ago.textContent = fmtAgo(Date.now() - v.t);
    r.ago.title = fmtClock(v.t);
    r.ago.classList.toggle('stale', Date.now() - v.t > FADE_AFTER_MS);
    r.acc.textContent = v.acc === null ? '—' : t('vol.accValue', { n: fmtNumber(v.acc, 0) });
    r.grid.textContent = v.g ? opts.gridName(v.g) || t('vol.gridUnknown', { id: v.g }) : t('vol.noGrid');
    if (s.trail === 'loading') r.trail.textContent = t('vol.trailLoading');
    else if (s.trail === 'failed') r.trail.textContent = t('vol.trailFailed');
    else r.trail.textContent = t('vol.trailPoints', { n: fmtNumber(s.pts.length), m: TRAIL_MINUTES });
  }

  async function loadTrail(s) {
    document.body.dataset.trail = 'loading';
    let d;
    try {
      d = await getJSON(`/api/volunteers/${encodeURIComponent(s.id)}/trail?minutes=${TRAIL_MINUTES}`, { signal: s.ctrl.signal });
    } catch (err) {
      if (isAbort(err) || sel !== s) return;
      s.trail = 'failed';
      s.pts = s.live.slice();
      s.live = [];
      drawTrail(s);
      updatePopupAge(s);
      document.body.dataset.trail = 'failed';
      return;
    }
    if (sel !== s) return;
    const pts = (d && Array.isArray(d.points) ? d.points : [])
      .filter((p) => p && Number.isFinite(p.lon) && Number.isFinite(p.lat) && Number.isFinite(p.t))
      .map((p) => ({ lon: p.lon, lat: p.lat, t: p.t }))
      .sort((a, b) => a.t - b.t);
    const last = pts.length ? pts[pts.length - 1].t : -Infinity;
    for (const p of s.live) if (p.t > last) pts.push(p);
    s.pts = pts;
    s.live = [];
    s.trail = 'ok';
    drawTrail(s);
    updatePopupAge(s);
    document.body.dataset.trail = 'loaded';
  }

  // A live position of the open volunteer extends its trail.
  function trailAdd(s, p) {
    const pt = { lon: p.lon, lat: p.lat, t: Number.isFinite(p.t) ? p.t : Date.now() };
    const list = s.trail === 'loading' ? s.live : s.pts;
    if (list.length && list[list.length - 1].t >= pt.t) return;
    list.push(pt);
    if (list.length > TRAIL_MAX_POINTS) list.splice(0, list.length - TRAIL_MAX_POINTS);
    if (s.trail === 'loading' || s.redrawTimer) return;
    // At most every TRAIL_REDRAW_MS, and in an animation frame: positions
    // that arrive together redraw the trail once, and a hidden tab not at all.
    s.redrawTimer = window.setTimeout(() => {
      window.requestAnimationFrame(() => {
        s.redrawTimer = null;
        if (sel === s) {
          drawTrail(s);
          updatePopupAge(s);
        }
      });
    }, TRAIL_REDRAW_MS);
  }

  // The trail in five pieces by age, the older the fainter; each piece starts
  // where the older one ended so the line stays unbroken.
  function drawTrail(s) {
    const now = Date.now();
    const cut = now - TRAIL_MINUTES * 60 * 1000;
    let first = 0;
    while (first < s.pts.length && s.pts[first].t < cut) first += 1;
    if (first) s.pts.splice(0, first);
    const span = (TRAIL_MINUTES * 60 * 1000) / TRAIL_OPACITY.length;
    const parts = TRAIL_OPACITY.map(() => []);
    let prev = null;
    let prevBucket = -1;
    for (const p of s.pts) {
      const bucket = Math.min(TRAIL_OPACITY.length - 1, Math.max(0, Math.floor((now - p.t) / span)));
      const ll = [p.lat, p.lon];
      if (prev && bucket !== prevBucket) parts[bucket].push(prev);
      parts[bucket].push(ll);
      prev = ll;
      prevBucket = bucket;
    }
    s.casing.setLatLngs(s.pts.map((p) => [p.lat, p.lon]));
    s.lines.forEach((line, i) => line.setLatLngs(parts[i]));
    document.body.dataset.trailPoints = String(s.pts.length);
  }

  setup();
  return { setTeams, teamColour, teamName, knownTeamName, applyPositions, replaceAll, countsByGrid, volunteerAt, volunteerCount, positionOf, teamOfVolunteer, setDimmed, focusVolunteer, openVolunteer };
}
