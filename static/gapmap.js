// Gap markers on the grid leader's map: one marker per group of the gap
// model (gaps.js), a distinct style per kind, placed around the building
// point at a fixed offset per kind so kinds at one building do not cover
// each other. Gate checkpoints stand at their own points, green while
// someone is on duty and grey when nobody is. A legend explains them and
// switches kinds on and off; the kind of the open tab is always shown and
// drawn on top.
'use strict';

import { t, fmtNumber, onLangChange } from './i18n.js';
import { el } from './ui.js';
import { KINDS } from './gaps.js';

const L = window.L;

// Offset of each kind's marker from its point, in pixels.
const OFFSET = {
  noHead: [0, 0],
  unscreened: [0, -17],
  noContact: [0, 17],
  overdue: [-21, -6],
  requests: [21, -6],
  quarantined: [-19, 14],
  fever: [19, 14],
  // Beside the quarantine it belongs to, outside the ring.
  seal: [-43, 14],
  checkpoints: [0, 0],
};
const COUNTED = new Set(['unscreened', 'noContact']);
const GLYPH = {
  overdue: 'glyph.overdue',
  requests: 'glyph.requests',
  quarantined: 'glyph.quarantined',
  fever: 'glyph.fever',
  seal: 'glyph.seal',
  checkpoints: 'glyph.checkpoint',
};
const LEGEND_KEY = {
  unscreened: 'legend.gapUnscreened',
  noContact: 'legend.gapNoContact',
  noHead: 'legend.gapNoHead',
  overdue: 'legend.gapOverdue',
  requests: 'legend.gapRequests',
  quarantined: 'legend.gapQuarantined',
  fever: 'legend.gapFever',
  seal: 'legend.gapSeal',
  checkpoints: 'legend.checkpoints',
};

function label(g) {
  if (COUNTED.has(g.kind)) return String(g.items.length > 999 ? '999+' : g.items.length);
  if (GLYPH[g.kind]) return g.items.length > 1 ? `${t(GLYPH[g.kind])}${g.items.length}` : t(GLYPH[g.kind]);
  return '';
}

// The duty class of a checkpoint marker, list dot or legend sample.
export function dutyClass(onDuty) {
  return onDuty ? 'cp-on' : 'cp-off';
}

// A checkpoint's hover text: name, duty, today's counts.
function checkpointTitle(c) {
  return [
    c.name,
    t(c.on_duty ? 'cp.onDuty' : 'cp.offDuty'),
    t('cp.countsLine', { scans: fmtNumber(c.scans || 0), temps: fmtNumber(c.temperatures || 0), fevers: fmtNumber(c.fevers || 0) }),
  ];
}

