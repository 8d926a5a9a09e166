// The data behind the grid page's gap list and gap map: the grid's gaps
// (GET /api/grids/{id}/gaps) and gate checkpoints (…/checkpoints), joined
// into one model for gaplist.js. Both are refetched once a burst of stream
// events has passed, the newest request's answer winning (and so are the
// lists of records.js, which add themselves); a write done through the
// page takes effect at once, before its event confirms it.
'use strict';

import { getJSON } from './api.js';
import { showError } from './ui.js';
import { gapModel, SOURCE } from './gaps.js';

const REFRESH_MS = 300;

const state = {
  grid: null, // the grid's id
  list: null, // the gap list (what initGapList returned)
  gaps: null, // the last API answer, kept to take done items out at once
  checkpoints: null, // the last GET /api/grids/{id}/checkpoints answer
  model: null,
  refreshSeq: 0,
  checkpointSeq: 0,
  refreshTimer: null,
  refreshWanted: new Set(), // 'gaps', 'checkpoints': what the timer refetches
  pages: new Map(), // API list name -> pages loaded past the first answer (loadMore)
  moreSeq: 0,
};

const PAGE = 2000; // a further page of a long list (the API's most)

// The data of grid id's gap list, which list (what initGapList returned) shows.
export function initGapData(id, list) {
  state.grid = id;
  state.list = list;
}

// Show the model again (building names it lists by have arrived).
export function reshowModel() {
  if (state.model) state.list.setModel(state.model);
}

// The model needs the gaps; the checkpoints join it when they arrive.
function applyModel() {
  if (!state.gaps) return;
  state.model = gapModel(state.gaps, state.checkpoints);
  state.list.setModel(state.model);
}

export function applyGaps(gaps) {
  state.gaps = gaps;
  applyModel();
  document.body.dataset.gapsLoaded = 'true';
}

function applyCheckpoints(cps) {
  state.checkpoints = cps;
  state.list.setCheckpointsFailed(false);
  applyModel();
  document.body.dataset.checkpointsVersion = String(Number(document.body.dataset.checkpointsVersion || 0) + 1);
}

// Refetch the gaps; only the newest request's answer is used, so an
// answer that started before a write cannot bring a done item back.
async function refreshGaps() {
  const seq = ++state.refreshSeq;
  try {
    const gaps = await getJSON(`/api/grids/${state.grid}/gaps`);
    // The pages a leader loaded stay: follow each list as far again.
    for (const [src, n] of state.pages) {
      for (let i = 0; i < n && gaps.next && gaps.next[src]; i++) await follow(gaps, src);
    }
    if (seq === state.refreshSeq) applyGaps(gaps);
  } catch (err) {
    if (seq === state.refreshSeq) showError(err);
  }
}

// follow fetches the next page of list src (an API list name) and adds
// it to gaps: a building whose households go on in the page is joined to
// its entry; gaps.next[src] becomes the cursor after it, or goes.
async function follow(gaps, src) {
  const q = new URLSearchParams({ after: gaps.next[src], limit: String(PAGE) });
  const page = await getJSON(`/api/grids/${state.grid}/gaps/${src}?${q}`);
  const list = gaps[src] || [];
  const items = page.items || [];
  if (src === 'unscreened' || src === 'without_contact') {
    const last = list[list.length - 1];
    if (last && items.length && items[0].building.id === last.building.id) {
      list[list.length - 1] = { ...last, households: [...last.households, ...items.shift().households] };
    }
  }
  gaps[src] = [...list, ...items];
  const after = page.next ? new URL(page.next, window.location.href).searchParams.get('after') : null;
  if (after) gaps.next[src] = after;
  else delete gaps.next[src];
  gaps.truncated = Object.keys(gaps.next).length > 0;
}

// loadMore shows the next page of a gap list (a kind of gaps.js) that
// goes on past what is shown; the refreshes after it keep it.
export async function loadMore(kind) {
  const src = SOURCE[kind];
  const g = state.gaps;
  if (!src || !g || !g.next || !g.next[src]) return;
  const seq = ++state.moreSeq;
  const refresh = state.refreshSeq;
  try {
    const copy = { ...g, next: { ...g.next } };
    await follow(copy, src);
    // A refresh that came meanwhile holds the lists anew: load on that.
    if (seq !== state.moreSeq || refresh !== state.refreshSeq) return;
    state.pages.set(src, (state.pages.get(src) || 0) + 1);
    applyGaps(copy);
  } catch (err) {
    showError(err);
  }
}

// The same for the checkpoints; fetching: a request already under way.
export async function refreshCheckpoints(fetching = null) {
  const seq = ++state.checkpointSeq;
  try {
    const cps = await (fetching || getJSON(`/api/grids/${state.grid}/checkpoints`));
    if (seq === state.checkpointSeq) applyCheckpoints(cps);
  } catch (err) {
    if (seq !== state.checkpointSeq) return;
    if (!state.checkpoints) state.list.setCheckpointsFailed(true);
    showError(err);
  }
}

// What scheduleRefresh can refetch, by name: the gaps and checkpoints
// here, the lists of records.js (ledger, requests, party) once added.
const refreshers = new Map([
  ['gaps', refreshGaps],
  ['checkpoints', () => refreshCheckpoints()],
]);

export function addRefresher(name, fn) {
  refreshers.set(name, fn);
}

// Refetch what changed, once a burst of events has passed. Names nothing
// refetches (a list not on the page) are ignored.
export function scheduleRefresh(what = ['gaps']) {
  for (const w of what) state.refreshWanted.add(w);
  window.clearTimeout(state.refreshTimer);
  state.refreshTimer = window.setTimeout(() => {
    const wanted = state.refreshWanted;
    state.refreshWanted = new Set();
    for (const w of wanted) {
      const fn = refreshers.get(w);
      if (fn) fn();
    }
  }, REFRESH_MS);
}

// A write succeeded: take its item out of the list at once, or for a
// checkpoint show its new state (the stream's event brings the refetch
// that confirms it).
export function onDone(item, action, answer) {
  if (item.kind === 'followup') return; // a call back changes no gap
  if (item.kind === 'checkpoints') {
    const cps = state.checkpoints;
    if (cps && answer && answer.id === item.id) {
      state.checkpoints = { ...cps, checkpoints: cps.checkpoints.map((c) => (c.id === answer.id ? answer : c)) };
      state.checkpointSeq++; // an answer in flight is older than this write
      applyModel();
    }
    // Fevers counted at the gate raise fever alerts.
    scheduleRefresh(action === 'counts' && answer && answer.fevers !== item.raw.fevers ? ['checkpoints', 'gaps'] : ['checkpoints']);
    return;
  }
  const g = state.gaps;
  if (!g) return;
  if (action === 'screen' && answer && answer.screened === false) {
    state.list.noteAttempt(item.householdId, answer.outcome);
  } else if (item.kind === 'unscreened') {
    g.unscreened = (g.unscreened || [])
      .map((b) => (b.building.id === item.buildingId ? { ...b, households: b.households.filter((h) => h.id !== item.householdId) } : b))
      .filter((b) => b.households.length);
  } else {
    const src = SOURCE[item.kind];
    g[src] = (g[src] || []).filter((x) => x.id !== item.id);
  }
  state.refreshSeq++; // an answer in flight is older than this write
  applyGaps(g);
  scheduleRefresh(['gaps', ...(ALSO_CHANGES[action] || [])]);
}

// The lists of records.js that a write on a gap changes too.
const ALSO_CHANGES = { visit: ['ledger'], close: ['requests'] };
