// The gaps of a grid (GET /api/grids/{id}/gaps, docs/FIELD.md) and its
// gate checkpoints (GET /api/grids/{id}/checkpoints) as one model for the
// list and the map: per kind, groups that share a map marker (a building,
// or one place), each with its list items.
'use strict';

// Tab order: the daily screening and the alarms first, the rarer kinds
// after. Checkpoints are not gaps but their duty is watched the same way.
export const KINDS = ['unscreened', 'fever', 'seal', 'quarantined', 'checkpoints', 'overdue', 'requests', 'noHead', 'noContact'];

// Which list of the API answer each kind reads.
export const SOURCE = {
  unscreened: 'unscreened',
  noContact: 'without_contact',
  noHead: 'buildings_without_head',
  overdue: 'overdue_visits',
  requests: 'open_requests',
  quarantined: 'quarantined',
  fever: 'fever_alerts',
  seal: 'seal_alerts',
};

// Door-seal alert kinds (docs/FIELD.md), for the page's own checks.
export const SEAL_KINDS = ['seal_opened', 'seal_tampered', 'seal_offline'];

// Natural order: 2号楼 before 10号楼, room 602 before 1401.
const collator = new Intl.Collator('zh-CN', { numeric: true });

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function pointKey(lon, lat) {
  return `p${lon.toFixed(6)},${lat.toFixed(6)}`;
}

// Households grouped by building (unscreened, without_contact).
function byBuilding(kind, list) {
  const groups = [];
  for (const g of list || []) {
    const b = g && g.building;
    if (!b || num(b.lon) === null || num(b.lat) === null) continue;
    const key = `b${b.id}`;
    const items = (g.households || []).map((h) => ({
      kind,
      key,
      id: h.id,
      householdId: h.id,
      buildingId: b.id,
      building: b.name || '',
      unit: h.unit || '',
      room: h.room || '',
      lon: b.lon,
      lat: b.lat,
      raw: h,
    }));
    items.sort((x, y) => collator.compare(x.unit, y.unit) || collator.compare(x.room, y.room));
    groups.push({ kind, key, lon: b.lon, lat: b.lat, title: b.name || '', buildingId: b.id, items });
  }
  return groups;
}

// Items at points; items at the same place share a group (one marker).
function byPoint(kind, list, fields) {
  const groups = new Map();
  for (const raw of list || []) {
    if (!raw || num(raw.lon) === null || num(raw.lat) === null) continue;
    const key = pointKey(raw.lon, raw.lat);
    let g = groups.get(key);
    if (!g) {
      g = { kind, key, lon: raw.lon, lat: raw.lat, title: '', buildingId: raw.building_id ?? null, items: [] };
      groups.set(key, g);
    }
    g.items.push({ kind, key, id: raw.id, lon: raw.lon, lat: raw.lat, raw, ...fields(raw) });
  }
  return [...groups.values()];
}

function byName(a, b) {
  return collator.compare(a.title, b.title);
}

// Checkpoints, one group each (two at one gate are still two posts): the
// ones nobody is on duty at first, then by name.
function checkpointGroups(list) {
  const groups = [];
  for (const c of list || []) {
    if (!c || num(c.lon) === null || num(c.lat) === null) continue;
    const key = `c${c.id}`;
    const item = { kind: 'checkpoints', key, id: c.id, lon: c.lon, lat: c.lat, onDuty: !!c.on_duty, rev: String(!!c.on_duty), raw: c };
    groups.push({ kind: 'checkpoints', key, lon: c.lon, lat: c.lat, title: c.name || '', buildingId: null, onDuty: !!c.on_duty, items: [item] });
  }
  return groups.sort((a, b) => Number(a.onDuty) - Number(b.onDuty) || byName(a, b) || a.items[0].id - b.items[0].id);
}

// Build the model from the gaps and the checkpoints (either may be null
// while loading): {day, truncated, kinds: {kind: {groups, total, alarm, more}},
// addresses, seals, checkpoints}. alarm is what needs doing: every item,
// except for checkpoints, where it is the posts nobody is on duty at.
export function gapModel(gaps, checkpoints) {
  const d = gaps || {};
  const truncated = !!d.truncated;
  const out = {};
  out.unscreened = byBuilding('unscreened', d.unscreened).sort(byName);
  out.noContact = byBuilding('noContact', d.without_contact).sort(byName);
  out.noHead = (d.buildings_without_head || [])
    .slice()
    .sort((a, b) => collator.compare(a.name || '', b.name || ''))
    .filter((b) => b && num(b.lon) !== null && num(b.lat) !== null)
    .map((b) => {
      const key = `b${b.id}`;
      return {
        kind: 'noHead',
        key,
        lon: b.lon,
        lat: b.lat,
        title: b.name || '',
        buildingId: b.id,
        items: [{ kind: 'noHead', key, id: b.id, buildingId: b.id, building: b.name || '', lon: b.lon, lat: b.lat, raw: b }],
      };
    });
  out.overdue = byPoint('overdue', d.overdue_visits, (r) => ({ householdId: r.household_id, buildingId: r.building_id }));
  out.requests = byPoint('requests', d.open_requests, (r) => ({ buildingId: r.building_id, building: r.building || '' }));
  out.quarantined = byPoint('quarantined', d.quarantined, (r) => ({
    householdId: r.household_id,
    buildingId: r.building_id,
    unit: r.unit || '',
    room: r.room || '',
  }));
  out.fever = byPoint('fever', d.fever_alerts, (r) => ({ householdId: r.household_id }));
  out.seal = byPoint('seal', d.seal_alerts, (r) => ({ householdId: r.household_id }));
  const cps = checkpoints && Array.isArray(checkpoints.checkpoints) ? checkpoints.checkpoints : [];
  out.checkpoints = checkpointGroups(cps);
  // Addresses of the households the lists name, for items that carry
  // only a household id (fever and seal alerts); the seal each quarantined
  // household wears; checkpoint names for alerts raised at a gate.
  const addresses = new Map();
  for (const k of ['unscreened', 'noContact', 'quarantined']) {
    for (const g of out[k]) for (const it of g.items) if (it.householdId) addresses.set(it.householdId, it);
  }
  const seals = new Map();
  for (const q of d.quarantined || []) if (q && q.seal_id) seals.set(q.household_id, q.seal_id);
  const names = new Map(cps.map((c) => [c.id, c.name]));
  const model = { day: d.day || '', truncated, kinds: {}, addresses, seals, checkpoints: names, checkpointsLoaded: !!checkpoints };
  for (const k of KINDS) {
    const groups = out[k];
    const total = groups.reduce((n, g) => n + g.items.length, 0);
    const alarm = k === 'checkpoints' ? groups.filter((g) => !g.onDuty).length : total;
    // more: the list goes on past what is shown (loadMore fetches it).
    model.kinds[k] = { groups, total, alarm, more: !!(d.next && d.next[SOURCE[k]]) };
  }
  return model;
}

export function findGroup(model, kind, key) {
  const k = model && model.kinds[kind];
  return (k && k.groups.find((g) => g.key === key)) || null;
}

export function findItem(model, kind, key, id) {
  const g = findGroup(model, kind, key);
  return (g && g.items.find((it) => String(it.id) === String(id))) || null;
}
