// The grids as vector tiles (/tiles/grids-N/{z}/{x}/{y}.mvt), for an area
// too large to load as GeoJSON (a city: 50,000 grids). protomaps-leaflet
// draws the tiles on canvas inside Leaflet, so the buildings, checkpoints,
// volunteers and the base map stay the Leaflet layers they are on a
// subdistrict's map, and no WebGL is needed (a wall display's PC and the
// headless browser of the tests may have none).
//
// What is drawn depends on the zoom: the subdistricts' outlines always;
// below zoom 12 the communities are coloured (outlined from zoom 9), from 12
// the compound grids, outlined, too small to tell apart further out. A grid is coloured by a coverage figure its
// tile carries (screened_pct, contact_pct, head_pct). The selected grid has
// a thick outline.
//
// Live: a coverage event names its grid, a boundaries event the grids it
// made and retired. Those ids say which tiles to fetch again: every tile
// loaded here that holds one of them (tiles carry their grids' ids) is
// dropped and the tiles on screen are drawn again, the dropped ones from a
// fresh fetch (the server's ETag answers 304 for an unchanged tile).
'use strict';

import { leafletLayer, PolygonSymbolizer, LineSymbolizer } from 'protomaps-leaflet';
import { colourOf } from './choropleth.js';

// The coverage figures a grid tile carries, as choropleth metrics.
export const TILE_METRICS = ['screened_pct', 'contact_pct', 'head_pct'];

const SOURCES = { 1: 'grids-1', 2: 'grids-2', 3: 'grids-3' };
const FILL_L3_FROM = 12; // grids-3 tiles start at 10, but there a compound grid is a few pixels
const FILL_L2_FROM = 6; // grids-2 tiles start here
const LINE_L2_FROM = 9;
const MAX_DATA_ZOOM = 16; // deeper zooms draw the z16 tile, scaled
const SELECT_COLOR = '#0b4f9c';
const REFETCH_DELAY = 400; // ms: events that come together redraw once

