// What a grid leader does about one gap, on the spot: the forms for it
// (screen a household, record a visit, close a request, resolve a fever or
// door-seal alert, put a checkpoint on or off duty and add to its counts)
// and the nearest volunteers by live position, with dashed lines to them
// on the map.
'use strict';

import { t, fmtNumber } from './i18n.js';
import { getJSON, isAbort } from './api.js';
import { el } from './ui.js';
import { Write, isUndone } from './fieldwrite.js';
import { fallbackColour } from './volunteers.js';

const L = window.L;

export const OUTCOMES = ['normal', 'not_home', 'fever', 'home_quarantine', 'risk_area_return', 'refused'];
const NEAREST_N = 5;

const FOLLOW_MS = 1000;

// ---- forms -----------------------------------------------------------------

function field(labelKey, control) {
  return el('label', { class: 'act-field' }, el('span', {}, t(labelKey)), control);
}

function select(name, values, prefix) {
  return el(
    'select',
    { name },
    values.map((v) => el('option', { value: v }, t(`${prefix}${v}`)))
  );
}

function count(name, labelKey) {
  return field(labelKey, el('input', { name, type: 'number', inputmode: 'numeric', min: '0', max: '100000', step: '1', value: '0' }));
}

// A count field as a number: empty is 0; anything else the server judges.
function countOf(input) {
  const v = input.value.trim();
  return v === '' ? 0 : Number(v);
}

// The resolve form of an alert (fever or door seal).
function resolveAction(item) {
  return {
    name: 'resolve',
    submitKey: 'act.close',
    url: `/api/alerts/${encodeURIComponent(item.id)}/resolve`,
    fields: () => [field('act.resolution', el('input', { name: 'resolution', maxlength: '500' }))],
    body: (f) => (f.resolution.value.trim() ? { resolution: f.resolution.value.trim() } : {}),
  };
}

// The routes, bodies and forms of the actions on an item (none: []).
// keep: the item stays in the list afterwards and the form is made ready
// for the next entry, saying what was saved.
function actionsFor(item) {
  const a = actionFor(item);
  if (a) return [a];
  if (item.kind !== 'checkpoints') return [];
  const on = !!item.raw.on_duty;
  return [
    {
      name: 'duty',
      submitKey: on ? 'cp.goOff' : 'cp.goOn',
      secondary: on,
      url: `/api/checkpoints/${encodeURIComponent(item.id)}/duty`,
      fields: () => [],
      body: () => ({ on_duty: !on }),
    },
    {
      name: 'counts',
      submitKey: 'cp.addCounts',
      keep: 'cp.countsSaved',
      url: `/api/checkpoints/${encodeURIComponent(item.id)}/counts`,
      fields: () => [count('scans', 'cp.addScans'), count('temperatures', 'cp.addTemperatures'), count('fevers', 'cp.addFevers')],
      body: (f) => ({ scans: countOf(f.scans), temperatures: countOf(f.temperatures), fevers: countOf(f.fevers) }),
    },
  ];
}

// The route, body and form of the one action on a gap, or null.
function actionFor(item) {
  switch (item.kind) {
    case 'unscreened':
      return {
        name: 'screen',
        submitKey: 'act.screen',
        url: '/api/screenings',
        fields: () => [
          field('act.outcome', select('outcome', OUTCOMES, 'outcome.')),
          field('act.temperature', el('input', { name: 'temperature', type: 'number', inputmode: 'decimal', min: '30', max: '45', step: '0.1' })),
        ],
        body: (f) => {
          const b = { household_id: item.householdId, outcome: f.outcome.value };
          const temp = f.temperature.value.trim();
          if (temp !== '') b.temperature = Number(temp);
          return b;
        },
      };
    case 'overdue':
      return {
        name: 'visit',
        submitKey: 'act.visit',
        url: `/api/vulnerable/${encodeURIComponent(item.id)}/visits`,
        fields: () => [field('act.method', select('method', ['visit', 'phone'], 'method.')), field('act.note', el('input', { name: 'note', maxlength: '500' }))],
        body: (f) => ({ method: f.method.value, ...(f.note.value.trim() ? { note: f.note.value.trim() } : {}) }),
      };
    case 'requests':
      return {
        name: 'close',
        submitKey: 'act.close',
        url: `/api/requests/${encodeURIComponent(item.id)}/close`,
        fields: () => [field('act.resolution', el('input', { name: 'resolution', maxlength: '500' }))],
        body: (f) => (f.resolution.value.trim() ? { resolution: f.resolution.value.trim() } : {}),
      };
    case 'followup':
      return {
        name: 'followup',
        submitKey: 'act.followUp',
        url: `/api/requests/${encodeURIComponent(item.id)}/follow-up`,
        fields: () => [
          field('act.satisfaction', select('satisfaction', ['satisfied', 'neutral', 'unsatisfied', 'unreachable'], 'sat.')),
          field('act.note', el('input', { name: 'note', maxlength: '500' })),
        ],
        body: (f) => ({ satisfaction: f.satisfaction.value, ...(f.note.value.trim() ? { note: f.note.value.trim() } : {}) }),
      };
    case 'fever':
    case 'seal':
      return resolveAction(item);
    default:
      return null;
  }
}