// The gap markers and their legend on map; onPick(kind, key) when a marker
// is clicked. Returns what the page calls: setGaps(model), showOnlyActive(),
// setActiveKind(kind), selectMarker(kind, key, {fly}).
export function initGapMap(map, { onPick }) {
  let model = null;
  let activeKind = 'unscreened';
  let selected = null; // {kind, key}
  const hidden = new Set(['noContact']); // kinds switched off in the legend
  const layers = new Map(); // kind -> L.layerGroup
  const markers = new Map(); // `${kind}|${key}` -> L.marker

  function makeMarker(g) {
    const [dx, dy] = OFFSET[g.kind];
    const duty = g.kind === 'checkpoints' ? ` ${dutyClass(g.onDuty)}` : '';
    const html = `<span class="gap-mk gap-${g.kind}${duty}" style="margin-left:${dx}px;margin-top:${dy}px"></span>`;
    const icon = L.divIcon({ className: 'gap-icon', html, iconSize: [0, 0] });
    const m = L.marker([g.lat, g.lon], { icon, pane: 'gaps', keyboard: true, riseOnHover: true });
    m.on('click', () => onPick && onPick(g.kind, g.key));
    m.on('add', () => decorate(m, g));
    return m;
  }

  // Text and data attributes, set whenever the marker's element exists.
  function decorate(m, g) {
    const node = m.getElement();
    if (!node) return;
    const span = node.firstChild;
    span.textContent = label(g);
    span.classList.toggle('gap-wide', span.textContent.length > 2);
    node.dataset.kind = g.kind;
    node.dataset.key = g.key;
    node.dataset.count = String(g.items.length);
    if (g.kind === 'checkpoints') node.dataset.duty = g.onDuty ? 'on' : 'off';
    node.title = (g.kind === 'checkpoints' ? checkpointTitle(g.items[0].raw) : [g.title, t(`gap.${g.kind}`), COUNTED.has(g.kind) ? t('gap.householdsN', { n: g.items.length }) : ''])
      .filter(Boolean)
      .join(' · ');
    node.setAttribute('aria-label', node.title);
    node.classList.toggle('is-selected', !!selected && selected.kind === g.kind && selected.key === g.key);
    node.classList.toggle('is-active-kind', g.kind === activeKind);
  }

  // Draw the model, replacing what was drawn.
  function setGaps(m) {
    model = m;
    for (const layer of layers.values()) layer.clearLayers();
    markers.clear();
    for (const k of KINDS) {
      for (const g of m.kinds[k].groups) {
        const mk = makeMarker(g);
        mk.setZIndexOffset(k === activeKind ? 1000 : 0);
        markers.set(`${k}|${g.key}`, mk);
        layers.get(k).addLayer(mk);
      }
    }
    applyVisibility();
  }

  function applyVisibility() {
    for (const [k, layer] of layers) {
      const on = k === activeKind || !hidden.has(k);
      if (on && !map.hasLayer(layer)) layer.addTo(map);
      if (!on && map.hasLayer(layer)) layer.remove();
    }
    map.getContainer().dataset.activeKind = activeKind;
  }

  // Show only the open tab's kind until the legend switches others on: a
  // community or subdistrict has too many gaps to show every kind at once.
  function showOnlyActive() {
    for (const k of KINDS) hidden.add(k);
    if (legend) legend._render();
    applyVisibility();
  }

  function setActiveKind(kind) {
    activeKind = kind;
    if (legend) legend._render();
    for (const [id, mk] of markers) {
      const k = id.slice(0, id.indexOf('|'));
      mk.setZIndexOffset(k === kind ? 1000 : 0);
      const node = mk.getElement();
      if (node) node.classList.toggle('is-active-kind', k === kind);
    }
    applyVisibility();
  }

  // Highlight one marker (null: none) and optionally fly to it.
  function selectMarker(kind, key, { fly = false } = {}) {
    selected = kind ? { kind, key } : null;
    for (const [id, mk] of markers) {
      const node = mk.getElement();
      const on = !!selected && id === `${kind}|${key}`;
      if (node) node.classList.toggle('is-selected', on);
      if (on) mk.setZIndexOffset(2000);
      else mk.setZIndexOffset(id.startsWith(`${activeKind}|`) ? 1000 : 0);
    }
    const mk = selected && markers.get(`${kind}|${key}`);
    if (mk && fly) map.flyTo(mk.getLatLng(), Math.max(map.getZoom(), 18), { duration: 0.6 });
  }

  const GapLegend = L.Control.extend({
    onAdd() {
      const box = L.DomUtil.create('details', 'legend gap-legend');
      box.id = 'legend';
      // Open only where it leaves the map room: the gap tabs beside the map
      // carry the same colours and names.
      box.open = this._map.getSize().x >= 1000;
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      this._box = box;
      this._render();
      onLangChange(() => this._render());
      return box;
    },
    _render() {
      const sample = (k, extra = '') => {
        const s = el('span', { class: `gap-mk gap-${k} gap-sample${extra}`, 'aria-hidden': 'true' });
        s.textContent = COUNTED.has(k) ? '12' : GLYPH[k] ? t(GLYPH[k]) : '';
        return s;
      };
      // Checkpoints: both colours, on duty and nobody on duty.
      const samples = (k) =>
        k === 'checkpoints'
          ? el('span', { class: 'gap-sample-box gap-sample-pair' }, sample(k, ` ${dutyClass(true)}`), sample(k, ` ${dutyClass(false)}`))
          : el('span', { class: 'gap-sample-box' }, sample(k));
      const items = KINDS.map((k) =>
        el(
          'li',
          { dataset: { kind: k } },
          el(
            'label',
            {},
            el('input', {
              type: 'checkbox',
              // The open tab's kind is always shown.
              checked: !hidden.has(k) || k === activeKind,
              disabled: k === activeKind,
              onchange: (ev) => {
                if (ev.target.checked) hidden.delete(k);
                else hidden.add(k);
                applyVisibility();
              },
            }),
            samples(k),
            t(LEGEND_KEY[k])
          )
        )
      );
      this._box.replaceChildren(
        el('summary', {}, t('legend.title')),
        el('ul', {}, items, el('li', { class: 'legend-vol' }, el('span', { class: 'sw sw-vol', 'aria-hidden': 'true' }), t('legend.volunteers')))
      );
    },
  });

  // Above the grid labels (tooltip pane, 650): a gap matters more than a name.
  map.createPane('gaps').style.zIndex = '660';
  for (const k of KINDS) layers.set(k, L.layerGroup([], { pane: 'gaps' }));
  // Top right: the map's corner farthest from the zoom buttons and toasts.
  const legend = new GapLegend({ position: 'topright' });
  legend.addTo(map);
  onLangChange(() => {
    if (model) setGaps(model);
  });
  return { setGaps, showOnlyActive, setActiveKind, selectMarker };
}
