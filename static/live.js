// The live stream (docs/STREAM.md): one WebSocket to /ws on this origin,
// authenticated by the session cookie. It feeds volunteers.js with positions,
// shows geofence and alert events as short-lived toasts (unless the page
// passes `toasts: false` and shows them itself through onEvent), and keeps the
// connection indicator (#live-status) in the shared top bar.
//
// Honest when cut off: the server sends a heartbeat every `heartbeat_ms` (in
// the snapshot and resumed frames; 25 s by default). A connection that has
// delivered no frame of any kind for 2 × heartbeat + STALE_GRACE_MS is taken
// for dead, even if the socket still looks open (a silent network, a stuck
// proxy): the page says "stale", drops the socket and reconnects as below. A
// connection attempt that brings nothing for as long is given up the same way.
// Whenever the state is not live, #live-status is an amber (red when
// offline) banner "数据更新于 HH:mm:ss" / "Data as of HH:mm:ss" with the time
// the last data (snapshot, positions, event) arrived, and the volunteers are
// dimmed; it turns back into the live badge when a snapshot or a replay
// arrives. For tests and other pages the state is on the DOM:
// document.body.dataset.live ('live' | 'stale' | 'reconnecting' | 'offline')
// and #live-status's data-last-data (Unix ms of the last data).
//
// Reconnecting: every close except the final ones (4001 login expired, 4003
// out of scope, 4400 a message the server rejected) is followed by a new
// connection after 1 s, 2 s, 4 s ... at most 30 s (each 75-100% of that, so
// displays that lost the server together do not return together). The
// subscribe message then carries `since` = the seq of the last durable event
// received, so the server replays what was missed (`resumed`) or sends a new
// snapshot (`resync`). The count resets once a connection delivers its
// snapshot or replay. A connection that never opened may be a refused upgrade
// (401 after the session expired): /api/me is asked then, and api.js sends
// the page to the login page on a 401.
'use strict';

import { t, getLang, onLangChange, getAreaZone } from './i18n.js';
import { getJSON, goToLogin, codeText } from './api.js';
import { el, showError } from './ui.js';
import { initVolunteers } from './volunteers.js';

// frameText is what an error frame says in the page's language: its
// code's sentence, else the server's own.
function frameText(frame) {
  if (!frame) return '';
  return codeText(frame.code, { ...(frame.params || {}), field: frame.field || '' }) || frame.error || '';
}

const TOPICS = ['positions', 'geofence', 'alerts'];
// Pages that want more (the choropleth, the grid leader's page) pass
// `topics`; durable events of every topic reach options.onEvent.
const BACKOFF_START_MS = 1000;
const BACKOFF_MAX_MS = 30000;
const OFFLINE_AFTER = 6; // failed attempts (about a minute) before "offline"
const HEARTBEAT_MS = 25000; // until the server says otherwise (heartbeat_ms)
const STALE_GRACE_MS = 3000; // beyond two heartbeats: network and timer slack
const MAX_TOASTS = 5;
const TOAST_MS = 8000;
const TOAST_FADE_MS = 600;
const TOAST_MAX_AGE_MS = 2 * 60 * 1000; // older replayed events are not toasted

const UNSCOPED_ROLES = ['admin', 'planner', 'viewer'];

const GEO_KINDS = {
  enter: { key: 'live.geoEnter', tone: 'info', grid: 'event' },
  exit: { key: 'live.geoExit', tone: 'info', grid: 'event' },
  outside_team_area: { key: 'live.geoOutside', tone: 'warn', grid: 'team' },
  back_in_team_area: { key: 'live.geoBack', tone: 'ok', grid: 'team' },
};

