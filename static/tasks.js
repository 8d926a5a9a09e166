// A volunteer's tasks, /tasks, on their phone (issue 14): where logging in
// lands for a volunteer. The tasks a grid leader sent them (GET
// /api/tasks), newest state over the stream (topic "tasks"; the list is
// fetched again on each event), each with what to do: accept or decline
// it, then close it with the field record it asks for (a screening of
// the household, a visit, or a written result). On duty, the phone shares
// its position (POST /api/positions) so that "nearest" can find it. A
// small map shows where each task is. Everything is sized for a thumb.
//
// Offline first: every answer goes through the outbox (outbox.js): kept
// on the phone, undoable for a few seconds, sent when the network and a
// login are there, once. A task whose answer waits in the outbox is shown
// as answered (accepted: its form is there to fill in; done or declined:
// gone from the list). The last list fetched is kept on the phone too, so
// a reload without a network still shows the day's tasks.
'use strict';

import { t, setLang, explicitLang, onLangChange, setAreaZone, fmtNumber, getAreaZone, getLang } from './i18n.js';
import { getAllPages, getJSON, postJSON, ApiError, onUnauthorized } from './api.js';
import { initChrome, failPage, showError, renderCrumbs, renderUser, el } from './ui.js';
import * as gm from './map.js';
import { startLive } from './live.js';
import { Write, isUndone } from './fieldwrite.js';
import { startOutbox, sessionExpired, state as outboxState } from './outbox.js';
import { initOutboxView } from './outboxview.js';
import { OUTCOMES } from './actions.js';

const L = window.L;
const REFRESH_DEBOUNCE_MS = 300;
const POSITION_EVERY_MS = 30000; // at most one fix sent each 30 s on duty

const $ = (id) => document.getElementById(id);
const ME_KEY = 'gridmap.tasks.me'; // the volunteer last signed in on this phone

// The page: the user, the tasks as last fetched, the map layer of their
// places, the writes waiting by task (a retry resends the same client id),
// the task whose decline form is open, and the duty watch.
function newPage() {
  return {
    user: null,
    tasks: [],
    done: 0,
    map: null,
    layer: null,
    declining: null,
    forms: new Map(), // `${task id}|${status}` -> its form, kept across redraws with what was typed
    fitted: false,
    refreshTimer: null,
    duty: { watch: null, lastSent: 0, lastAt: null },
  };
}

// ---- time ------------------------------------------------------------------

function fmtTime(iso) {
  const d = new Date(iso);
  const opts = { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: getAreaZone() };
  const today = new Date().toLocaleDateString('en-CA', { timeZone: getAreaZone() });
  const day = d.toLocaleDateString('en-CA', { timeZone: getAreaZone() });
  const time = d.toLocaleTimeString(getLang(), opts);
  return day === today ? time : `${day.slice(5)} ${time}`;
}

function fmtSpan(ms) {
  const min = Math.max(0, Math.round(ms / 60000));
  if (min < 60) return t('task.min', { n: fmtNumber(min) });
  return t('task.hours', { h: fmtNumber(Math.floor(min / 60)), m: fmtNumber(min % 60) });
}

// ---- the list ----------------------------------------------------------------

function where(task) {
  return t('task.where', { building: task.building, unit: task.unit || '', room: task.room || '' }).trim();
}

function meta(task) {
  const now = Date.now();
  const due = Date.parse(task.due_at);
  const parts = [];
  if (now > due) parts.push(el('span', { class: 'tk-late' }, t('task.late', { n: fmtSpan(now - due) })));
  else parts.push(el('span', {}, t('task.due', { when: fmtTime(task.due_at) })));
  if (task.status === 'open') parts.push(el('span', {}, t('task.acceptBy', { when: fmtTime(task.accept_by) })));
  else parts.push(el('span', {}, t('task.openFor', { n: fmtSpan(now - Date.parse(task.assigned_at || task.created_at)) })));
  return el('div', { class: 'tk-meta' }, ...parts);
}