// initVectorGrids adds the grids' tile layer to map. onPick(id, latlng) is
// called with the grid clicked (the deepest level drawn there). dark draws
// the outlines light, for the wall display's dark map.
export function initVectorGrids(map, { onPick, metric: initial = 'screened_pct', dark = false }) {
  const ink = dark ? ['#90a4ae', '#cfd8dc', '#eceff1'] : ['#37474f', '#1f2a36', '#0d1b2a'];
  let metric = TILE_METRICS.includes(initial) ? initial : null;
  let selected = null;
  const stale = new Set(); // grid ids whose tiles are to be fetched again
  let timer = null;

  const fillOf = (props) => {
    if (!metric) return 'rgba(0,0,0,0)';
    return colourOf(metric, props[metric]);
  };
  const fillRule = (level, minzoom, maxzoom) => ({
    dataSource: SOURCES[level],
    dataLayer: SOURCES[level],
    minzoom,
    maxzoom,
    symbolizer: new PolygonSymbolizer({ fill: (z, f) => fillOf(f.props), opacity: 0.72 }),
  });
  const lineRule = (level, color, width, minzoom) => ({
    dataSource: SOURCES[level],
    dataLayer: SOURCES[level],
    minzoom,
    symbolizer: new LineSymbolizer({ color, width, opacity: 0.9 }),
  });
  const selectedRule = (level) => ({
    dataSource: SOURCES[level],
    dataLayer: SOURCES[level],
    filter: (z, f) => f.id === selected || Number(f.props.id) === selected,
    symbolizer: new LineSymbolizer({ color: SELECT_COLOR, width: 4 }),
  });

  const layer = leafletLayer({
    sources: {
      [SOURCES[1]]: { url: '/tiles/grids-1/{z}/{x}/{y}.mvt', maxDataZoom: MAX_DATA_ZOOM, levelDiff: 0 },
      [SOURCES[2]]: { url: '/tiles/grids-2/{z}/{x}/{y}.mvt', maxDataZoom: MAX_DATA_ZOOM, levelDiff: 0 },
      [SOURCES[3]]: { url: '/tiles/grids-3/{z}/{x}/{y}.mvt', maxDataZoom: MAX_DATA_ZOOM, levelDiff: 0 },
    },
    paintRules: [
      fillRule(1, 0, FILL_L2_FROM - 0.001),
      fillRule(2, FILL_L2_FROM, FILL_L3_FROM - 0.001),
      fillRule(3, FILL_L3_FROM, 99),
      lineRule(3, ink[0], 0.6, FILL_L3_FROM),
      lineRule(2, ink[1], 1.2, LINE_L2_FROM),
      lineRule(1, ink[2], 2.4, 0),
      selectedRule(1),
      selectedRule(2),
      selectedRule(3),
    ],
    labelRules: [],
    attribution: '',
    pane: 'l3',
    tileDelay: 0,
    // New tiles are fetched and drawn when a drag stops, not during it:
    // drawing them mid-drag cost 40 of 60 frames a second at city scale
    // (BENCHMARKS.md, the map panning), as Leaflet does on phones anyway.
    updateWhenIdle: true,
  });
  layer.addTo(map);

  // The deepest grid drawn at the point clicked.
  map.on('click', (ev) => {
    const id = gridAt(ev.latlng);
    if (id !== null) onPick(id, ev.latlng);
  });

  function gridAt(latlng) {
    const z = Math.min(Math.round(map.getZoom()), MAX_DATA_ZOOM);
    const levels = z >= FILL_L3_FROM ? [3, 2, 1] : z >= FILL_L2_FROM ? [2, 1] : [1];
    for (const level of levels) {
      const view = layer.views.get(SOURCES[level]);
      const hits = view ? view.tileCache.queryFeatures(latlng.lng, latlng.lat, z, 0) : [];
      const hit = hits.find((p) => p.layerName === SOURCES[level] && p.feature.geomType === 3);
      if (hit) return Number(hit.feature.id ?? hit.feature.props.id);
    }
    return null;
  }

  // Drop every loaded tile holding one of the stale grids, then draw the
  // tiles on screen again: the dropped ones are fetched anew.
  function refetch() {
    timer = null;
    const ids = new Set(stale);
    stale.clear();
    let dropped = 0;
    for (const view of layer.views.values()) {
      const cache = view.tileCache.cache;
      for (const [key, entry] of cache) {
        for (const feats of entry.data.values()) {
          if (feats.some((f) => ids.has(Number(f.props.id ?? f.id)))) {
            cache.delete(key);
            dropped++;
            break;
          }
        }
      }
    }
    const box = map.getContainer();
    box.dataset.tilesDropped = String(Number(box.dataset.tilesDropped || 0) + dropped);
    if (dropped > 0) layer.rerenderTiles();
  }

  function changed(ids) {
    for (const id of ids) if (id) stale.add(Number(id));
    if (timer === null && stale.size) timer = window.setTimeout(refetch, REFETCH_DELAY);
  }

  return {
    layer,
    metrics: TILE_METRICS,
    gridAt,
    // A coverage event: the grid's figures changed.
    onCoverage(f) {
      changed([f && f.grid]);
    },
    // A boundaries event: grids made and retired.
    onBoundaries(b) {
      changed([...((b && b.grids) || []), ...((b && b.retired) || [])]);
    },
    // After a gap in the stream: every tile may be stale.
    reload() {
      for (const view of layer.views.values()) view.tileCache.cache.clear();
      layer.rerenderTiles();
    },
    setMetric(m) {
      metric = TILE_METRICS.includes(m) ? m : null;
      layer.rerenderTiles();
    },
    setSelected(id) {
      selected = id === null || id === undefined ? null : Number(id);
      layer.rerenderTiles();
    },
  };
}
