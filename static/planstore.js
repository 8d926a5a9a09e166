// The planner's page keeps all its state in this one store (STYLE.md 19).
// Parts of the page subscribe to the keys they draw from and redraw when
// one of them changes; nothing else holds page state.
'use strict';

const initial = {
  user: null, // the /api/me answer
  tree: null, // /api/tree roots, for the new-draft form and names
  drafts: null, // the caller's open drafts, null while loading
  draft: null, // the open draft document (docs/PLAN.md)
  selected: [], // ids of the selected draft grids (two when merging)
  tool: 'select', // select | edit | draw | split | merge
  busy: false, // an operation is on its way to the server
  impact: null, // the impact of the open draft, at impactRevision
  impactRevision: null,
  impactState: 'idle', // idle | loading | loaded | failed
  published: null, // {publication_id, root_id, grids} after a publish
  acknowledged: [], // warning codes the planner ticked for the publish
  conflict: null, // {grids, message} after a publish refused with 409
  net: 'ok', // ok | down (the server could not be reached)
  foreign: null, // a boundaries event from someone else touching the root
  focusProblem: null, // index of the problem last picked in the list
  // 发布记录 / History (planhistory.js)
  publications: null, // GET /api/publications, newest first; null while loading
  pubsFull: true, // the list reaches back to the first publication (the seed)
  pubsShown: 6, // how many of them the card lists
  view: null, // the map shows history instead of the editor: {mode: 'compare'|'asof', pubId, prevId, state, ...}
  histResult: null, // {pubId, kind: 'ok'|'conflict'|'nochange', ...} after a rollback
  ownPubs: [], // publications this page made by rolling back (not someone else's)
};

function createStore(init) {
  let state = { ...init };
  const listeners = [];
  return {
    get: () => state,
    // set merges patch into the state and calls the listeners of the keys
    // whose values changed (by identity).
    set(patch) {
      const changed = Object.keys(patch).filter((k) => state[k] !== patch[k]);
      if (!changed.length) return;
      state = { ...state, ...patch };
      for (const l of listeners) {
        if (!l.keys || l.keys.some((k) => changed.includes(k))) l.fn(state, changed);
      }
    },
    // on(keys, fn): fn(state, changedKeys) after a change of any of keys
    // (every change when keys is null).
    on(keys, fn) {
      listeners.push({ keys, fn });
    },
  };
}

export const store = createStore(initial);

// Draft grids by id (features of the open draft).
export function draftGrids(state = store.get()) {
  const d = state.draft;
  const out = new Map();
  if (!d || !d.grids || !Array.isArray(d.grids.features)) return out;
  for (const f of d.grids.features) {
    const p = f.properties || {};
    out.set(Number(p.id ?? f.id), f);
  }
  return out;
}

// The name of a grid for messages: a draft grid, the root, or the tree.
export function gridName(id, state = store.get()) {
  const n = Number(id);
  const f = draftGrids(state).get(n);
  if (f) return f.properties.name || `#${n}`;
  const d = state.draft;
  if (d && d.root && Number(d.root.properties.id ?? d.root.id) === n) return d.root.properties.name;
  const node = treeNode(n, state);
  return node ? node.name : `#${n}`;
}

// A node of the hierarchy by id, or null.
export function treeNode(id, state = store.get()) {
  let found = null;
  const walk = (nodes) => {
    for (const node of nodes || []) {
      if (found) return;
      if (node.id === id) found = node;
      else walk(node.children);
    }
  };
  walk(state.tree);
  return found;
}
