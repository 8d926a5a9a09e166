// The outbox: the writes a person meant to make, kept on the device
// (IndexedDB) until the server has them (docs/FIELD.md, "Writes from a
// phone"). Any JSON write (POST or PUT of a path with a body) goes in; an
// entry is
//   {client_id, method, path, body, label, created_at, account,
//    send_after, state: 'queued' | 'failed', error}
// and is sent with its client id, made once, so however often it is sent
// (a retry, a reload, another tab, a new login) the server stores it once.
//
// An entry is put in IndexedDB before anything is sent, waits out its undo
// window (send_after), and is removed only after a 2xx. No network, a
// server out of reach (5xx, 429) or an expired session (401) keep it
// queued; a 4xx that will never succeed keeps it as failed with the
// server's message until the person discards or edits it. Entries are sent
// only under the account that made them. The outbox flushes on start, when
// the browser comes online, when the page becomes visible and every
// FLUSH_EVERY_MS.
//
// The state is the document's, not a page's (like api.js's login
// redirect): one outbox per document, whatever part of the page writes.
// It tells the page what changed through 'gridmap:outbox' events on
// document ({kind: 'held' | 'sent' | 'failed' | 'undone' | 'changed',
// entry, answer}); outboxview.js draws them.
'use strict';

import { request, ApiError } from './api.js';

const DB_NAME = 'gridmap-outbox';
const DB_STORE = 'writes';

// UNDO_MS is how long a new write waits, on the device, for an undo.
export const UNDO_MS = 5000;
const FLUSH_EVERY_MS = 10000;
const BACKOFF_MAX_MS = 5000;

// Undone is what waitFor rejects with when the person undid or discarded
// the write before it was sent: nothing reached the server.
export class Undone extends Error {
  constructor() {
    super('undone');
    this.name = 'Undone';
  }
}

export function isUndone(err) {
  return err instanceof Undone;
}

const box = {
  started: false,
  account: undefined, // the username logged in; null: none (401); undefined: not known yet
  reason: '', // why queued entries wait: 'offline' | 'network' | 'server' | 'expired' | ''
  entries: [], // the last snapshot, oldest first
  sending: new Set(), // client ids on their way to the server
  undone: new Set(), // client ids undone in this document
  waiters: new Map(), // client id -> [{resolve, reject}]
  flushing: null,
  again: false,
  timer: null,
  failures: 0, // retryable failures in a row, for the backoff
  memory: null, // Map standing in for IndexedDB where it is unavailable
};

// A random RFC 4122 version-4 UUID: the client id of one intended write.
// crypto.randomUUID exists only in secure contexts (https or localhost); a
// grid office's intranet server on plain http still has
// crypto.getRandomValues.
export function newClientId() {
  const c = window.crypto;
  if (c && typeof c.randomUUID === 'function') {
    try {
      return c.randomUUID();
    } catch {
      // not a secure context: fall through
    }
  }
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---- IndexedDB ---------------------------------------------------------------

let dbPromise = null;

function openDB() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      if (!window.indexedDB) {
        reject(new Error('no IndexedDB'));
        return;
      }
      const req = window.indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(DB_STORE, { keyPath: 'client_id' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    }).catch((err) => {
      // Private windows of some browsers have none: the outbox lasts as
      // long as the page then.
      console.warn('gridmap: outbox without IndexedDB', err);
      box.memory = new Map();
      return null;
    });
  }
  return dbPromise;
}

// run opens a transaction on the store and resolves with what fn's request
// gives once the transaction has committed (so a put is durable).
async function run(mode, fn) {
  const db = await openDB();
  if (!db) return fn(null);
  return new Promise((resolve, reject) => {
    const tx = db.transaction(DB_STORE, mode);
    const req = fn(tx.objectStore(DB_STORE));
    tx.oncomplete = () => resolve(req ? req.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('outbox: transaction aborted'));
  });
}

function putEntry(e) {
  return run('readwrite', (s) => (s ? s.put(e) : void box.memory.set(e.client_id, e)));
}

function deleteEntry(id) {
  return run('readwrite', (s) => (s ? s.delete(id) : void box.memory.delete(id)));
}