// A row of big choice buttons (radio inputs styled as chips).
function chips(name, values, prefix, checked) {
  return el(
    'div',
    { class: 'tk-chips', role: 'radiogroup' },
    values.map((v) =>
      el(
        'label',
        { class: 'tk-chip' },
        el('input', { type: 'radio', name, value: v, checked: v === checked }),
        el('span', {}, t(`${prefix}${v}`))
      )
    )
  );
}

function labelled(key, control) {
  return el('label', { class: 'tk-field' }, el('span', { class: 'tk-label' }, t(key)), control);
}

// The form that closes an accepted task with the record it asks for.
function doneForm(page, task) {
  let fields;
  let body;
  switch (task.record_kind) {
    case 'screening':
      fields = [
        el('fieldset', { class: 'tk-set' }, el('legend', { class: 'tk-label' }, t('task.outcome')), chips('outcome', OUTCOMES, 'outcome.', 'normal')),
        labelled('task.temperature', el('input', { name: 'temperature', type: 'number', inputmode: 'decimal', min: '30', max: '45', step: '0.1' })),
      ];
      body = (f) => {
        const s = { outcome: f.outcome.value };
        if (f.temperature.value.trim() !== '') s.temperature = Number(f.temperature.value);
        return { screening: s };
      };
      break;
    case 'visit':
      fields = [
        el('fieldset', { class: 'tk-set' }, el('legend', { class: 'tk-label' }, t('task.visitMethod')), chips('method', ['visit', 'phone'], 'method.', 'visit')),
        labelled('task.visitNote', el('input', { name: 'note', maxlength: '500' })),
      ];
      body = (f) => ({ visit: { method: f.method.value, ...(f.note.value.trim() ? { note: f.note.value.trim() } : {}) } });
      break;
    default:
      fields = [labelled('task.result', el('textarea', { name: 'result', maxlength: '500', rows: '3', placeholder: t('task.resultHint'), required: true }))];
      body = (f) => ({ result: f.result.value.trim() });
  }
  const form = el('form', { class: 'tk-form', dataset: { kind: task.record_kind } }, ...fields, el('button', { type: 'submit', class: 'btn-primary tk-btn tk-finish' }, t('task.finish')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const b = body(form.elements);
    if (task.record_kind === 'result' && !b.result) {
      say(page, t('task.needResult'), true);
      form.elements.result.focus();
      return;
    }
    send(page, task, 'done', b, t('task.doneMsg'));
  });
  return form;
}

function declineForm(page, task) {
  const form = el(
    'form',
    { class: 'tk-form tk-decline-form' },
    labelled('task.declineReason', el('input', { name: 'reason', maxlength: '200' })),
    el(
      'div',
      { class: 'tk-actions' },
      el('button', { type: 'submit', class: 'btn-danger tk-btn' }, t('task.declineConfirm')),
      el('button', { type: 'button', class: 'btn-secondary tk-btn', onclick: () => ((page.declining = null), render(page)) }, t('task.cancelDecline'))
    )
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const reason = form.elements.reason.value.trim();
    page.declining = null;
    send(page, task, 'decline', reason ? { reason } : {}, t('task.declined'));
  });
  return form;
}

function card(page, task) {
  let actions;
  if (task.status === 'open' && page.declining === task.id) actions = declineForm(page, task);
  else if (task.status === 'open') {
    actions = el(
      'div',
      { class: 'tk-actions' },
      el('button', { type: 'button', class: 'btn-primary tk-btn tk-accept', onclick: () => send(page, task, 'accept', {}, t('task.accepted')) }, t('task.accept')),
      el('button', { type: 'button', class: 'btn-secondary tk-btn tk-decline', onclick: () => ((page.declining = task.id), render(page)) }, t('task.decline'))
    );
  } else if (task.status === 'accepted') {
    const key = `${task.id}|${task.status}`;
    if (!page.forms.has(key)) page.forms.set(key, doneForm(page, task));
    actions = page.forms.get(key);
  }
  return el(
    'li',
    { class: `tk-card tk-${task.status}`, dataset: { taskId: String(task.id), status: task.status, gap: task.gap } },
    el(
      'button',
      { type: 'button', class: 'tk-head', onclick: () => focusTask(page, task) },
      el('span', { class: `tk-gap tk-gap-${task.gap}` }, t(`task.gap.${task.gap}`)),
      el('span', { class: 'tk-state' }, t(`task.status.${task.status}`))
    ),
    el('div', { class: 'tk-where' }, el('span', { class: 'tk-grid' }, task.grid_name), ' · ', where(task)),
    meta(task),
    task.note && el('p', { class: 'tk-note' }, task.note),
    actions
  );
}

