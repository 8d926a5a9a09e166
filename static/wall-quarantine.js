// Quarantined buildings on the wall's map: one marker per building with
// households under a quarantine active today (from the gaps of the grids,
// GET /api/grids/{id}/gaps `quarantined`), showing how many.
'use strict';

const L = window.L;

export function initQuarantined(map) {
  map.createPane('quarantined').style.zIndex = '615';
  const layer = L.layerGroup([], { pane: 'quarantined' }).addTo(map);

  // set draws the quarantined households given (gaps' `quarantined`).
  function set(list) {
    const byBuilding = new Map();
    for (const q of list) {
      if (!Number.isFinite(q.lon) || !Number.isFinite(q.lat)) continue;
      const b = byBuilding.get(q.building_id) || { lon: q.lon, lat: q.lat, n: 0 };
      b.n += 1;
      byBuilding.set(q.building_id, b);
    }
    layer.clearLayers();
    for (const [id, b] of byBuilding) {
      const icon = L.divIcon({ className: 'wall-q-icon', html: `<span class="wall-q" data-building-id="${Number(id)}">${b.n}</span>`, iconSize: [0, 0] });
      layer.addLayer(L.marker([b.lat, b.lon], { icon, pane: 'quarantined', interactive: false, keyboard: false }));
    }
    document.body.dataset.quarantinedBuildings = String(byBuilding.size);
  }

  return { set };
}