async function getEntry(id) {
  const r = await run('readonly', (s) => (s ? s.get(id) : null));
  return box.memory ? box.memory.get(id) : r;
}

async function allEntries() {
  const r = await run('readonly', (s) => (s ? s.getAll() : null));
  const list = box.memory ? [...box.memory.values()] : r || [];
  return list.sort((a, b) => a.created_at - b.created_at);
}

// ---- events ------------------------------------------------------------------

function emit(kind, entry = null, answer = null) {
  document.dispatchEvent(new CustomEvent('gridmap:outbox', { detail: { kind, entry, answer } }));
}

async function refresh() {
  box.entries = await allEntries();
  emit('changed');
}

function setReason(r) {
  if (box.reason === r) return;
  box.reason = r;
  emit('changed');
}

function settle(id, ok, value) {
  const ws = box.waiters.get(id) || [];
  box.waiters.delete(id);
  for (const w of ws) (ok ? w.resolve : w.reject)(value);
}

// ---- what pages call -----------------------------------------------------------

// state is what the view shows: the entries, the account logged in, why
// queued ones wait and which are being sent now.
export function state() {
  return { entries: box.entries, account: box.account, reason: box.reason, sending: box.sending };
}

// startOutbox(account): the page knows who is logged in (the username of
// /api/me); the outbox starts flushing. Called again it only updates the
// account.
export function startOutbox(account) {
  if (account !== undefined) box.account = account;
  if (box.started) {
    flush();
    return;
  }
  box.started = true;
  window.addEventListener('online', () => flush());
  window.addEventListener('offline', () => setReason('offline'));
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && flush());
  window.setInterval(() => flush(), FLUSH_EVERY_MS);
  flush();
}

// sessionExpired: a request of the page got 401. Queued writes wait for a
// new login; the page stays where it is.
export function sessionExpired() {
  box.account = undefined;
  setReason('expired');
}

// enqueue puts an intended write in the outbox and resolves once it is
// durable on the device; it is sent after hold ms (its undo window).
export async function enqueue({ clientId, method, path, body, label = '', hold = UNDO_MS }) {
  if (box.account === undefined) await whoAmI();
  const now = Date.now();
  const e = {
    client_id: clientId,
    method,
    path,
    body,
    label,
    created_at: now,
    account: box.account || '',
    send_after: now + hold,
    state: 'queued',
    error: null,
  };
  await putEntry(e);
  box.entries = [...box.entries.filter((x) => x.client_id !== e.client_id), e];
  emit('held', e);
  schedule(hold);
  return e;
}

// waitFor resolves with the server's answer once the write is stored;
// rejects with an ApiError when the server refused it for good (it stays
// in the outbox as failed) or with Undone when it was undone or discarded.
export function waitFor(id) {
  return new Promise((resolve, reject) => {
    const ws = box.waiters.get(id) || [];
    ws.push({ resolve, reject });
    box.waiters.set(id, ws);
  });
}

// undo takes a write back before it is sent: false when it is already on
// its way (or gone).
export async function undo(id) {
  if (box.sending.has(id) || box.undone.has(id)) return false;
  const e = box.entries.find((x) => x.client_id === id);
  if (!e) return false;
  box.undone.add(id);
  await deleteEntry(id);
  settle(id, false, new Undone());
  emit('undone', e);
  await refresh();
  return true;
}

// discard drops a write that was not sent (a failed one the person gave
// up, or one a form replaced with an edited write).
export const discard = undo;

// retry sends a failed write again, as it was (same client id) or with an
// edited body (a new client id: the refused one stored nothing).
export async function retry(id, body) {
  const e = await getEntry(id);
  if (!e) return null;
  let next = { ...e, state: 'queued', error: null, send_after: Date.now() };
  if (body !== undefined) {
    await deleteEntry(id);
    settle(id, false, new Undone());
    next = { ...next, body, client_id: newClientId() };
  }
  await putEntry(next);
  await refresh();
  flush();
  return next.client_id;
}

// ---- sending -----------------------------------------------------------------------

