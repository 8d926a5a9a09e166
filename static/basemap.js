// Base maps: which one a page draws (the address's ?base=, else the
// server's default from /api/config), its tile layers, the picker, and the
// map's coordinate reference system. Leaflet is the global L.
//
// GCJ-02 (AMap) is handled in one place, the CRS: the map projects every
// latitude/longitude through wgsToGcj before Web Mercator, and unprojects
// through gcjToWgs. So every overlay of every page (grids, buildings,
// checkpoints, volunteers, trails, popups) stays in WGS-84 in the code and
// is drawn on the right street of a GCJ-02 map, and a click's latlng comes
// back in WGS-84 before anything sends it to the API.
'use strict';

import { t, onLangChange } from './i18n.js';
import { el, showNotice, hideNotice } from './ui.js';
import { wgsToGcj, gcjToWgs } from './gcj02.js';

const L = window.L;
const PARAM = 'base';
const GCJ = 'gcj02';
const TILE_FAILS_BEFORE_FALLBACK = 4;

// requestedBase is the base map the address names, or ''.
function requestedBase() {
  return new URLSearchParams(window.location.search).get(PARAM) || '';
}

// datumOf is the datum a base map id is drawn in, known before the config
// arrives (the map needs its CRS when it is made): only AMap is GCJ-02.
function datumOf(id) {
  return id === 'amap' ? GCJ : 'wgs84';
}

const gcjCRS = L.extend({}, L.CRS.EPSG3857, {
  code: 'GCJ02',
  projection: {
    bounds: L.Projection.SphericalMercator.bounds,
    project(ll) {
      const [lon, lat] = wgsToGcj(ll.lng, ll.lat);
      return L.Projection.SphericalMercator.project(L.latLng(lat, lon));
    },
    unproject(p) {
      const g = L.Projection.SphericalMercator.unproject(p);
      const [lon, lat] = gcjToWgs(g.lng, g.lat);
      return L.latLng(lat, lon);
    },
  },
});

// initialCRS is the CRS of a map made on this page: GCJ-02 when the
// address asks for AMap, else Leaflet's Web Mercator.
export function initialCRS() {
  return datumOf(requestedBase()) === GCJ ? gcjCRS : L.CRS.EPSG3857;
}

// sourcesOf lists the base maps the page can draw: the server's list
// without vector tiles (served for other clients; Leaflet draws rasters),
// or, from a server that predates the list, its tile URL and none.
function sourcesOf(config) {
  const none = { id: 'none', datum: 'wgs84', tiles: [] };
  if (config && Array.isArray(config.basemaps)) {
    const usable = config.basemaps.filter((s) => s && s.id && !(s.id === 'offline' && s.format === 'pbf'));
    return usable.some((s) => s.id === 'none') ? usable : [...usable, none];
  }
  if (config && config.tile_url) {
    return [{ id: 'osm', datum: 'wgs84', tiles: [config.tile_url], attribution: config.tile_attribution || '', max_zoom: 19 }, none];
  }
  return [none];
}

// go reloads the page on base map id: a change of datum changes the CRS,
// which Leaflet fixes when the map is made.
function go(id) {
  const u = new URL(window.location.href);
  u.searchParams.set(PARAM, id);
  window.location.replace(u.toString());
}

// remember puts the choice in the address, so a reload or a shared link
// keeps it.
function remember(id) {
  const u = new URL(window.location.href);
  u.searchParams.set(PARAM, id);
  history.replaceState(history.state, '', u.toString());
}

function tileLayers(s) {
  const b = s.bounds;
  return (s.tiles || []).map((url, i) =>
    L.tileLayer(url, {
      subdomains: s.subdomains || 'abc',
      attribution: i === 0 ? s.attribution || '' : '',
      minZoom: s.id === 'offline' ? s.min_zoom || 0 : 0,
      maxNativeZoom: s.max_zoom || 18,
      maxZoom: 20,
      bounds: b ? L.latLngBounds([b[1], b[0]], [b[3], b[2]]) : undefined,
      zIndex: i + 1,
      className: `basemap-${s.id}`,
    })
  );
}

// setupBaseMap draws the chosen base map on map and adds the picker when
// there is a choice. Online tiles that keep failing before any loads give
// way to the plain background with a notice.
export function setupBaseMap(map, config) {
  const sources = sourcesOf(config);
  const has = (id) => sources.some((s) => s.id === id);
  const def = config && config.default_basemap;
  // A vector offline file the page cannot draw leaves it plain, never online.
  const fallback = has(def) ? def : def === 'offline' ? 'none' : sources[0].id;
  const asked = requestedBase();
  const start = has(asked) ? asked : fallback;
  const pageGCJ = map.options.crs === gcjCRS;
  if ((datumOf(start) === GCJ) !== pageGCJ) {
    go(start);
    return;
  }
  let layers = [];
  let picker = null;
  const container = map.getContainer();

  const draw = (id) => {
    layers.forEach((l) => l.remove());
    const s = sources.find((x) => x.id === id);
    layers = tileLayers(s);
    let errors = 0;
    let loaded = false;
    for (const l of layers) {
      l.on('tileload', () => (loaded = true));
      l.on('tileerror', () => {
        if (loaded || ++errors !== TILE_FAILS_BEFORE_FALLBACK) return;
        layers.forEach((x) => x.remove());
        container.classList.add('plain-bg');
        showNotice('tiles', 'notice.tilesFailed');
      });
      l.addTo(map);
    }
    hideNotice('tiles');
    container.classList.toggle('plain-bg', layers.length === 0);
    container.dataset.basemap = id;
    if (picker) picker.update(id);
  };
  const pick = (id) => {
    if ((datumOf(id) === GCJ) !== pageGCJ) {
      go(id);
      return;
    }
    remember(id);
    draw(id);
  };
  if (sources.length > 1) {
    picker = new Picker({ position: 'topleft', ids: sources.map((s) => s.id), onPick: pick });
    picker.addTo(map);
  }
  draw(start);
}

// Picker is the base-map control: a small select, which a phone shows
// as its own list.
const Picker = L.Control.extend({
  onAdd() {
    const box = L.DomUtil.create('div', 'leaflet-bar basemap-picker');
    box.id = 'basemap-picker';
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    this._select = el('select', { id: 'basemap-select', onchange: (ev) => this.options.onPick(ev.target.value) });
    box.append(this._select);
    this._box = box;
    this._render();
    onLangChange(() => this._render());
    return box;
  },
  update(id) {
    this._id = id;
    this._select.value = id;
  },
  _render() {
    this._box.title = t('basemap.title');
    this._select.setAttribute('aria-label', t('basemap.title'));
    this._select.replaceChildren(...this.options.ids.map((id) => el('option', { value: id }, t(`basemap.${id}`))));
    if (this._id) this._select.value = this._id;
  },
});