function fmtDistance(m) {
  if (m >= 1000) return t('near.km', { n: fmtNumber(m / 1000, 1) });
  return t('near.m', { n: fmtNumber(m, 0) });
}

// What the person would call a write: the action, where, and what they
// chose (the first select of the form, e.g. the outcome).
function labelOf(item, a, f) {
  const where = [item.building, `${item.unit || ''} ${item.room || ''}`.trim()].filter(Boolean).join(' ');
  const sel = [...f].find((x) => x.tagName === 'SELECT');
  const choice = sel && sel.selectedOptions[0] ? sel.selectedOptions[0].textContent : '';
  return [t(a.submitKey), where, choice].filter(Boolean).join(' · ');
}

// ---- the actions -----------------------------------------------------------

// The actions on map; opts: {canWrite, onDone(item, action, answer),
// volunteers(): the live volunteers layer or null, taskForm(item): the
// form that sends the gap to a volunteer (taskboard.js) or null}. Returns what the page
// calls: formsFor(item, done), detailFor(item), clearDetail().
export function initActions(map, opts) {
  let followTimer = null; // keeps the dashed lines on the moving volunteers
  let nearCtrl = null;
  // Pending writes by form: a failed write is sent again with its client id
  // as long as the form still says the same thing.
  const pending = new Map();
  map.createPane('nearest').style.zIndex = '610';
  const lines = L.layerGroup([], { pane: 'nearest' }).addTo(map);

  // The forms of an item; done(item, action, answer) follows a saved write.
  // The ledger and the request list (records.js) show the visit and close
  // forms of their entries with a done of their own.
  function formsFor(item, done = opts.onDone) {
    const list = actionsFor(item);
    if (!list.length) return null;
    if (!opts.canWrite) return el('p', { class: 'muted act-readonly' }, t('act.readOnly'));
    return list.map((a) => actionForm(item, a, done));
  }

  function actionForm(item, a, done) {
    const status = el('div', { class: 'act-status', role: 'status' });
    const submit = el('button', { type: 'submit', class: `${a.secondary ? 'btn-secondary' : 'btn-primary'} act-submit` }, t(a.submitKey));
    const form = el('form', { class: `act-form act-${a.name}`, dataset: { action: a.name } }, a.fields(), el('div', { class: 'act-row' }, submit, status));
    const id = `${item.kind}|${item.id}|${a.name}`;
    const ready = () => {
      submit.textContent = t(a.submitKey);
      submit.disabled = false;
    };
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = a.body(form.elements);
      let w = pending.get(id);
      if (!w || JSON.stringify(w.body) !== JSON.stringify(body)) {
        if (w) w.discard(); // edited: the refused write gives way to this one
        w = new Write('POST', a.url, body, { label: labelOf(item, a, form.elements) });
        pending.set(id, w);
      }
      submit.disabled = true;
      form.dataset.state = 'saving';
      status.className = 'act-status';
      status.textContent = t('act.saving');
      try {
        // Held on the device with an undo (outboxview.js), then sent; the
        // answer may come much later (offline, login expired).
        const answer = await w.send({
          onHeld: () => {
            form.dataset.state = 'held';
            status.className = 'act-status act-ok';
            status.textContent = t('act.held');
          },
        });
        pending.delete(id);
        form.dataset.state = 'saved';
        status.textContent = '';
        if (a.keep) {
          form.reset();
          status.className = 'act-status act-ok';
          status.textContent = t(a.keep);
          ready();
        }
        done(item, a.name, answer);
      } catch (err) {
        if (isUndone(err)) {
          // Taken back before it was sent: the form as it was, to correct.
          pending.delete(id);
          form.dataset.state = 'undone';
          status.className = 'act-status';
          status.textContent = t('act.undone');
          ready();
          return;
        }
        form.dataset.state = 'failed';
        status.className = 'act-status act-error';
        status.textContent = `${t('act.failed')}${t('err.sep')}${err.describe ? err.describe() : err.message}`;
        submit.textContent = t('act.retry');
        submit.disabled = false;
      }
    });
    return form;
  }

  // ---- nearest volunteers ----------------------------------------------------

  // The live stream's volunteers layer (volunteers.js), or null before the
  // stream starts (or on a page without one).
  function volunteers() {
    return opts.volunteers ? opts.volunteers() : null;
  }

  function teamColour(team) {
    const v = volunteers();
    return v ? v.teamColour(team) : fallbackColour(team);
  }

  function nearestList(item) {
    const box = el('div', { class: 'near', dataset: { state: 'loading' } }, el('h4', {}, t('near.title')), el('p', { class: 'muted' }, t('near.loading')));
    if (nearCtrl) nearCtrl.abort();
    const ctrl = new AbortController();
    nearCtrl = ctrl;
    stopFollowing();
    const q = `lon=${item.lon.toFixed(6)}&lat=${item.lat.toFixed(6)}&n=${NEAREST_N}`;
    getJSON(`/api/nearest-volunteers?${q}`, { signal: ctrl.signal })
      .then((d) => {
        if (nearCtrl !== ctrl) return;
        const vols = d && Array.isArray(d.volunteers) ? d.volunteers : [];
        box.dataset.state = 'loaded';
        box.dataset.count = String(vols.length);
        const rows = vols.map((v) =>
          el(
            'li',
            { dataset: { volunteerId: String(v.id) } },
            el(
              'button',
              { type: 'button', class: 'near-item', onclick: () => (volunteers() && volunteers().focusVolunteer(v.id)) || map.flyTo([v.lat, v.lon], Math.max(map.getZoom(), 18)) },
              el('span', { class: 'near-sw', style: `background:${teamColour(v.team_id)}`, 'aria-hidden': 'true' }),
              el('span', { class: 'near-name' }, v.name || t('vol.volunteerN', { id: v.id })),
              el('span', { class: 'near-team' }, v.team || t('near.noTeam')),
              el('span', { class: 'near-dist' }, fmtDistance(v.distance_m))
            )
          )
        );
        box.replaceChildren(el('h4', {}, t('near.title')), rows.length ? el('ol', { class: 'near-list' }, rows) : el('p', { class: 'muted' }, t('near.none')));
        const drawn = vols.map((v) => {
          const style = { pane: 'nearest', color: teamColour(v.team_id), interactive: false };
          return {
            id: v.id,
            line: L.polyline([[item.lat, item.lon], [v.lat, v.lon]], { ...style, weight: 2, dashArray: '4 5', opacity: 0.9 }).addTo(lines),
            // An end point of its own: a volunteer outside the streamed grid
            // has no dot on this map.
            end: L.circleMarker([v.lat, v.lon], { ...style, radius: 4.5, weight: 1.5, color: '#fff', fillColor: teamColour(v.team_id), fillOpacity: 1 }).addTo(lines),
          };
        });
        // The distances are as of the answer; the lines follow the dots.
        followTimer = window.setInterval(() => {
          for (const d of drawn) {
            const p = volunteers() && volunteers().positionOf(d.id);
            if (!p) continue;
            d.line.setLatLngs([[item.lat, item.lon], [p.lat, p.lon]]);
            d.end.setLatLng([p.lat, p.lon]);
          }
        }, FOLLOW_MS);
      })
      .catch((err) => {
        if (isAbort(err) || nearCtrl !== ctrl) return;
        box.dataset.state = 'failed';
        box.replaceChildren(el('h4', {}, t('near.title')), el('p', { class: 'act-error' }, t('near.failed')));
      });
    return box;
  }

  // The detail block under a selected list item: its forms and the nearest
  // volunteers.
  function detailFor(item) {
    const task = opts.taskForm ? opts.taskForm(item) : null;
    return el('div', { class: 'gap-detail', dataset: { kind: item.kind, id: String(item.id) } }, formsFor(item), task, nearestList(item));
  }

  // Nothing selected: abort the lookup, remove the lines.
  function clearDetail() {
    if (nearCtrl) nearCtrl.abort();
    nearCtrl = null;
    stopFollowing();
  }

  function stopFollowing() {
    window.clearInterval(followTimer);
    followTimer = null;
    if (lines) lines.clearLayers();
  }

  return { formsFor, detailFor, clearDetail };
}
