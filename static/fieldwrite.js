// Idempotent field writes (docs/FIELD.md): every intended write carries a
// client id made once and reused when the same write is retried, so a
// retry after a lost answer is stored once. A Write (a JSON body, through
// the outbox) or an Upload (a file, sent at once) is one intended write:
// send() may be called again (the retry button) and sends the same client
// id; a new intention needs a new one.
'use strict';

import { request, ApiError } from './api.js';
import { newClientId, enqueue, waitFor, retry, discard, isUndone } from './outbox.js';

export { newClientId, isUndone };

// Failures worth sending the same write again: no answer at all, the
// server busy or briefly down. A 4xx other than 429 will not change.
function retryable(err) {
  if (!(err instanceof ApiError)) return false;
  return err.kind === 'network' || err.status === 429 || unavailable(err);
}

// The server (or its database) is out of reach: the write is kept and sent
// again until it answers, however long that takes.
function unavailable(err) {
  return err.kind === 'network' || err.status === 502 || err.status === 503 || err.status === 504;
}

const AUTO_RETRIES = 2;

// Writes now waiting for the server to come back. Pages show a notice
// while any does (ui.js listens for gridmap:server-waiting). Process-wide,
// not page state: it counts every write of the document.
let waiting = 0;
function setWaiting(delta) {
  waiting += delta;
  document.dispatchEvent(new CustomEvent('gridmap:server-waiting', { detail: { waiting } }));
}

// Run send, retrying a retryable failure: while the server is unavailable
// for as long as it takes (with the same client id, so the write is stored
// once), after Retry-After when it gave one; a busy server (429) a couple
// of times, then the error is thrown and the caller may offer a retry
// button.
async function withRetries(send) {
  let counted = false;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (err) {
        if (!retryable(err) || (!unavailable(err) && attempt >= AUTO_RETRIES)) throw err;
        if (unavailable(err) && !counted) {
          counted = true;
          setWaiting(+1);
        }
        const wait = err.retryAfter !== null && err.retryAfter !== undefined ? err.retryAfter * 1000 : 600 * 2 ** Math.min(attempt, 4);
        await new Promise((r) => window.setTimeout(r, Math.min(wait, 5000)));
      }
    }
  } finally {
    if (counted) setWaiting(-1);
  }
}

// Write is one intended JSON write (POST or PUT). It goes through the
// outbox (outbox.js): put on the device first, sent after its undo window,
// kept while offline, out of reach or logged out, and sent once.
export class Write {
  // label: what the person would call it ("排查 1号楼 1-101 正常"), shown
  // in the confirmation and in the outbox.
  constructor(method, url, body, { label = '' } = {}) {
    this.method = method;
    this.url = url;
    this.body = body;
    this.label = label;
    this.clientId = newClientId();
    this.stored = false;
    this.done = false;
  }

  // Send (or send again) with the same client id and resolve with the
  // server's answer. onHeld() runs once the write is durable on the device
  // (its undo window opens). Rejects with an ApiError the server will say
  // again (the write stays in the outbox as failed; send() again retries
  // it), or with Undone (isUndone) when the person took it back.
  async send({ onHeld } = {}) {
    if (!this.stored) {
      await enqueue({ clientId: this.clientId, method: this.method, path: this.url, body: this.body, label: this.label });
      this.stored = true;
      if (onHeld) onHeld();
    } else await retry(this.clientId);
    const res = await waitFor(this.clientId);
    this.done = true;
    return res;
  }

  // The person replaced this write with another (an edited form): a failed
  // or unsent one leaves the outbox.
  discard() {
    if (this.stored && !this.done) discard(this.clientId);
  }
}

// Upload is one intended upload of a file (a Blob) as the raw request body
// of type (an import, docs/FIELD.md): its client id goes in the query,
// made once per upload and reused when the same upload is sent again.
export class Upload {
  constructor(url, body, type) {
    this.url = url;
    this.body = body;
    this.type = type;
    this.clientId = newClientId();
    this.done = false;
  }

  async send() {
    const sep = this.url.includes('?') ? '&' : '?';
    const url = `${this.url}${sep}client_id=${encodeURIComponent(this.clientId)}`;
    const res = await withRetries(() => request(url, { method: 'POST', raw: this.body, type: this.type }));
    this.done = true;
    return res;
  }
}

// The roles that may record field data (docs/FIELD.md "who").
export function canWriteField(user) {
  return !!user && ['admin', 'grid-leader', 'staff'].includes(user.role);
}