// startLive connects the page to the live stream (options: {user,
// gridName(id), gridLabel(id), onCounts(), topics?, grid?, onEvent?(msg),
// onSync?({resync, first}), toasts? (default true; false: no toasts, the
// page shows events itself from onEvent)}) and returns what the page asks of
// it: volunteersIn(gridIds), volunteerAt(layerPoint) and the volunteers layer
// (volunteers.js). The connection's state lives in this closure.
export function startLive(map, options) {
  const opts = options;
  let vol = null; // the volunteers layer (volunteers.js)
  let ws = null;
  let state = 'reconnecting';
  let connecting = true; // no connection has been live yet
  let attempt = 0; // failed attempts since the last live connection
  let lastSeq = 0;
  let synced = false; // a snapshot has arrived on some connection
  let timer = null;
  let stopped = false;
  let lastError = null; // the last `error` frame of this connection
  let toastQueue = [];
  let toastTimer = null;
  let heartbeatMs = HEARTBEAT_MS;
  let lastFrameAt = 0; // when this connection (or attempt) last brought a frame, or started
  let lastDataAt = Date.now(); // when data last arrived; the page's own fetches are as of its load
  let watchdog = null;

  // ---- public ------------------------------------------------------------------

  function setup() {
    vol = initVolunteers(map, {
      gridName: options.gridName,
      gridLabel: options.gridLabel,
      onCounts: options.onCounts,
    });
    document.getElementById('live-status').hidden = false;
    setState('reconnecting');
    onLangChange(() => {
      renderStatus();
      for (const node of document.querySelectorAll('#toasts .toast')) if (node._render) node._render();
    });
    window.addEventListener('online', () => {
      if (!ws && !stopped) connect();
    });
    window.addEventListener('offline', () => {
      if (!ws && !stopped) setState('offline');
    });
    loadTeams();
    connect();
  }

  // Volunteers now in a set of level-3 grids.
  function volunteersIn(gridIds) {
    const c = vol.countsByGrid();
    let n = 0;
    for (const g of gridIds) n += c.get(g) || 0;
    return n;
  }

  // ---- teams -------------------------------------------------------------------

  async function loadTeams() {
    try {
      const d = await getJSON('/api/teams');
      vol.setTeams(d && Array.isArray(d.teams) ? d.teams : []);
    } catch (err) {
      // Dots still draw, in fallback colours and with "team #id".
      console.warn('gridmap: /api/teams failed', err);
    }
  }

  // ---- connection --------------------------------------------------------------

  function scopeGrid() {
    if (Number.isFinite(opts.grid)) return opts.grid;
    const u = opts.user;
    if (!u || !u.grid_id || UNSCOPED_ROLES.includes(u.role)) return 0;
    return Number(u.grid_id) || 0;
  }

  function connect() {
    window.clearTimeout(timer);
    timer = null;
    if (stopped || ws) return;
    const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    let sock;
    try {
      sock = new WebSocket(`${proto}//${window.location.host}/ws`);
    } catch {
      failed(false);
      return;
    }
    ws = sock;
    lastError = null;
    let opened = false;
    lastFrameAt = Date.now();
    watch();
    sock.onopen = () => {
      opened = true;
      const topics = Array.isArray(opts.topics) ? opts.topics : TOPICS;
      sock.send(JSON.stringify({ type: 'subscribe', grid: scopeGrid(), topics, since: lastSeq }));
    };
    sock.onmessage = (ev) => {
      if (ws !== sock) return;
      lastFrameAt = Date.now();
      onFrame(ev.data);
    };
    sock.onclose = (ev) => {
      if (ws !== sock) return;
      ws = null;
      onClose(ev.code, opened);
    };
    // An error is always followed by a close, which does the work.
    sock.onerror = () => {};
  }

  function onClose(code, opened) {
    switch (code) {
      case 4001: // login expired or revoked
        stop();
        goToLogin();
        return;
      case 4003: // subscription outside the account's scope
        stop();
        showError({ key: 'live.errScope', detail: frameText(lastError) });
        return;
      case 4400: // the server could not read our message: retrying cannot help
        stop();
        showError({ key: 'live.errProtocol', detail: frameText(lastError) });
        return;
      case 1001: // server restarting: come back after a short, spread-out pause
        attempt = Math.max(attempt, 1);
        setState('reconnecting');
        later(1000 + Math.random() * 2000);
        return;
      case 4008: // we fell behind: the replay catches up
        attempt = Math.max(attempt, 1);
        setState('reconnecting');
        later(500 + Math.random() * 1000);
        return;
      default:
        failed(opened);
    }
  }

  // ---- watchdog -----------------------------------------------------------------

  function staleAfter() {
    return 2 * heartbeatMs + STALE_GRACE_MS;
  }

  // Check, when the threshold may have passed, that the connection (or the
  // attempt) has brought a frame within it; one timer, moved on as it fires.
  function watch() {
    window.clearTimeout(watchdog);
    watchdog = null;
    if (!ws || stopped) return;
    const left = lastFrameAt + staleAfter() - Date.now();
    if (left > 0) {
      watchdog = window.setTimeout(watch, left + 50);
      return;
    }
    // Silent too long: the socket may look open, but nothing comes through.
    // Leave it to close in its own time (its events are ignored from now).
    const sock = ws;
    const opened = sock.readyState === WebSocket.OPEN;
    ws = null;
    try {
      sock.close(4000, 'silent');
    } catch {
      // already closing
    }
    console.warn(`gridmap: no frame from the live stream for ${Math.round((Date.now() - lastFrameAt) / 1000)} s`);
    failed(opened, 'stale');
  }

  // A connection failed or dropped (why: 'reconnecting', or 'stale' when it
  // went silent): wait, then try again.
  function failed(opened, why = 'reconnecting') {
    attempt += 1;
    if (!opened) {
      // The upgrade may have been refused because the session expired; the
      // browser does not say. /api/me answers 401 then and api.js goes to the
      // login page.
      getJSON('/api/me').catch(() => {});
    }
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** (attempt - 1));
    setState(attempt >= OFFLINE_AFTER || navigator.onLine === false ? 'offline' : why);
    later(base * (1 - 0.25 * Math.random()));
  }

  function later(ms) {
    window.clearTimeout(timer);
    timer = window.setTimeout(connect, ms);
  }

  function stop() {
    stopped = true;
    window.clearTimeout(timer);
    window.clearTimeout(watchdog);
    timer = null;
    setState('offline');
  }

  function becomeLive() {
    attempt = 0;
    connecting = false;
    setState('live');
  }

  // Data arrived: the page's figures are current as of now.
  function noteData() {
    lastDataAt = Date.now();
    const box = document.getElementById('live-status');
    if (box) box.dataset.lastData = String(lastDataAt);
  }

  // The server's heartbeat interval, from a snapshot or resumed frame.
  function noteHeartbeat(msg) {
    if (Number.isFinite(msg.heartbeat_ms) && msg.heartbeat_ms > 0) heartbeatMs = msg.heartbeat_ms;
    watch();
  }

  function onFrame(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'snapshot' || msg.type === 'positions' || msg.type === 'event') noteData();
    switch (msg.type) {
      case 'snapshot':
        noteHeartbeat(msg);
        // A fresh start (or a resync): the snapshot is current to its seq,
        // which may be lower than ours if the server's sequence restarted.
        if (Number.isFinite(msg.seq)) lastSeq = msg.seq;
        vol.replaceAll(msg.positions);
        becomeLive();
        // Events between what the page loaded and the snapshot may be
        // missing: a page that keeps derived state refetches it.
        if (opts.onSync) opts.onSync({ resync: !!msg.resync, first: !synced });
        synced = true;
        break;
      case 'resumed':
        // The replayed events follow; until then the page is as of the
        // last data before the gap.
        noteHeartbeat(msg);
        becomeLive();
        break;
      case 'positions':
        vol.applyPositions(msg.items);
        break;
      case 'event':
        if (Number.isFinite(msg.seq)) {
          if (msg.seq <= lastSeq) return; // seen before the reconnect
          lastSeq = msg.seq;
        }
        if (opts.onEvent) opts.onEvent(msg);
        if (opts.toasts !== false) onEvent(msg);
        break;
      case 'error':
        lastError = msg;
        console.warn('gridmap: stream error', msg);
        break;
      default:
        break; // newer server, newer frames
    }
  }

  // ---- status indicator ----------------------------------------------------------

  function setState(s) {
    state = s;
    document.body.dataset.live = s;
    // Old positions must not look live.
    vol.setDimmed(s !== 'live');
    renderStatus();
  }

  // The last data time, with the day when it was not today.
  function dataTime() {
    const at = new Date(lastDataAt);
    const lang = getLang();
    const timeZone = getAreaZone();
    const time = at.toLocaleTimeString(lang, { hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone });
    const day = (d) => d.toLocaleDateString('en-CA', { timeZone });
    if (day(at) === day(new Date())) return time;
    return `${at.toLocaleDateString(lang, { month: '2-digit', day: '2-digit', timeZone })} ${time}`;
  }

  // The badge: green "live"; before the first connection a quiet
  // "connecting"; otherwise the banner with the last data time and why.
  function renderStatus() {
    const box = document.getElementById('live-status');
    if (!box) return;
    box.dataset.state = state;
    box.dataset.attempt = String(attempt);
    box.dataset.lastData = String(lastDataAt);
    const banner = state !== 'live' && !(connecting && attempt === 0 && state === 'reconnecting');
    box.classList.toggle('live-banner', banner);
    let why;
    if (state === 'live') why = t('live.live');
    else if (state === 'offline') why = t(stopped ? 'live.stopped' : 'live.offline');
    else if (state === 'stale') why = t('live.stale');
    else if (connecting && attempt === 0) why = t('live.connecting');
    else why = t('live.reconnecting', { n: attempt });
    const text = banner ? t('live.asOf', { time: dataTime() }) : why;
    box.querySelector('.live-text').textContent = text;
    let sub = box.querySelector('.live-why');
    if (!sub) {
      sub = el('span', { class: 'live-why' });
      box.append(sub);
    }
    sub.textContent = banner ? why : '';
    sub.hidden = !banner;
    const tip =
      state === 'live'
        ? t('live.tipLive', { seq: lastSeq })
        : state === 'offline' && stopped
          ? t('live.tipStopped')
          : state === 'stale'
            ? t('live.tipStale', { s: Math.round(staleAfter() / 1000) })
            : t('live.tipRetry', { n: attempt });
    box.title = tip;
    box.setAttribute('aria-label', `${t('live.label')}${t('err.sep')}${banner ? `${text}${t('err.sep')}${why}` : text}`);
  }

  // ---- events and toasts ---------------------------------------------------------

  function gridLabel(id) {
    return (id && opts.gridName(Number(id))) || t('vol.gridUnknown', { id });
  }

  function who(volunteer, team) {
    const name = team !== null && team !== undefined ? vol.knownTeamName(team) : null;
    return name ? t('live.who', { v: volunteer, team: name }) : t('live.whoNoTeam', { v: volunteer });
  }

  function onEvent(msg) {
    const at = Date.parse(msg.at);
    if (Number.isFinite(at) && Date.now() - at > TOAST_MAX_AGE_MS) return;
    const d = msg.data && typeof msg.data === 'object' ? msg.data : {};
    if (msg.topic === 'geofence') {
      const kind = GEO_KINDS[d.kind];
      if (!kind || !Number.isFinite(d.volunteer)) return;
      const team = Number.isFinite(d.team) ? d.team : vol.teamOfVolunteer(d.volunteer);
      const grid = kind.grid === 'team' ? d.team_grid || msg.grid : msg.grid;
      queueToast({
        tone: kind.tone,
        kind: d.kind,
        at: Number.isFinite(at) ? at : Date.now(),
        volunteer: d.volunteer,
        text: () => t(kind.key, { who: who(d.volunteer, team), grid: gridLabel(grid) }),
      });
    } else if (msg.topic === 'alerts') {
      const detail = typeof d.message === 'string' ? d.message : typeof d.text === 'string' ? d.text : '';
      queueToast({
        tone: d.open === false ? 'ok' : 'bad',
        kind: 'alert',
        at: Number.isFinite(at) ? at : Date.now(),
        volunteer: Number.isFinite(d.volunteer) ? d.volunteer : null,
        text: () => {
          const where = msg.grid ? gridLabel(msg.grid) : '';
          const kindKey = `alertKind.${d.kind}`;
          let what = detail || (t(kindKey) !== kindKey ? t(kindKey) : d.kind || '');
          if (d.open === false) what = t('live.alertClosed', { what });
          return [t('live.alert'), where, what].filter(Boolean).join(t('err.sep'));
        },
      });
    }
  }

  // Toasts are added in batches: a replay can deliver many events at once and
  // only the newest MAX_TOASTS would be seen anyway.
  function queueToast(item) {
    toastQueue.push(item);
    if (toastQueue.length > MAX_TOASTS) toastQueue.splice(0, toastQueue.length - MAX_TOASTS);
    if (!toastTimer) toastTimer = window.setTimeout(flushToasts, 50);
  }

  function flushToasts() {
    toastTimer = null;
    const items = toastQueue;
    toastQueue = [];
    for (const item of items) addToast(item);
  }

  function removeToast(node) {
    window.clearTimeout(node._fade);
    window.clearTimeout(node._gone);
    node._render = null;
    node.remove();
  }

  function addToast(item) {
    const box = document.getElementById('toasts');
    const text = el('span', { class: 'toast-text' });
    const time = el('span', { class: 'toast-time' });
    const node = el(
      'div',
      {
        class: `toast toast-${item.tone}`,
        role: 'status',
        dataset: { kind: item.kind, volunteer: item.volunteer === null ? '' : String(item.volunteer) },
      },
      time,
      text
    );
    node._render = () => {
      text.textContent = item.text();
      time.textContent = new Date(item.at).toLocaleTimeString(getLang(), { hour12: false });
    };
    node._render();
    if (item.volunteer !== null) {
      node.classList.add('toast-link');
      node.addEventListener('click', () => vol.focusVolunteer(item.volunteer));
    }
    box.prepend(node);
    while (box.children.length > MAX_TOASTS) removeToast(box.lastElementChild);
    node._fade = window.setTimeout(() => node.classList.add('toast-fading'), TOAST_MS);
    node._gone = window.setTimeout(() => removeToast(node), TOAST_MS + TOAST_FADE_MS);
  }

  setup();
  return { volunteersIn, volunteerAt: vol.volunteerAt, volunteers: vol };
}
