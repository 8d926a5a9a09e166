// The 404 page: what the server answers (status 404) for an address that
// is no page. zh-CN by default with the language switch; the top bar
// shows who is signed in; the way home leads to the account's landing
// page (/api/me "home"), and the way to sign in shows when nobody is.
'use strict';

import { setLang, explicitLang, onLangChange } from './i18n.js';
import { getJSON, ApiError, loginURL } from './api.js';
import { initChrome, renderCrumbs, renderUser, showError } from './ui.js';

const $ = (id) => document.getElementById(id);

// showWays points the links at the signed-in account's landing page, or,
// for nobody signed in, at the map and the login page (which comes back
// to the map).
function showWays(me) {
  $('nf-home').href = (me && me.home) || '/';
  $('nf-login').hidden = !!me;
  $('nf-login').href = loginURL('/');
}

async function main() {
  const forced = explicitLang();
  setLang(forced || 'zh-CN');
  initChrome();
  renderCrumbs([], null);
  $('nf-path').textContent = window.location.pathname;
  let me = null;
  try {
    me = await getJSON('/api/me', { loginOn401: false });
  } catch (err) {
    // 401: nobody is signed in, which this page is for too.
    if (!(err instanceof ApiError && (err.status === 401 || err.status === 404))) showError(err);
  }
  renderUser(me);
  showWays(me);
  if (!forced) {
    try {
      const cfg = await getJSON('/api/config', { loginOn401: false });
      if (cfg.default_lang) setLang(cfg.default_lang);
    } catch {
      // the page reads as it is in zh-CN
    }
  }
  onLangChange(() => showWays(me));
  document.body.dataset.ready = 'true';
}

main();
