// Thin fetch wrapper for the JSON API (see docs/API.md).
//
// Every /api route but /api/login and /api/config needs a session cookie
// (HttpOnly, sent by fetch for same-origin requests). A 401 means no session
// or an expired one: by default the page then goes to the login page, which
// brings the user back here (next=) once signed in.
'use strict';

import { t, getLang } from './i18n.js';

// ApiError carries what the error bar shows. describe() and text() are
// computed at display time so they follow the current language.
export class ApiError extends Error {
  constructor({ status = 0, serverMessage = '', serverLang = '', code = '', params = null, requestId = '', field = '', retryAfter = null, kind = 'http', url = '', data = null }) {
    super(serverMessage || code || kind);
    this.name = 'ApiError';
    this.status = status;
    this.serverMessage = serverMessage; // the server's sentence, in serverLang
    this.serverLang = serverLang; // the answer's Content-Language
    this.code = code; // the stable error code (docs/API.md "Errors")
    this.params = params || {};
    this.requestId = requestId;
    this.field = field; // the request field the server blames, '' if none
    this.retryAfter = retryAfter; // seconds from a Retry-After header, or null
    this.kind = kind; // 'http' | 'network' | 'json'
    this.url = url;
    this.data = data; // the parsed error answer, e.g. an import's rows at fault
  }

  // text is what went wrong in the page's language: the server's own
  // sentence when it is in that language (in English it can be more
  // precise than the code's), else the code's (errcode.* in i18n.js),
  // else whatever the server said.
  text() {
    if (this.serverMessage && this.serverLang === getLang()) return this.serverMessage;
    return codeText(this.code, { ...this.params, field: this.field }) || this.serverMessage;
  }

  describe() {
    let head;
    if (this.kind === 'network') head = t('err.network');
    else if (this.kind === 'json') head = t('err.badJson');
    else if (this.status === 401) head = t('err.unauthenticated');
    else if (this.status === 403) head = t('err.forbidden');
    else if (this.status === 503) head = t('err.unavailable');
    else head = t('err.http', { status: this.status });
    const text = this.text();
    let s = text ? `${head}${t('err.sep')}${text}` : head;
    if (this.requestId) s += ` (${t('err.requestId', { id: this.requestId })})`;
    return s;
  }
}

// codeText is the page's sentence for an error code, or '' when it has
// none (a code newer than the page).
export function codeText(code, vars) {
  if (!code) return '';
  const key = `errcode.${code}`;
  const s = t(key, vars);
  return s === key ? '' : s;
}

export function isAbort(err) {
  return err && err.name === 'AbortError';
}

// ---- login redirect -------------------------------------------------------

export const LOGIN_PATH = '/login.html';

// The login page URL that comes back to `back` (default: this page, with its
// query and hash, e.g. the selected grid) after signing in.
export function loginURL(back = window.location.pathname + window.location.search + window.location.hash) {
  return `${LOGIN_PATH}?next=${encodeURIComponent(back)}`;
}

// Process-wide, not page state: the document leaves for the login page
// once, whichever part of the page got the 401.
let leaving = false;

// A page that must never show the login form (the wall display) handles a
// lost session itself: onUnauthorized(fn) makes every 401, and every
// goToLogin() (the stream's 4001 too), call fn instead of leaving.
let unauthorized = null;

export function onUnauthorized(fn) {
  unauthorized = fn;
}

// Go to the login page once; later calls (other requests failing with 401
// at the same time) do nothing.
export function goToLogin() {
  if (unauthorized) {
    unauthorized();
    return;
  }
  if (leaving) return;
  leaving = true;
  document.body.dataset.auth = 'redirect';
  // replace: the page that needed a login is no use in the history; Back
  // from the login page should not bounce straight back to it.
  window.location.replace(loginURL());
}

// A promise that never settles: what a request answers once the page is on
// its way to the login page, so no caller shows an error meanwhile.
function never() {
  return new Promise(() => {});
}

// Seconds from a Retry-After header (delay-seconds or an HTTP date).
function retryAfterSeconds(res) {
  const v = res.headers.get('Retry-After');
  if (!v) return null;
  if (/^\s*\d+\s*$/.test(v)) return Number(v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

// ---- requests ---------------------------------------------------------------

// Send a request and parse the JSON answer. Non-2xx answers throw ApiError
// with the server's `error` and `field`; an aborted request rethrows the
// AbortError untouched. With loginOn401 (the default) a 401 sends the page to
// the login page and the returned promise never settles. A 204 gives null.
// raw (a Blob or File) is sent as the body as it is, with Content-Type type.
export async function request(url, { method = 'GET', body, raw, type, signal, loginOn401 = true } = {}) {
  // Accept-Language: the server answers errors in the page's language.
  const init = { method, headers: { Accept: 'application/json', 'Accept-Language': getLang() }, credentials: 'same-origin', signal };
  if (raw !== undefined) {
    init.headers['Content-Type'] = type;
    init.body = raw;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError({ kind: 'network', url });
  }
  if (res.status === 401 && loginOn401) {
    goToLogin();
    return never();
  }
  if (res.status === 204) return null;
  let data = null;
  let parseFailed = false;
  try {
    data = await res.json();
  } catch (err) {
    if (isAbort(err)) throw err;
    parseFailed = true;
  }
  if (!res.ok) {
    const str = (k) => (data && typeof data[k] === 'string' ? data[k] : '');
    throw new ApiError({
      status: res.status,
      serverMessage: str('error'),
      serverLang: res.headers.get('Content-Language') || '',
      code: str('code'),
      params: data && data.params && typeof data.params === 'object' ? data.params : null,
      requestId: str('request_id'),
      field: str('field'),
      retryAfter: res.status === 429 || res.status === 503 ? retryAfterSeconds(res) : null,
      url,
      data: data && typeof data === 'object' ? data : null,
    });
  }
  if (parseFailed) throw new ApiError({ kind: 'json', status: res.status, url });
  return data;
}

// GET url and parse JSON (see request).
export function getJSON(url, { signal, loginOn401 = true } = {}) {
  return request(url, { signal, loginOn401 });
}

// getAllPages GETs a paged list (an answer with the list under key and a
// `next` link, null on the last page) and follows next to the end, so a
// long list is never cut short; the last answer comes back with the whole
// list under key.
export async function getAllPages(url, key, { signal, loginOn401 = true, maxPages = 100 } = {}) {
  let d = await getJSON(url, { signal, loginOn401 });
  const all = Array.isArray(d[key]) ? [...d[key]] : [];
  for (let n = 1; d.next && n < maxPages; n++) {
    d = await getJSON(d.next, { signal, loginOn401 });
    if (Array.isArray(d[key])) all.push(...d[key]);
  }
  return { ...d, [key]: all };
}

// POST a JSON body (or none) and parse the answer (see request).
export function postJSON(url, body, { signal, loginOn401 = true } = {}) {
  return request(url, { method: 'POST', body, signal, loginOn401 });
}
