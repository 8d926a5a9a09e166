// The planner's requests (docs/PLAN.md): drafts, operations, undo/redo,
// impact and publish. Every answer that carries a draft replaces the
// store's draft, and the page redraws from it.
//
// An unreachable server (no answer, or 502/503/504) does not lose work:
// the store's `net` goes to 'down', the page says so, what was typed stays
// in its fields, and the request is sent again once the server answers a
// probe (every few seconds, at once when the browser comes back online or
// the planner presses retry).
'use strict';

import { getJSON, postJSON, request, ApiError } from './api.js';
import { showError, showNotice, hideNotice } from './ui.js';
import { store, draftGrids } from './planstore.js';

const PROBE_MS = 3000;

let probeTimer = null;

export function unavailable(err) {
  return err instanceof ApiError && (err.kind === 'network' || [502, 503, 504].includes(err.status));
}

function isConflict(err) {
  return err instanceof ApiError && err.status === 409;
}

// ---- the server is away ---------------------------------------------------

const waiting = []; // requests to send again, in order, once the server is back

function down(retry) {
  waiting.push(retry);
  if (store.get().net !== 'down') store.set({ net: 'down' });
  if (!probeTimer) probeTimer = window.setTimeout(probe, PROBE_MS);
}

async function probe() {
  window.clearTimeout(probeTimer);
  probeTimer = null;
  try {
    await getJSON('/api/drafts');
  } catch (err) {
    if (unavailable(err)) {
      probeTimer = window.setTimeout(probe, PROBE_MS);
      return;
    }
  }
  store.set({ net: 'ok' });
  const again = waiting.splice(0);
  for (const retry of again) await retry();
}

// retryNow probes at once (the retry button, the browser back online).
export function retryNow() {
  if (store.get().net === 'down') probe();
}

window.addEventListener('online', retryNow);

// run sends a request. While the server cannot be reached the promise
// waits and the request goes again once it can, so a caller (a form that
// keeps what was typed) simply gets its answer later. Other errors throw.
function run(fn) {
  return new Promise((resolve, reject) => {
    const attempt = () =>
      fn().then(resolve, (err) => {
        if (unavailable(err)) down(attempt);
        else reject(err);
      });
    attempt();
  });
}

// ---- hierarchy and drafts ---------------------------------------------------

export async function loadTree() {
  try {
    const t = await run(() => getJSON('/api/tree'));
    if (t) store.set({ tree: t.roots || [] });
  } catch (err) {
    showError(err);
  }
}

export async function loadDrafts() {
  try {
    const d = await run(() => getJSON('/api/drafts'));
    if (d) store.set({ drafts: Array.isArray(d.drafts) ? d.drafts : [] });
  } catch (err) {
    store.set({ drafts: store.get().drafts || [] });
    showError(err);
  }
}

// applyDraft makes a draft answer the open draft; the selection keeps the
// grids that are still there.
export function applyDraft(draft) {
  const s = store.get();
  const same = s.draft && draft && s.draft.id === draft.id;
  const ids = draftGrids({ draft });
  const patch = {
    draft,
    selected: same ? s.selected.filter((id) => ids.has(id)) : [],
    conflict: same ? s.conflict : null,
    published: null,
  };
  if (!same) {
    patch.impact = null;
    patch.impactRevision = null;
    patch.impactState = 'idle';
    patch.foreign = null;
    patch.focusProblem = null;
    patch.tool = 'select';
    patch.acknowledged = [];
  }
  store.set(patch);
  if (draft) history.replaceState(null, '', `#draft=${draft.id}`);
}

export async function openDraft(id) {
  try {
    const d = await run(() => getJSON(`/api/drafts/${encodeURIComponent(id)}`));
    if (d) applyDraft(d);
    return !!d;
  } catch (err) {
    showError(err);
    return false;
  }
}

export function closeDraft() {
  store.set({ draft: null, selected: [], acknowledged: [], tool: 'select', impact: null, impactRevision: null, impactState: 'idle', conflict: null, foreign: null, published: null });
  history.replaceState(null, '', window.location.pathname + window.location.search); // keeps ?base=
  loadDrafts();
}

// createDraft answers the new draft, or throws (the form shows why).
export async function createDraft(rootId, name) {
  const d = await run(() => postJSON('/api/drafts', { root_id: rootId, name }));
  if (!d) return null;
  applyDraft(d);
  loadDrafts();
  return d;
}

export async function discardDraft(id) {
  try {
    const done = await run(async () => {
      await request(`/api/drafts/${encodeURIComponent(id)}`, { method: 'DELETE' });
      return true;
    });
    if (!done) return;
    if (store.get().draft && store.get().draft.id === id) closeDraft();
    else loadDrafts();
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) loadDrafts();
    else showError(err);
  }
}

// ---- operations -----------------------------------------------------------------

// reloadDraft fetches the open draft again (another tab moved it on).
export async function reloadDraft(noticeKey) {
  const d = store.get().draft;
  if (!d) return;
  const ok = await openDraft(d.id);
  if (ok && noticeKey) showNotice('plan-reload', noticeKey);
}