// Failures after which the same write may still succeed: no answer, the
// server busy or out of reach. 401 is handled apart (a new login).
function retryable(err) {
  if (!(err instanceof ApiError)) return false;
  return err.kind === 'network' || err.status === 408 || err.status === 429 || err.status >= 500;
}

function schedule(ms) {
  window.clearTimeout(box.timer);
  box.timer = window.setTimeout(() => flush(), Math.max(0, ms) + 20);
}

// whoAmI asks the server who is logged in (without leaving for the login
// page): false when nobody is or it cannot be reached.
async function whoAmI() {
  try {
    const me = await request('/api/me', { loginOn401: false });
    box.account = me && me.username ? me.username : null;
    if (box.reason === 'expired') setReason('');
    return !!box.account;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      box.account = null;
      setReason('expired');
    } else setReason(reasonOf(err));
    return false;
  }
}

// flush sends every due entry of the account logged in, oldest first; one
// flush runs at a time (a call meanwhile makes it go round once more).
export function flush() {
  if (box.flushing) {
    box.again = true;
    return box.flushing;
  }
  box.flushing = (async () => {
    do {
      box.again = false;
      await flushOnce();
    } while (box.again);
  })()
    .catch((err) => console.warn('gridmap: outbox flush', err))
    .finally(() => {
      box.flushing = null;
    });
  return box.flushing;
}

async function flushOnce() {
  await refresh();
  const now = Date.now();
  const queued = box.entries.filter((e) => e.state === 'queued');
  const later = queued.filter((e) => e.send_after > now);
  if (later.length) schedule(Math.min(...later.map((e) => e.send_after)) - now);
  const due = queued.filter((e) => e.send_after <= now);
  if (!due.length) {
    if (!queued.length && box.reason !== 'expired') setReason('');
    return;
  }
  if (navigator.onLine === false) {
    setReason('offline');
    return;
  }
  if ((box.account === undefined || box.reason === 'expired') && !(await whoAmI())) return;
  for (const e of due) {
    if (e.account !== box.account) continue; // kept for its own account
    const go = await send(e);
    if (!go) return;
  }
  await refresh();
}

// send sends one entry; false when sending should stop for now (no
// network, server out of reach, session expired).
async function send(e) {
  const id = e.client_id;
  if (box.undone.has(id) || !(await getEntry(id)) || box.undone.has(id)) return true;
  box.sending.add(id);
  emit('changed', e);
  let answer;
  try {
    answer = await request(e.path, { method: e.method, body: { ...e.body, client_id: id }, loginOn401: false });
  } catch (err) {
    box.sending.delete(id);
    if (err instanceof ApiError && err.status === 401) {
      sessionExpired();
      return false;
    }
    if (retryable(err)) {
      setReason(reasonOf(err));
      box.failures++;
      const wait = err.retryAfter !== null && err.retryAfter !== undefined ? err.retryAfter * 1000 : 600 * 2 ** Math.min(box.failures, 4);
      schedule(Math.min(wait, BACKOFF_MAX_MS));
      emit('changed', e);
      return false;
    }
    const failed = { ...e, state: 'failed', error: errorOf(err) };
    await putEntry(failed);
    settle(id, false, err);
    emit('failed', failed);
    return true;
  }
  box.failures = 0;
  await deleteEntry(id);
  box.sending.delete(id);
  box.entries = box.entries.filter((x) => x.client_id !== id);
  if (box.reason !== 'expired') setReason('');
  settle(id, true, answer);
  emit('sent', e, answer);
  return true;
}

// reasonOf names why a retryable failure keeps writes waiting.
function reasonOf(err) {
  if (navigator.onLine === false) return 'offline';
  return err instanceof ApiError && err.kind === 'network' ? 'network' : 'server';
}

function errorOf(err) {
  if (err instanceof ApiError)
    return {
      status: err.status,
      code: err.code || '',
      params: err.params || {},
      message: err.text() || '',
      field: err.field || '',
      request_id: err.requestId || '',
    };
  return { status: 0, message: String(err && err.message ? err.message : err), field: '', request_id: '' };
}