// The answers waiting in the outbox, by task: the newest action of each.
const TASK_PATH = /^\/api\/tasks\/(\d+)\/(accept|decline|done)$/;
function waiting() {
  const out = new Map();
  for (const e of outboxState().entries || []) {
    const m = TASK_PATH.exec(e.path);
    if (m && e.state !== 'failed') out.set(Number(m[1]), m[2]);
  }
  return out;
}

// A task as the volunteer sees it: with an answer waiting, as answered.
function shown(task, pending) {
  const a = pending.get(task.id);
  if (!a || (task.status !== 'open' && task.status !== 'accepted')) return task;
  if (a === 'accept') return { ...task, status: 'accepted' };
  return { ...task, status: a === 'done' ? 'done' : 'declined-here' };
}

function cacheKey(page) {
  return `gridmap.tasks.${page.user ? page.user.username : ''}`;
}

function render(page) {
  const list = $('tk-list');
  const pending = waiting();
  const open = page.tasks.map((x) => shown(x, pending)).filter((x) => x.status === 'open' || x.status === 'accepted');
  // What the volunteer is doing first, then what waits for an answer.
  open.sort((a, b) => (a.status === b.status ? Date.parse(a.due_at) - Date.parse(b.due_at) : a.status === 'accepted' ? -1 : 1));
  $('tk-count').textContent = open.length ? `(${fmtNumber(open.length)})` : '';
  list.setAttribute('aria-busy', 'false');
  // Forms of tasks no longer open are dropped; the others keep what was typed.
  const live = new Set(open.map((x) => `${x.id}|${x.status}`));
  for (const k of page.forms.keys()) if (!live.has(k)) page.forms.delete(k);
  const focused = document.activeElement;
  // Answered on this phone, not yet sent (offline, logged out, undo window).
  const answered = page.tasks.filter((x) => (x.status === 'open' || x.status === 'accepted') && ['done', 'decline'].includes(pending.get(x.id))).length;
  if (!open.length && answered) {
    list.replaceChildren();
  } else if (!open.length) {
    list.replaceChildren(
      el('li', { class: 'tk-empty' }, el('span', { class: 'tk-empty-icon', 'aria-hidden': 'true' }, '✓'), el('b', {}, t('task.none')), el('span', {}, t('task.noneHint')))
    );
  } else {
    list.replaceChildren(...open.map((x) => card(page, x)));
  }
  if (focused && focused !== document.activeElement && document.contains(focused)) focused.focus({ preventScroll: true });
  if (answered) list.append(el('li', { class: 'tk-waiting' }, t('task.answeredWaiting', { n: fmtNumber(answered) })));
  const done = page.tasks.filter((x) => x.status === 'done').length;
  if (done) list.append(el('li', { class: 'tk-done-n' }, t('task.doneToday', { n: fmtNumber(done) })));
  document.body.dataset.tasks = String(open.length);
  drawMarkers(page, open);
}

function say(page, text, error = false) {
  const s = $('tk-status');
  s.className = `tk-status${error ? ' tk-status-error' : ' tk-status-ok'}`;
  s.textContent = text;
}

// ---- writes ----------------------------------------------------------------------