// sendOp posts one operation with the revision last seen. The answer is
// the new draft; a 409 (another tab moved on) reloads the draft. Resolves
// {ok: true} once applied (perhaps after the server came back), else
// {ok: false, error}; the error bar shows the error unless `quiet` (a form
// that shows it itself).
export async function sendOp(op, { quiet = false } = {}) {
  const s = store.get();
  if (!s.draft || s.busy) return { ok: false, error: null };
  const id = s.draft.id;
  store.set({ busy: true });
  hideNotice('plan-reload');
  try {
    const next = await run(() => {
      const d = store.get().draft;
      return postJSON(`/api/drafts/${id}/ops`, { ...op, revision: d ? d.revision : s.draft.revision });
    });
    if (store.get().draft && store.get().draft.id === id) applyDraft(next);
    return { ok: true };
  } catch (err) {
    if (isConflict(err)) {
      await reloadDraft('plan.reloaded');
    } else {
      if (!quiet) showError(err);
      redraw();
    }
    return { ok: false, error: err };
  } finally {
    store.set({ busy: false });
  }
}

// redraw puts the map back to the draft as the server has it (an edit
// the server refused leaves Geoman's shape changed otherwise).
function redraw() {
  const d = store.get().draft;
  if (d) store.set({ draft: { ...d } });
}

async function step(which) {
  const s = store.get();
  if (!s.draft || s.busy) return;
  store.set({ busy: true });
  const id = s.draft.id;
  try {
    const next = await run(() => postJSON(`/api/drafts/${id}/${which}`));
    if (store.get().draft && store.get().draft.id === id) applyDraft(next);
  } catch (err) {
    if (isConflict(err)) await reloadDraft(which === 'undo' ? 'plan.nothingUndo' : 'plan.nothingRedo');
    else showError(err);
  } finally {
    store.set({ busy: false });
  }
}

export function undo() {
  return step('undo');
}

export function redo() {
  return step('redo');
}

// ---- impact and publish ----------------------------------------------------------

export async function loadImpact() {
  const s = store.get();
  if (!s.draft) return;
  const { id, revision } = s.draft;
  store.set({ impactState: 'loading' });
  try {
    const imp = await run(() => getJSON(`/api/drafts/${id}/impact`));
    const now = store.get().draft;
    if (!now || now.id !== id) return;
    store.set({ impact: imp, impactRevision: revision, impactState: 'loaded' });
  } catch (err) {
    store.set({ impactState: 'failed' });
    showError(err);
  }
}

// publish sends the draft. Resolves {ok}, {problems} (422), {conflict}
// (409) or {error}.
export async function publish({ acknowledge, note }) {
  const s = store.get();
  if (!s.draft || s.busy) return { error: true };
  const draft = s.draft;
  store.set({ busy: true, conflict: null });
  try {
    const res = await run(() => postJSON(`/api/drafts/${draft.id}/publish`, { revision: draft.revision, acknowledge, note }));
    store.set({ published: { ...res, root_id: draft.root_id, draft_id: draft.id } });
    loadDrafts();
    loadPublications();
    return { ok: res };
  } catch (err) {
    const data = err instanceof ApiError ? err.data || {} : {};
    if (isConflict(err)) {
      if (Array.isArray(data.grids) && data.grids.length) {
        store.set({ conflict: { grids: data.grids, message: err.text() } });
        return { conflict: true };
      }
      await reloadDraft('plan.reloaded');
      return { error: true };
    }
    if (err instanceof ApiError && err.status === 422 && Array.isArray(data.problems)) {
      // The server found what blocks publishing: show it as validation.
      const v = validationOf(data.problems);
      store.set({ draft: { ...draft, validation: v } });
      showError(err);
      return { problems: true };
    }
    showError(err);
    return { error: true };
  } finally {
    store.set({ busy: false });
  }
}

function validationOf(problems) {
  const errors = problems.filter((p) => p.severity === 'error').length;
  return { ok: errors === 0, errors, warnings: problems.length - errors, problems };
}

// ---- publication history ---------------------------------------------------------

const PUBS_LIMIT = 200; // the server lists at most this many

export async function loadPublications() {
  try {
    const r = await run(() => getJSON('/api/publications'));
    const list = r && Array.isArray(r.publications) ? r.publications : [];
    store.set({ publications: list, pubsFull: list.length < PUBS_LIMIT });
  } catch (err) {
    if (store.get().publications === null) store.set({ publications: [] });
    showError(err);
  }
}

// comparePublications answers what changed from publication `from` to
// publication `to` (throws on errors other than an unreachable server).
export function comparePublications(from, to) {
  return run(() => getJSON(`/api/publications/compare?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`));
}

// gridsAsOf answers every grid's boundary as it was at `at` (RFC 3339).
export function gridsAsOf(at) {
  return run(() => getJSON(`/api/grids?asof=${encodeURIComponent(at)}`));
}

// rollbackPublication publishes again, as a new publication, what the
// grids of publication id were before it. Resolves {ok: answer},
// {conflict: grids} (409: they changed since), {nochange: true} (422),
// {problems} (422: what was restored fails the checks) or {error}.
export async function rollbackPublication(id, note) {
  store.set({ busy: true });
  try {
    const res = await run(() => postJSON(`/api/publications/${encodeURIComponent(id)}/rollback`, { note }));
    store.set({ ownPubs: [...store.get().ownPubs, Number(res.publication_id)] });
    loadPublications();
    return { ok: res };
  } catch (err) {
    const data = err instanceof ApiError ? err.data || {} : {};
    if (isConflict(err) && Array.isArray(data.grids)) return { conflict: data.grids, message: err.text() };
    if (err instanceof ApiError && err.status === 422) {
      // The restored boundaries fail validation, or (field id) the
      // publication changed no boundary.
      if (Array.isArray(data.problems) && data.problems.length) return { problems: data.problems };
      return { nochange: true, message: err.text() };
    }
    return { error: err };
  } finally {
    store.set({ busy: false });
  }
}
