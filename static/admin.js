// Administration, /admin (issue 14): accounts, device tokens, wall links
// and the audit log, in four tabs (#accounts, #tokens, #walls, #audit in
// the address). For admins only: anyone else is told so and pointed back
// to their own page. Each tab is an object its init…() returns; this
// module keeps them and the page's state in one object.
'use strict';

import { setLang, explicitLang, onLangChange, setAreaZone, t } from './i18n.js';
import { getJSON, ApiError } from './api.js';
import { initChrome, failPage, showError, renderCrumbs, renderUser, roleName } from './ui.js';
import { initAccounts } from './adminaccounts.js';
import { initTokens } from './admintokens.js';
import { initWalls } from './adminwalls.js';
import { initAudit } from './adminaudit.js';

const TABS = ['accounts', 'tokens', 'walls', 'audit'];
const page = { me: null, tab: null, parts: {} };
const $ = (id) => document.getElementById(id);

function showTab(tab) {
  if (!TABS.includes(tab)) tab = 'accounts';
  if (page.tab && page.tab !== tab) $('adm-status').textContent = ''; // what was done belongs to its tab
  page.tab = tab;
  for (const name of TABS) {
    const on = name === tab;
    $(`adm-${name}`).hidden = !on;
    const b = $(`tab-${name}`);
    b.setAttribute('aria-selected', String(on));
    b.tabIndex = on ? 0 : -1;
  }
  document.body.dataset.tab = tab;
  if (window.location.hash !== `#${tab}`) history.replaceState(null, '', `#${tab}`);
  page.parts[tab].show();
}

function denied(me) {
  $('adm-denied-body').textContent = t('adm.deniedBody', { role: roleName(me.role) });
  $('adm-denied-home').href = me.home || '/';
  $('adm-denied').hidden = false;
  document.body.dataset.denied = 'true';
}

async function main() {
  const forced = explicitLang();
  setLang(forced || 'zh-CN');
  initChrome();
  renderCrumbs([], null);
  try {
    page.me = await getJSON('/api/me');
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  renderUser(page.me);
  const config = await getJSON('/api/config').catch(() => null);
  if (!forced && config && config.default_lang) setLang(config.default_lang);
  if (config && config.time_zone) setAreaZone(config.time_zone);
  if (!page.me || page.me.role !== 'admin') {
    denied(page.me || {});
    onLangChange(() => denied(page.me || {}));
    return;
  }
  let roots = [];
  try {
    roots = (await getJSON('/api/tree')).roots || [];
  } catch (err) {
    showError(err);
  }
  const parts = page.parts;
  parts.audit = initAudit($('adm-audit'));
  parts.tokens = initTokens($('adm-tokens'), () => (parts.accounts ? parts.accounts.items() : null));
  parts.walls = initWalls($('adm-walls'), roots);
  parts.accounts = initAccounts($('adm-accounts'), {
    me: page.me,
    roots,
    changed: () => {
      if (page.tab === 'tokens') parts.tokens.show(); // its account picker
    },
    history: (id) => {
      parts.audit.filter({ entity: 'account', entity_id: String(id) });
      showTab('audit');
    },
  });
  $('adm-main').hidden = false;
  for (const name of TABS) $(`tab-${name}`).addEventListener('click', () => showTab(name));
  // Arrow keys move between the tabs, as in any tab list.
  document.querySelector('.adm-tabs').addEventListener('keydown', (ev) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[ev.key];
    if (!step) return;
    const next = TABS[(TABS.indexOf(page.tab) + step + TABS.length) % TABS.length];
    showTab(next);
    $(`tab-${next}`).focus();
  });
  window.addEventListener('hashchange', () => showTab(window.location.hash.slice(1)));
  onLangChange(() => {
    for (const name of TABS) parts[name].build();
    renderCrumbs([], null);
  });
  parts.accounts.show(); // the device tokens tab picks from the accounts
  showTab(window.location.hash.slice(1));
  document.body.dataset.gridsLoaded = 'true'; // the grid tree is in the pickers
}

main().catch(failPage);