async function send(page, task, action, body, okText) {
  const w = new Write('POST', `/api/tasks/${encodeURIComponent(task.id)}/${action}`, body, {
    label: `${t(`task.gap.${task.gap}`)} · ${where(task)}`,
  });
  page.declining = null;
  try {
    // Held on the phone: shown as answered at once (render reads the outbox).
    const answer = await w.send({ onHeld: () => render(page) });
    if (answer && answer.id) replaceTask(page, answer);
    say(page, okText);
  } catch (err) {
    if (isUndone(err)) say(page, '');
    else say(page, `${t('act.failed')}${t('err.sep')}${err.describe ? err.describe() : err.message}`, true);
  }
  render(page);
  scheduleRefresh(page);
}

function replaceTask(page, task) {
  const i = page.tasks.findIndex((x) => x.id === task.id);
  if (i >= 0) page.tasks[i] = task;
  else page.tasks.push(task);
  save(page);
}

function save(page) {
  try {
    window.localStorage.setItem(cacheKey(page), JSON.stringify({ at: Date.now(), tasks: page.tasks }));
  } catch {
    // storage full or off: the list is fetched again next time
  }
}

// ---- fetch -------------------------------------------------------------------------

async function load(page) {
  try {
    const d = await getAllPages('/api/tasks?status=all', 'tasks', { loginOn401: false });
    page.tasks = Array.isArray(d.tasks) ? d.tasks : [];
    save(page);
    document.body.dataset.tasksLoaded = 'true';
    render(page);
  } catch (err) {
    // Offline or logged out: the list as last fetched on this phone.
    if (!page.tasks.length) {
      try {
        const c = JSON.parse(window.localStorage.getItem(cacheKey(page)) || 'null');
        if (c && Array.isArray(c.tasks)) page.tasks = c.tasks;
      } catch {
        // a damaged cache is no list
      }
    }
    if (page.tasks.length) {
      document.body.dataset.tasksLoaded = 'cached';
      render(page);
    } else $('tk-list').replaceChildren(el('li', { class: 'tk-empty act-error' }, t('task.failed')));
    if (err instanceof ApiError && err.status === 401) sessionExpired();
    else if (!(err instanceof ApiError && err.kind === 'network')) showError(err);
  }
}

function scheduleRefresh(page) {
  window.clearTimeout(page.refreshTimer);
  page.refreshTimer = window.setTimeout(() => load(page), REFRESH_DEBOUNCE_MS);
}

// ---- map -----------------------------------------------------------------------

function drawMarkers(page, open) {
  if (!page.layer) return;
  page.layer.clearLayers();
  const pts = [];
  for (const x of open) {
    const m = L.marker([x.lat, x.lon], {
      icon: L.divIcon({ className: `tk-pin tk-pin-${x.status}`, html: `<span>${open.indexOf(x) + 1}</span>`, iconSize: [44, 44], iconAnchor: [22, 22] }),
      keyboard: false,
    });
    m.on('click', () => {
      const node = document.querySelector(`.tk-card[data-task-id="${x.id}"]`);
      if (node) node.scrollIntoView({ behavior: 'smooth', block: 'start' });
    });
    m.addTo(page.layer);
    pts.push([x.lat, x.lon]);
  }
  if (pts.length && !page.fitted) {
    page.fitted = true;
    page.map.fitBounds(L.latLngBounds(pts).pad(0.3), { maxZoom: 18, animate: false });
  }
}

function focusTask(page, task) {
  page.map.flyTo([task.lat, task.lon], Math.max(page.map.getZoom(), 18));
}

// ---- duty ------------------------------------------------------------------------

function renderDuty(page) {
  const on = page.duty.watch !== null;
  $('tk-duty').dataset.state = on ? 'on' : 'off';
  $('tk-duty-state').textContent = t(on ? 'task.dutyOn' : 'task.dutyOff');
  $('tk-duty-toggle').textContent = t(on ? 'task.dutyStop' : 'task.dutyStart');
  $('tk-duty-hint').textContent = on && page.duty.lastAt ? t('task.dutyLast', { when: fmtTime(page.duty.lastAt) }) : t('task.dutyHint');
}

