// Tasks on the grid leader's page (issue 14): under a chosen gap, a form
// that sends it to a volunteer (the nearest on duty by the way they would
// walk, or nobody yet) with a time to do it; a card listing the grid's
// open tasks (what, where, who has it, how long it has been open, whether
// it came back or went up to the community) with "send to the nearest"
// for those nobody holds; and the open tasks on the map, coloured by
// state. The list follows the stream: each "tasks" event fetches it again.
'use strict';

import { t, fmtNumber, getAreaZone, getLang } from './i18n.js';
import { getAllPages, isAbort } from './api.js';
import { el } from './ui.js';
import { Write } from './fieldwrite.js';

const L = window.L;
const REFRESH_DEBOUNCE_MS = 400;

// The task API's gap, and the field naming its row, for a gap list item
// (gaps.js); null for items that are not made into tasks.
export function gapOf(item) {
  switch (item.kind) {
    case 'unscreened':
      return { gap: 'unscreened', household_id: item.householdId };
    case 'noContact':
      return { gap: 'no_contact', household_id: item.householdId };
    case 'noHead':
      return { gap: 'no_head', building_id: item.buildingId };
    case 'overdue':
      return { gap: 'overdue_visit', resident_id: item.id };
    case 'seal':
      return item.householdId ? { gap: 'seal_alert', alert_id: item.id } : null;
    case 'requests':
      return { gap: 'request', request_id: item.id };
    default:
      return null;
  }
}

function fmtTime(iso) {
  return new Date(iso).toLocaleTimeString(getLang(), { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: getAreaZone() });
}

function fmtSpan(ms) {
  const min = Math.max(0, Math.round(ms / 60000));
  if (min < 60) return t('task.min', { n: fmtNumber(min) });
  return t('task.hours', { h: fmtNumber(Math.floor(min / 60)), m: fmtNumber(min % 60) });
}

// The end of today's work in the area's time, as an ISO instant, or null
// once it is past.
function todayAt(hour) {
  const zone = getAreaZone();
  const now = new Date();
  const day = now.toLocaleDateString('en-CA', { timeZone: zone });
  // The zone's offset now, from the difference of its wall clock and UTC.
  const wall = new Date(now.toLocaleString('en-US', { timeZone: zone }));
  const offset = wall.getTime() - new Date(now.toLocaleString('en-US', { timeZone: 'UTC' })).getTime();
  const at = new Date(Date.parse(`${day}T${String(hour).padStart(2, '0')}:00:00Z`) - offset);
  return at > now ? at.toISOString() : null;
}

