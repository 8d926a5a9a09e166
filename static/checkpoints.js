// Gate checkpoints on the main map: while a community or compound grid is
// in the panel, its checkpoints (GET /api/grids/{id}/checkpoints) as small
// flags, green while someone is on duty and grey when nobody is, each with
// a popup of today's counts. A subdistrict shows none: at that scale they
// would only clutter the map. They are fetched again after an alert in the
// grid (fevers counted at a gate raise one) and every minute while shown,
// since the main map does not take the screening topic they change on.
'use strict';

import { t, fmtNumber, getLang, onLangChange } from './i18n.js';
import { getJSON, isAbort } from './api.js';
import { el } from './ui.js';

const L = window.L;
const POLL_MS = 60000;
const DEBOUNCE_MS = 500;

function fmtTime(iso) {
  const d = iso ? new Date(iso) : null;
  if (!d || Number.isNaN(d.getTime())) return '';
  const today = new Date().toDateString() === d.toDateString();
  const opt = today ? { hour: '2-digit', minute: '2-digit', hour12: false } : { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false };
  return d.toLocaleString(getLang(), opt);
}

function popupContent(c) {
  const duty = c.on_duty ? (c.duty_since ? t('cp.since', { when: fmtTime(c.duty_since) }) : t('cp.onDuty')) : t('cp.offDuty');
  const row = (key, value, cls) => [el('dt', {}, t(key)), el('dd', { class: cls || null }, value)];
  return el(
    'div',
    { class: 'cpop', dataset: { checkpointId: String(c.id) } },
    el('div', { class: 'cpop-name' }, el('span', { class: `cp-flag ${c.on_duty ? 'cp-on' : 'cp-off'}`, 'aria-hidden': 'true' }, t('glyph.checkpoint')), c.name || ''),
    el(
      'dl',
      {},
      row('cp.status', duty, c.on_duty ? 'cpop-on' : 'cpop-off'),
      row('cp.todayScans', fmtNumber(c.scans || 0)),
      row('cp.todayTemperatures', fmtNumber(c.temperatures || 0)),
      row('cp.todayFevers', fmtNumber(c.fevers || 0), c.fevers > 0 ? 'cpop-fever' : null)
    ),
    el('a', { class: 'cpop-link', href: `/grid/${encodeURIComponent(c.grid)}` }, t('cp.workbench'), ' ›')
  );
}

// The checkpoints layer on map; returns what the page calls:
// show(id, subtree) with a grid (level 2 or 3) or, with null, none (subtree:
// the level-3 grid ids under it, to tell which alerts concern it), and
// onEvent(msg) with a stream event: an alert in the shown grid refetches
// its checkpoints; refresh() after a gap in the stream.
export function initCheckpoints(map) {
  let shown = null; // {id, subtree: Set of level-3 ids} or null
  let list = []; // the checkpoints drawn
  let ctrl = null;
  let pollTimer = null;
  let debounceTimer = null;
  let openId = null; // the checkpoint whose popup is open
  const markers = new Map(); // checkpoint id -> L.marker

  // Above the buildings and volunteers' dots, below the labels and popups.
  map.createPane('checkpoints').style.zIndex = '620';
  const layer = L.layerGroup([], { pane: 'checkpoints' }).addTo(map);
  onLangChange(() => draw());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && shown) load();
  });

  // Show the checkpoints of a grid (level 2 or 3) or, with null, none.
  // subtree: the level-3 grid ids under it, to tell which alerts concern it.
  function showCheckpoints(id, subtree) {
    if (shown && id === shown.id) return;
    shown = id === null ? null : { id, subtree: new Set(subtree || []) };
    list = [];
    draw();
    window.clearInterval(pollTimer);
    pollTimer = null;
    if (ctrl) ctrl.abort();
    if (!shown) {
      document.body.dataset.checkpoints = 'none';
      return;
    }
    load();
    pollTimer = window.setInterval(() => {
      if (document.visibilityState === 'visible') load();
    }, POLL_MS);
  }

  // A stream event: an alert in the shown grid refetches its checkpoints.
  function onCheckpointEvent(msg) {
    if (!shown || msg.topic !== 'alerts') return;
    if (msg.grid && !shown.subtree.has(Number(msg.grid)) && Number(msg.grid) !== shown.id) return;
    window.clearTimeout(debounceTimer);
    debounceTimer = window.setTimeout(load, DEBOUNCE_MS);
  }

  async function load() {
    if (!shown) return;
    const id = shown.id;
    if (ctrl) ctrl.abort();
    const mine = new AbortController();
    ctrl = mine;
    document.body.dataset.checkpoints = 'loading';
    try {
      const d = await getJSON(`/api/grids/${encodeURIComponent(id)}/checkpoints`, { signal: mine.signal });
      if (ctrl !== mine || !shown || shown.id !== id) return;
      list = d && Array.isArray(d.checkpoints) ? d.checkpoints : [];
      draw();
      document.body.dataset.checkpoints = 'loaded';
    } catch (err) {
      if (isAbort(err) || ctrl !== mine) return;
      // Checkpoints are extra: the map works without them, so no error bar.
      console.warn('gridmap: checkpoints', err);
      document.body.dataset.checkpoints = 'failed';
    }
  }

  function draw() {
    if (!layer) return;
    const wasOpen = openId; // clearing the layer closes the popup
    layer.clearLayers();
    markers.clear();
    for (const c of list) {
      if (!Number.isFinite(c.lon) || !Number.isFinite(c.lat)) continue;
      const duty = c.on_duty ? 'cp-on' : 'cp-off';
      const icon = L.divIcon({ className: 'cp-icon', html: `<span class="cp-flag ${duty}"></span>`, iconSize: [0, 0] });
      const m = L.marker([c.lat, c.lon], { icon, pane: 'checkpoints', keyboard: true, riseOnHover: true, title: `${c.name} · ${t(c.on_duty ? 'cp.onDuty' : 'cp.offDuty')}` });
      m.bindPopup(() => popupContent(c), { className: 'checkpoint-popup', maxWidth: 260, offset: [6, -18], autoPanPadding: [24, 24] });
      m.on('popupopen', () => {
        openId = c.id;
      });
      m.on('popupclose', () => {
        if (openId === c.id) openId = null;
      });
      m.on('add', () => {
        const node = m.getElement();
        if (!node) return;
        node.dataset.checkpointId = String(c.id);
        node.dataset.duty = c.on_duty ? 'on' : 'off';
        node.firstChild.textContent = t('glyph.checkpoint');
      });
      markers.set(c.id, m);
      layer.addLayer(m);
    }
    // A refetch keeps the popup that was open, with the new counts.
    const again = wasOpen !== null && markers.get(wasOpen);
    if (again) again.openPopup();
  }

  // After a gap in the stream: alerts may have been lost.
  function refreshCheckpoints() {
    if (shown) load();
  }

  return { show: showCheckpoints, onEvent: onCheckpointEvent, refresh: refreshCheckpoints };
}