async function postFix(page, pos) {
  const now = Date.now();
  if (now - page.duty.lastSent < POSITION_EVERY_MS) return;
  page.duty.lastSent = now;
  const c = pos.coords;
  try {
    await postJSON('/api/positions', { positions: [{ lon: c.longitude, lat: c.latitude, accuracy: Math.min(c.accuracy || 50, 5000), at: new Date(pos.timestamp || now).toISOString() }] });
    page.duty.lastAt = new Date().toISOString();
    renderDuty(page);
  } catch (err) {
    page.duty.lastSent = 0; // try again with the next fix
    if (!(err instanceof ApiError && err.kind === 'network')) showError(err);
  }
}

function toggleDuty(page) {
  if (page.duty.watch !== null) {
    navigator.geolocation.clearWatch(page.duty.watch);
    page.duty.watch = null;
    renderDuty(page);
    return;
  }
  if (!navigator.geolocation) {
    say(page, t('task.dutyUnsupported'), true);
    return;
  }
  page.duty.lastSent = 0;
  page.duty.watch = navigator.geolocation.watchPosition(
    (pos) => postFix(page, pos),
    (err) => {
      if (err.code === 1) {
        navigator.geolocation.clearWatch(page.duty.watch);
        page.duty.watch = null;
        renderDuty(page);
      }
      say(page, t('task.dutyDenied'), true);
    },
    { enableHighAccuracy: true, maximumAge: 15000, timeout: 30000 }
  );
  renderDuty(page);
}

// ---- start -------------------------------------------------------------------------

async function main() {
  const page = newPage();
  const forced = explicitLang();
  setLang(forced || 'zh-CN');
  initChrome();
  document.body.dataset.auth = 'checking';
  const [me, config] = await Promise.allSettled([getJSON('/api/me'), getJSON('/api/config')]);
  if (me.status === 'fulfilled') {
    page.user = me.value;
    try {
      window.localStorage.setItem(ME_KEY, JSON.stringify(page.user));
    } catch {
      // no storage: an offline reload will not know who this is
    }
  } else {
    // No network: who was here last, so the tasks and answers kept on the
    // phone still show (the outbox sends only under that account).
    const last = JSON.parse(window.localStorage.getItem(ME_KEY) || 'null');
    if (!(me.reason instanceof ApiError && me.reason.kind === 'network') || !last) throw me.reason;
    page.user = last;
  }
  renderUser(page.user);
  // Answers wait on the phone (outbox.js) until the server has them; from
  // now on a lost session keeps the page and says to log in again.
  initOutboxView();
  startOutbox(page.user.username);
  onUnauthorized(sessionExpired);
  document.addEventListener('gridmap:outbox', (ev) => {
    render(page);
    if (ev.detail && ev.detail.kind === 'sent') scheduleRefresh(page);
  });
  renderCrumbs([], null);
  document.body.dataset.auth = 'ok';
  document.body.dataset.role = page.user.role || '';
  const cfg = config.status === 'fulfilled' ? config.value : { tile_url: '' };
  if (!forced && cfg.default_lang) setLang(cfg.default_lang);
  if (cfg.time_zone) setAreaZone(cfg.time_zone);

  page.map = gm.createMap('map', { onClick: () => {} });
  gm.setupBaseMap(cfg);
  page.layer = L.layerGroup().addTo(page.map);
  $('tk-duty-toggle').addEventListener('click', () => toggleDuty(page));
  renderDuty(page);
  onLangChange(() => {
    page.forms.clear();
    renderDuty(page);
    render(page);
  });
  await load(page);
  startLive(page.map, {
    user: page.user,
    topics: ['tasks'],
    gridName: () => null,
    gridLabel: () => null,
    onCounts: () => {},
    toasts: false,
    onEvent: (msg) => {
      if (msg.topic === 'tasks') scheduleRefresh(page);
    },
    onSync: ({ first }) => {
      if (!first) scheduleRefresh(page);
    },
  });
  // The times ("sent 12 min ago") move on.
  window.setInterval(() => render(page), 60000);
}

main().catch(failPage);
