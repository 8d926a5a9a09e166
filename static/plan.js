// The planner's editor, /plan (docs/PLAN.md): drafts of a community or a
// whole subdistrict redrawn on the map with Leaflet-Geoman, validated by
// the server after every operation, their impact previewed, and published.
//
// The page's state is the one store of planstore.js; each part (map,
// tools, cards) redraws from it. Requests are in planapi.js. Sign-in works
// as on the other pages: /api/me first, a 401 goes to the login page; roles
// without write:boundary (only planner and admin have it) get a message.
// The live stream (live.js) brings `boundaries` events: a publication by
// someone else that touches the open draft's area raises a banner, and the
// history card (planhistory.js) lists the publications again.
'use strict';

import { t, setLang, explicitLang, onLangChange, setAreaZone } from './i18n.js';
import { getJSON, ApiError } from './api.js';
import { initChrome, failPage, showError, renderCrumbs, renderUser, logout, roleName } from './ui.js';
import * as gm from './map.js';
import { startLive } from './live.js';
import { store, draftGrids, gridName, treeNode } from './planstore.js';
import { loadTree, loadDrafts, loadPublications, openDraft, closeDraft, retryNow, createDraft } from './planapi.js';
import { initPlanMap } from './planmap.js';
import { initTools, onLine, onPolygon } from './plantools.js';
import { initDrafts, pickRoot } from './plandrafts.js';
import { initDraftCard } from './plandraft.js';
import { initChecks } from './planchecks.js';
import { initImpact } from './planimpact.js';
import { initPublish } from './planpublish.js';
import { initHistory } from './planhistory.js';

const PLANNERS = ['planner', 'admin']; // the roles with write:boundary

// ---- page chrome ------------------------------------------------------------------

function crumbs(s) {
  const items = [{ id: null, name: null, labelKey: 'plan.title' }];
  if (s.draft) items.push({ id: s.draft.id, name: s.draft.name || t('plan.unnamed') });
  renderCrumbs(items, (id) => {
    if (id === null) closeDraft();
  });
}

function placeholders() {
  for (const node of document.querySelectorAll('[data-i18n-placeholder]')) node.placeholder = t(node.dataset.i18nPlaceholder);
}

function showNet(s) {
  document.getElementById('pl-net').hidden = s.net !== 'down';
  document.body.dataset.net = s.net;
}

function showForeign(s) {
  const box = document.getElementById('pl-foreign');
  box.hidden = !s.foreign;
  if (!s.foreign) return;
  box.dataset.publicationId = String(s.foreign.publication_id ?? '');
  box.querySelector('.pl-banner-text').textContent = s.foreign.own
    ? t('plan.foreignOwn', { n: s.foreign.publication_id })
    : t('plan.foreign');
}

// ---- live: boundaries published elsewhere ------------------------------------------------

// Whether a publication touches the draft's area: its root, a grid of the
// draft, or a root above the draft's.
// The event names its roots as root_ids (root_id in docs/PLAN.md) and is
// sent once per root with that root as its grid.
function touches(s, data, grid) {
  const d = s.draft;
  if (!d) return false;
  const root = Number(d.root_id);
  const roots = (Array.isArray(data.root_ids) ? data.root_ids : [data.root_id, grid]).filter((x) => x !== undefined && x !== null).map(Number);
  if (roots.includes(root)) return true;
  const ids = new Set([root, ...draftGrids(s).keys()]);
  const changed = [...(data.grids || []), ...(data.retired || []), ...roots].map(Number);
  if (changed.some((id) => ids.has(id))) return true;
  const under = (node) => !!node && (node.id === root || (node.children || []).some(under));
  return roots.some((r) => under(treeNode(r, s)));
}

function onBoundaries(data, grid) {
  // Our own publish answers after its event may already be here: wait
  // for the answer before judging whose it was.
  const judge = (tries) => {
    const s = store.get();
    if (s.busy && tries < 100) {
      window.setTimeout(() => judge(tries + 1), 100);
      return;
    }
    if (s.published && Number(s.published.publication_id) === Number(data.publication_id)) return;
    // A rollback made on this page is ours, but the draft may still be
    // based on the boundaries it replaced.
    const own = s.ownPubs.includes(Number(data.publication_id));
    if (touches(s, data, grid)) store.set({ foreign: { ...data, own } });
  };
  judge(0);
  loadTree();
  loadDrafts();
  loadPublications();
}

// ---- start ------------------------------------------------------------------------------------

