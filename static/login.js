// The login page: POST /api/login, then back to the page that sent us here
// (?next=, a same-origin path) or to the map.
'use strict';

import { t, setLang, explicitLang, onLangChange } from './i18n.js';
import { getJSON, postJSON, LOGIN_PATH } from './api.js';
import { initLangToggle } from './ui.js';

const FIELDS = ['username', 'password'];

const $ = (id) => document.getElementById(id);

// Messages by place ('general' or a field): {key, vars} of our own, which
// follow the language, or {text} from the server, shown as it comes.
const errors = { general: null, username: null, password: null };
// The page's state (the entry module's own, as app.js's and grid.js's).
const state = {
  busy: false,
  lock: null, // {until: ms, place} after a 429 with Retry-After
  lockTimer: null,
};

// Where to go after signing in: `next` when it is a path on this site
// ("/..." but not "//host" or "/\host", which browsers read as another
// host), else the account's home (/api/login's answer), else the map.
// Never back to the login page itself.
export function safeNext(raw) {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  let u;
  try {
    u = new URL(raw, window.location.origin);
  } catch {
    return '/';
  }
  const out = u.pathname + u.search + u.hash;
  // Dot segments can normalise "/./..//host" into "//host": check again.
  if (u.origin !== window.location.origin || u.pathname === LOGIN_PATH || !out.startsWith('/') || out.startsWith('//')) return '/';
  return out;
}

function placeOf(field) {
  return FIELDS.includes(field) ? field : 'general';
}

function lockSeconds() {
  return state.lock ? Math.max(0, Math.ceil((state.lock.until - Date.now()) / 1000)) : 0;
}

function text(m) {
  if (!m) return '';
  if (m.text !== undefined) return m.text;
  if (m.err) return m.short ? m.err.text() : m.err.describe();
  return t(m.key, m.vars);
}

function render() {
  const locked = lockSeconds() > 0;
  for (const place of ['general', ...FIELDS]) {
    let m = errors[place];
    if (locked && state.lock.place === place) m = { key: 'login.tooMany', vars: { n: lockSeconds() } };
    const box = place === 'general' ? $('login-error') : $(`login-${place}-error`);
    box.textContent = text(m);
    box.hidden = !m;
    if (place !== 'general') $(`login-${place}`).setAttribute('aria-invalid', String(!!m));
  }
  const btn = $('login-submit');
  btn.disabled = state.busy || locked;
  btn.textContent = t(state.busy ? 'login.submitting' : 'login.submit');
  $('login-form').setAttribute('aria-busy', String(state.busy));
}

function clearErrors() {
  for (const k of Object.keys(errors)) errors[k] = null;
}

function startLock(seconds, place) {
  state.lock = { until: Date.now() + seconds * 1000, place };
  window.clearInterval(state.lockTimer);
  state.lockTimer = window.setInterval(() => {
    if (lockSeconds() === 0) {
      window.clearInterval(state.lockTimer);
      state.lock = null;
    }
    render();
  }, 1000);
}

function focusPlace(place) {
  const input = place === 'general' ? $('login-username') : $(`login-${place}`);
  input.focus();
  if (place === 'password') input.select();
}

async function submit(ev) {
  ev.preventDefault();
  if (state.busy || lockSeconds() > 0) return;
  clearErrors();
  const username = $('login-username').value.trim();
  const password = $('login-password').value;
  if (!username) errors.username = { key: 'login.needUsername' };
  if (!password) errors.password = { key: 'login.needPassword' };
  if (errors.username || errors.password) {
    document.body.dataset.login = 'error';
    render();
    focusPlace(errors.username ? 'username' : 'password');
    return;
  }

  state.busy = true;
  document.body.dataset.login = 'submitting';
  render();
  let me = null;
  try {
    me = await postJSON('/api/login', { username, password }, { loginOn401: false });
  } catch (err) {
    state.busy = false;
    document.body.dataset.login = 'error';
    const place = placeOf(err.field);
    if (err.kind === 'network') {
      errors.general = { key: 'err.network' };
    } else if (err.status === 429) {
      if (err.retryAfter) startLock(err.retryAfter, place);
      else errors[place] = { key: 'login.tooManyLater' };
    } else if (err.status >= 500 || err.kind === 'json') {
      errors.general = { err };
    } else if (err.status === 401) {
      errors.password = { key: 'login.wrong' };
    } else if (err.code || err.serverMessage) {
      errors[place] = { err, short: true }; // the reason in the page's language (api.js text)
    } else {
      errors[place] = { key: 'login.failed' };
    }
    if (err.status === 401) $('login-password').value = '';
    render();
    focusPlace(err.status === 401 ? 'password' : place);
    return;
  }
  document.body.dataset.login = 'ok';
  // replace: Back from the map should not land on the login form again.
  // Without a page to go back to, each role lands where its work is (the
  // answer's home: a grid leader on their grid, a planner in the editor).
  const next = new URLSearchParams(window.location.search).get('next');
  window.location.replace(safeNext(next && next !== '/' ? next : (me && me.home) || '/'));
}

function main() {
  const forced = explicitLang();
  setLang(forced || 'zh-CN');
  initLangToggle();
  onLangChange(render);
  $('login-form').addEventListener('submit', submit);
  // Editing a field clears what was said about it.
  for (const f of FIELDS) {
    $(`login-${f}`).addEventListener('input', () => {
      if (errors[f] || errors.general) {
        errors[f] = null;
        errors.general = null;
        render();
      }
    });
  }
  render();
  // The site's default language, unless the user chose one.
  if (!forced) {
    getJSON('/api/config', { loginOn401: false })
      .then((cfg) => {
        if (cfg && cfg.default_lang) setLang(cfg.default_lang);
      })
      .catch(() => {});
  }
}

main();
