// Thin fetch wrapper for the JSON API (see docs/API.md).
'use strict';

import { t } from './i18n.js';

// ApiError carries what the error bar shows. message() is computed at display
// time so it follows the current language.
export class ApiError extends Error {
  constructor({ status = 0, serverMessage = '', requestId = '', kind = 'http', url = '' }) {
    super(serverMessage || kind);
    this.name = 'ApiError';
    this.status = status;
    this.serverMessage = serverMessage;
    this.requestId = requestId;
    this.kind = kind; // 'http' | 'network' | 'json'
    this.url = url;
  }

  describe() {
    let head;
    if (this.kind === 'network') head = t('err.network');
    else if (this.kind === 'json') head = t('err.badJson');
    else head = t('err.http', { status: this.status });
    let s = this.serverMessage ? `${head}${t('err.sep')}${this.serverMessage}` : head;
    if (this.requestId) s += ` (${t('err.requestId', { id: this.requestId })})`;
    return s;
  }
}

export function isAbort(err) {
  return err && err.name === 'AbortError';
}

// GET url and parse JSON. Non-2xx answers throw ApiError with the server's
// `error` field; an aborted request rethrows the AbortError untouched.
export async function getJSON(url, { signal } = {}) {
  let res;
  try {
    res = await fetch(url, { headers: { Accept: 'application/json' }, signal });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError({ kind: 'network', url });
  }
  let body = null;
  let parseFailed = false;
  try {
    body = await res.json();
  } catch (err) {
    if (isAbort(err)) throw err;
    parseFailed = true;
  }
  if (!res.ok) {
    throw new ApiError({
      status: res.status,
      serverMessage: body && typeof body.error === 'string' ? body.error : '',
      requestId: body && typeof body.request_id === 'string' ? body.request_id : '',
      url,
    });
  }
  if (parseFailed) throw new ApiError({ kind: 'json', status: res.status, url });
  return body;
}