function deny(user) {
  document.body.dataset.auth = 'denied';
  document.body.dataset.gridsLoaded = 'true'; // loading is over
  document.getElementById('pl').classList.add('pl-note');
  document.getElementById('pl-denied').hidden = false;
  const body = document.getElementById('pl-denied-body');
  const render = () => {
    body.textContent = t('plan.deniedBody', { role: roleName(user.role) });
  };
  render();
  onLangChange(render);
  renderCrumbs([], null);
}

async function main() {
  const forced = explicitLang();
  setLang(forced || 'zh-CN');
  initChrome();
  placeholders();
  onLangChange(placeholders);
  document.body.dataset.auth = 'checking';

  let user = null;
  try {
    user = await getJSON('/api/me');
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) showError(err);
  }
  store.set({ user });
  renderUser(user);
  document.body.dataset.role = user ? user.role || '' : '';
  if (user && user.role === 'device') {
    document.body.dataset.auth = 'device';
    document.getElementById('pl').classList.add('pl-note');
    document.getElementById('device-note').hidden = false;
    document.getElementById('device-logout').addEventListener('click', logout);
    renderCrumbs([], null);
    return;
  }
  if (user && !PLANNERS.includes(user.role)) {
    deny(user);
    return;
  }
  document.body.dataset.auth = user ? 'ok' : 'none';

  const map = gm.createMap('map', { onClick: () => {} });
  const pm = initPlanMap(map, { onPolygon, onLine, onContext: pickRoot });
  initTools(pm);
  initDrafts();
  initDraftCard();
  initChecks(pm);
  initImpact(pm);
  initPublish();
  initHistory(map, pm);
  document.getElementById('pl-net-retry').addEventListener('click', retryNow);
  document.getElementById('pl-foreign-close').addEventListener('click', () => store.set({ foreign: null }));
  // A draft is a copy of the boundaries it started from: after someone
  // else's publication the way on is a new draft from the current ones.
  document.getElementById('pl-foreign-new').addEventListener('click', async () => {
    const d = store.get().draft;
    if (!d) return;
    store.set({ foreign: null });
    try {
      await createDraft(d.root_id, t('plan.conflictName', { name: d.name }));
    } catch (err) {
      showError(err);
    }
  });
  store.on(['net'], showNet);
  store.on(['foreign'], showForeign);
  onLangChange(() => showForeign(store.get()));
  store.on(['draft'], crumbs);
  let lastFitted = null; // the draft last fitted into view
  store.on(['draft'], (s, changed) => {
    document.body.dataset.draft = s.draft ? String(s.draft.id) : '';
    document.body.dataset.revision = s.draft ? String(s.draft.revision) : '';
    document.getElementById('pl').classList.toggle('has-draft', !!s.draft);
    pm.showContext(!s.draft);
    if (changed.includes('draft') && s.draft && s.draft.id !== lastFitted) {
      lastFitted = s.draft.id;
      pm.fitDraft(false);
    }
    if (!s.draft) lastFitted = null;
  });
  onLangChange(() => crumbs(store.get()));
  crumbs(store.get());

  const [config, context] = await Promise.allSettled([getJSON('/api/config'), getJSON('/api/grids?level=2')]);
  const cfg = config.status === 'fulfilled' ? config.value : { tile_url: '' };
  if (!forced && cfg.default_lang) setLang(cfg.default_lang);
  if (cfg.time_zone) setAreaZone(cfg.time_zone);
  gm.setupBaseMap(cfg);
  if (context.status === 'fulfilled') pm.showContext(true, context.value);
  else showError(context.reason);

  await Promise.all([loadTree(), loadDrafts()]);
  const m = /(?:^#|&)draft=(\d+)/.exec(window.location.hash);
  if (m) await openDraft(Number(m[1]));
  if (!store.get().draft) pm.showContext(true);

  if (user) {
    startLive(map, {
      user,
      topics: ['boundaries'],
      gridName: (id) => gridName(id),
      gridLabel: () => null,
      onCounts: () => {},
      onEvent: (msg) => {
        if (msg.topic === 'boundaries') onBoundaries(msg.data && typeof msg.data === 'object' ? msg.data : {}, msg.grid);
      },
      // A new snapshot after a gap: a publication may have been missed.
      onSync: ({ first }) => {
        if (first) return;
        loadTree();
        loadDrafts();
        loadPublications();
      },
    });
  }
  document.body.dataset.gridsLoaded = 'true';
}

main().catch(failPage);
