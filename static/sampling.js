// Nucleic-acid sampling sites (核酸采样点) as a Leaflet layer, for the map
// page and the wall. Each site is a badge with a test tube and its queue
// length, blue while open with a short queue, amber from 11 waiting, red
// from 31, grey with a dash while closed; its popup gives the name, hours, whether it
// is open, the queue, people sampled today and in the last hour.
//
// API (keep it small; /wall uses it too):
//
//   import { initSamplingSites } from './sampling.js';
//   const ss = initSamplingSites(map, { grid, lang });
//     grid  optional grid id: the sites of its subtree (default: every site
//           the account may see)
//     lang  optional 'zh-CN' or 'en': fixes the layer's language; without
//           it the layer follows the page's (i18n.js setLang)
//     onChange optional fn(sites): every site's latest state, after each
//           fetch and each event (the wall's counter)
//   ss.refresh()    refetch GET /api/sampling-sites; returns a promise
//   ss.onEvent(msg) hand it every stream event; it acts on topic
//                   'sampling' (subscribe to that topic), whose data is the
//                   site's new state: the marker changes in place, an
//                   unknown site makes it refetch
//   ss.layer        the L.layerGroup, already on the map (remove or re-add
//                   it to hide or show the sites)
//
// The page must load /sampling.css. It refetches every five minutes while
// visible (open now and the last hour's throughput change with time
// alone). Tests read document.body.dataset.samplingSites (loading, loaded,
// failed) and each marker's data-site-id, data-queue and data-open.
'use strict';

import { t, getLang, onLangChange } from './i18n.js';
import { samplingDict } from './i18n-sampling.js';
import { getJSON, isAbort } from './api.js';
import { el } from './ui.js';

const L = window.L;
const POLL_MS = 5 * 60 * 1000;
const DEBOUNCE_MS = 500;

// The queue lengths at which a badge turns amber and red.
const BUSY = 11;
const CROWDED = 31;

// level is the badge's colour class for a site.
function level(s) {
  if (!s.open_now) return 'ss-closed';
  if (s.queue >= CROWDED) return 'ss-crowded';
  if (s.queue >= BUSY) return 'ss-busy';
  return 'ss-ok';
}

// say translates key in the layer's fixed language, or the page's.
function sayer(lang) {
  if (!lang || !samplingDict[lang]) return { t, lang: () => getLang() };
  const fill = (s, vars) => (vars ? s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : s);
  return { t: (key, vars) => fill(samplingDict[lang][key] ?? key, vars), lang: () => lang };
}