// The grid's tasks: the form under a gap, the list card and the map
// layer. box: the card's body; opts: {grid, canWrite}. Returns formFor(item),
// load(), onEvent(msg).
export function initTaskBoard(box, map, opts) {
  const board = { tasks: [], timer: null, ctrl: null, pending: new Map() };
  if (!map.getPane('tasks')) map.createPane('tasks').style.zIndex = '615';
  const layer = L.layerGroup([], { pane: 'tasks' }).addTo(map);

  // ---- the form under a gap ------------------------------------------------

  function formFor(item) {
    const ref = gapOf(item);
    if (!ref || !opts.canWrite) return null;
    const status = el('div', { class: 'act-status', role: 'status' });
    const submit = el('button', { type: 'submit', class: 'btn-primary act-submit' }, t('task.send'));
    const dues = [
      ['1', t('task.dueH', { n: 1 })],
      ['2', t('task.dueH', { n: 2 })],
      ['4', t('task.dueH', { n: 4 })],
    ];
    if (todayAt(22)) dues.push(['today', t('task.dueToday')]);
    const form = el(
      'form',
      { class: 'act-form act-task', dataset: { action: 'task' } },
      el('h4', { class: 'act-task-title' }, t('task.sendTitle')),
      el(
        'label',
        { class: 'act-field' },
        el('span', {}, t('task.assignee')),
        el('select', { name: 'assignee' }, el('option', { value: 'nearest' }, t('task.nearest')), el('option', { value: '' }, t('task.nobody')))
      ),
      el(
        'label',
        { class: 'act-field' },
        el('span', {}, t('task.dueIn')),
        el('select', { name: 'due' }, dues.map(([v, label]) => el('option', { value: v, selected: v === '2' }, label)))
      ),
      el('label', { class: 'act-field' }, el('span', {}, t('task.note')), el('input', { name: 'note', maxlength: '500' })),
      el('div', { class: 'act-row' }, submit, status)
    );
    const key = `${item.kind}|${item.id}`;
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const f = form.elements;
      const due = f.due.value === 'today' ? todayAt(22) : new Date(Date.now() + Number(f.due.value) * 3600 * 1000).toISOString();
      const body = { ...ref, grid_id: opts.grid, ...(f.assignee.value ? { assignee: f.assignee.value } : {}), ...(due ? { due_at: due } : {}) };
      if (f.note.value.trim()) body.note = f.note.value.trim();
      let w = board.pending.get(key);
      // The due time moves with the clock: the intention is the rest.
      const same = w && JSON.stringify({ ...w.body, due_at: 0 }) === JSON.stringify({ ...body, due_at: 0 });
      if (!same) {
        w = { body, write: new Write('POST', '/api/tasks', body) };
        board.pending.set(key, w);
      }
      submit.disabled = true;
      form.dataset.state = 'saving';
      status.className = 'act-status';
      status.textContent = t('act.saving');
      try {
        const task = await w.write.send();
        board.pending.delete(key);
        form.dataset.state = 'saved';
        status.className = 'act-status act-ok';
        status.textContent = task.assignee ? t('task.sent', { name: task.assignee }) : t('task.sentNobody');
        scheduleLoad();
      } catch (err) {
        form.dataset.state = 'failed';
        status.className = 'act-status act-error';
        status.textContent = `${t('act.failed')}${t('err.sep')}${err.describe ? err.describe() : err.message}`;
        submit.disabled = false;
      }
    });
    return form;
  }

  // ---- the list and the map ------------------------------------------------

  function who(task) {
    return task.assignee || (task.assignee_id ? t('task.volunteerN', { id: task.assignee_id }) : t('task.unassigned'));
  }

  function row(task) {
    const now = Date.now();
    const late = now > Date.parse(task.due_at);
    const resend =
      opts.canWrite && task.status === 'open' && !task.assignee_id
        ? el('button', { type: 'button', class: 'btn-secondary tb-reassign', onclick: () => reassign(task) }, t('task.reassign'))
        : null;
    return el(
      'li',
      { class: `tb-row tb-${task.status}${task.escalation ? ` tb-esc-${task.escalation}` : ''}`, dataset: { taskId: String(task.id), status: task.status } },
      el(
        'button',
        { type: 'button', class: 'tb-head', onclick: () => map.flyTo([task.lat, task.lon], Math.max(map.getZoom(), 18)) },
        el('span', { class: 'tb-gap' }, t(`task.gap.${task.gap}`)),
        el('span', { class: 'tb-who' }, who(task), ' · ', t(`task.status.${task.status}`))
      ),
      el('div', { class: 'tb-where' }, `${task.building} ${task.unit || ''} ${task.room || ''}`.trim()),
      el(
        'div',
        { class: 'tb-meta' },
        el('span', {}, t('task.openFor', { n: fmtSpan(now - Date.parse(task.created_at)) })),
        el('span', { class: late ? 'tb-late' : '' }, late ? t('task.late', { n: fmtSpan(now - Date.parse(task.due_at)) }) : t('task.due', { when: fmtTime(task.due_at) })),
        task.escalation
          ? el('span', { class: 'tb-esc' }, t(`task.esc.${task.escalation}`), task.escalation_reason ? ` (${t(`task.reason.${task.escalation_reason}`)})` : '')
          : null
      ),
      resend
    );
  }

  function render() {
    const open = board.tasks.filter((x) => x.status === 'open' || x.status === 'accepted');
    box.dataset.count = String(open.length);
    box.replaceChildren(
      open.length ? el('ul', { class: 'tb-list' }, open.map(row)) : el('p', { class: 'muted tb-none' }, t('task.listNone'))
    );
    layer.clearLayers();
    for (const x of open) {
      const m = L.marker([x.lat, x.lon], {
        pane: 'tasks',
        keyboard: false,
        // A 44 px box for a finger, the pin drawn at its centre above the door.
        icon: L.divIcon({ className: `tb-pin tb-pin-${x.status}${x.escalation ? ' tb-pin-esc' : ''}`, html: '<span>✓</span>', iconSize: [44, 44], iconAnchor: [22, 40] }),
        title: `${t(`task.gap.${x.gap}`)} · ${who(x)}`,
      }).addTo(layer);
      m.on('click', () => {
        const node = box.querySelector(`[data-task-id="${x.id}"]`);
        if (node) node.scrollIntoView({ behavior: 'smooth', block: 'center' });
      });
    }
    document.body.dataset.tasksVersion = String(Number(document.body.dataset.tasksVersion || 0) + 1);
  }

  async function reassign(task) {
    const w = new Write('POST', `/api/tasks/${encodeURIComponent(task.id)}/assign`, { assignee: 'nearest' });
    try {
      await w.send();
    } catch (err) {
      const node = box.querySelector(`[data-task-id="${task.id}"]`);
      if (node) node.append(el('p', { class: 'act-error' }, err.describe ? err.describe() : err.message));
      return;
    }
    scheduleLoad();
  }

  // Only those who work the field read tasks (GET /api/tasks refuses a
  // planner or a viewer): for them the card stays hidden and nothing loads.
  const card = box.closest('section, .card, details');
  if (!opts.canWrite && card) card.hidden = true;

  async function load() {
    if (!opts.canWrite) return;
    if (board.ctrl) board.ctrl.abort();
    const ctrl = new AbortController();
    board.ctrl = ctrl;
    try {
      const d = await getAllPages(`/api/tasks?grid=${encodeURIComponent(opts.grid)}`, 'tasks', { signal: ctrl.signal });
      board.tasks = Array.isArray(d.tasks) ? d.tasks : [];
      render();
    } catch (err) {
      if (isAbort(err)) return;
      box.replaceChildren(el('p', { class: 'act-error' }, t('task.failed')));
    }
  }

  function scheduleLoad() {
    window.clearTimeout(board.timer);
    board.timer = window.setTimeout(load, REFRESH_DEBOUNCE_MS);
  }

  function onEvent(msg) {
    if (msg.topic === 'tasks') scheduleLoad();
  }

  // "Open for 12 min" moves on.
  window.setInterval(render, 60000);
  return { formFor, load: scheduleLoad, onEvent };
}