export function initSamplingSites(map, { grid = null, lang = null, onChange = null } = {}) {
  const say = sayer(lang);
  const sites = new Map(); // site id -> its latest state
  const markers = new Map(); // site id -> L.marker
  let ctrl = null;
  let debounceTimer = null;

  if (!map.getPane('sampling')) map.createPane('sampling').style.zIndex = '625'; // above checkpoints
  const layer = L.layerGroup([], { pane: 'sampling' }).addTo(map);

  const num = (n) => Number(n).toLocaleString(say.lang());
  const hasQueue = (s) => s.queue !== null && s.queue !== undefined;
  // On the badge: the queue while open; a closed site's last queue is
  // history (the popup still gives it).
  const queueText = (s) => (s.open_now && hasQueue(s) ? num(s.queue) : say.t('ss.none'));
  const timeText = (iso) => {
    const d = iso ? new Date(iso) : null;
    if (!d || Number.isNaN(d.getTime())) return say.t('ss.noReport');
    return d.toLocaleTimeString(say.lang(), { hour: '2-digit', minute: '2-digit', hour12: false });
  };

  function popupContent(s) {
    const row = (key, value, cls) => [el('dt', {}, say.t(key)), el('dd', { class: cls || null }, value)];
    const queue = hasQueue(s) ? say.t('ss.queueValue', { n: num(s.queue) }) : say.t('ss.none');
    return el(
      'div',
      { class: 'sspop', dataset: { siteId: String(s.id) } },
      el('div', { class: 'sspop-name' }, el('span', { class: `ss-dot ${level(s)}`, 'aria-hidden': 'true' }, el('span', { class: 'ss-tube' })), s.name || ''),
      el(
        'dl',
        {},
        row('ss.hours', say.t('ss.hoursValue', { opens: s.opens, closes: s.closes })),
        row('ss.status', say.t(s.open_now ? 'ss.open' : 'ss.closed'), s.open_now ? 'sspop-open' : 'sspop-closed'),
        row('ss.queue', queue, `sspop-queue ${level(s)}`),
        row('ss.testedToday', num(s.tested_today || 0)),
        row('ss.throughput', say.t('ss.throughputValue', { n: num(s.throughput_per_hour || 0) })),
        row('ss.reportedAt', timeText(s.reported_at))
      )
    );
  }

  function icon(s) {
    const html =
      `<span class="ss-badge ${level(s)}"><span class="ss-tube" aria-hidden="true"></span>` +
      `<span class="ss-q">${queueText(s)}</span></span>`;
    return L.divIcon({ className: 'ss-icon', html, iconSize: [0, 0] });
  }

  // mark sets the marker element's attributes tests and styles read.
  function mark(m, s) {
    const node = m.getElement();
    if (!node) return;
    node.dataset.siteId = String(s.id);
    node.dataset.queue = hasQueue(s) ? String(s.queue) : '';
    node.dataset.open = s.open_now ? 'true' : 'false';
    node.title = say.t('ss.title', { name: s.name, queue: queueText(s) });
  }

  // put draws site s, or redraws its marker in place.
  function put(s) {
    if (!Number.isFinite(s.lon) || !Number.isFinite(s.lat)) return;
    sites.set(s.id, s);
    let m = markers.get(s.id);
    if (!m) {
      m = L.marker([s.lat, s.lon], { icon: icon(s), pane: 'sampling', keyboard: true, riseOnHover: true });
      m.bindPopup(() => popupContent(sites.get(s.id)), { className: 'sampling-popup', maxWidth: 280, offset: [0, -30], autoPanPadding: [24, 24] });
      m.on('add', () => mark(m, sites.get(s.id)));
      markers.set(s.id, m);
      layer.addLayer(m);
      return;
    }
    m.setLatLng([s.lat, s.lon]);
    m.setIcon(icon(s)); // keeps the popup open; setIcon re-creates the element
    mark(m, s);
    if (m.isPopupOpen()) m.setPopupContent(popupContent(s));
  }

  function redraw() {
    for (const s of sites.values()) put(s);
  }

  function changed() {
    if (onChange) onChange([...sites.values()]);
  }

  async function refresh() {
    if (ctrl) ctrl.abort();
    const mine = new AbortController();
    ctrl = mine;
    document.body.dataset.samplingSites = 'loading';
    try {
      const q = grid ? `?grid=${encodeURIComponent(grid)}` : '';
      const d = await getJSON(`/api/sampling-sites${q}`, { signal: mine.signal });
      if (ctrl !== mine) return;
      const list = d && Array.isArray(d.sites) ? d.sites : [];
      const seen = new Set(list.map((s) => s.id));
      for (const [id, m] of markers) {
        if (!seen.has(id)) {
          layer.removeLayer(m);
          markers.delete(id);
          sites.delete(id);
        }
      }
      list.forEach(put);
      document.body.dataset.samplingSites = 'loaded';
      changed();
    } catch (err) {
      if (isAbort(err) || ctrl !== mine) return;
      // The sites are extra: the map works without them, so no error bar.
      console.warn('gridmap: sampling sites', err);
      document.body.dataset.samplingSites = 'failed';
    }
  }

  // A stream event: a report's new state of a site, drawn at once.
  function onEvent(msg) {
    if (!msg || msg.topic !== 'sampling' || !msg.data) return;
    const s = msg.data;
    if (sites.has(s.id)) {
      put(s);
      changed();
      return;
    }
    // A site this layer has not drawn (new, or of another subtree, which
    // the refetch leaves out).
    window.clearTimeout(debounceTimer);
    debounceTimer = window.setTimeout(refresh, DEBOUNCE_MS);
  }

  if (!lang) onLangChange(redraw);
  window.setInterval(() => {
    if (document.visibilityState === 'visible') refresh();
  }, POLL_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') refresh();
  });
  refresh();
  return { refresh, onEvent, layer };
}
