// Page chrome outside the map: DOM helper, error bar, notices, breadcrumb,
// language toggle, signed-in user and logout.
'use strict';

import { t, getLang, setLang, onLangChange, applyI18n, syncLangCookie } from './i18n.js';
import { postJSON, LOGIN_PATH, ApiError } from './api.js';

// el('div', {class: 'x', onclick: fn}, child, 'text', ...) builds DOM without
// innerHTML, so names from the API can never inject markup.
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// ---- top bar -------------------------------------------------------------

// The pages' top bar, written once: each page holds an empty
// <header class="topbar" data-page="…"> (its height kept by app.css) that
// initChrome fills. The brand leads back to the map from the other pages.
// The way to /admin, shown to admins only (renderUser); on a phone, where
// the top links fold away, the user menu holds it too.
const ADMIN_LINK = { id: 'admin-link', href: '/admin', key: 'nav.admin', hidden: true };

const TOP_BARS = {
  map: {
    title: 'app.title',
    links: [
      { id: 'replay-link', href: '/replay', key: 'nav.replay' },
      { id: 'report-link', href: '/report', key: 'nav.report' },
      { id: 'plan-link', href: '/plan', key: 'nav.plan', hidden: true },
      ADMIN_LINK,
    ],
  },
  // The grid page points its replay link at its own grid (grid.js).
  grid: {
    title: 'grid.title',
    back: 'grid.backToMap',
    links: [
      { id: 'replay-link', href: '/replay', key: 'nav.replay' },
      { id: 'report-link', href: '/report', key: 'nav.report' },
      ADMIN_LINK,
    ],
  },
  plan: { title: 'plan.title', back: 'plan.backToMap', links: [{ id: 'pl-back', href: '/', key: 'plan.backToMap' }] },
  // Day playback (issue 13).
  replay: { title: 'rp.title', back: 'rp.backToMap', links: [{ id: 'rp-back', href: '/', key: 'rp.backToMap' }] },
  // The day's report (issue 14).
  report: { title: 'rep.title', back: 'rep.backToMap', links: [{ id: 'rep-back', href: '/', key: 'rep.backToMap' }, ADMIN_LINK] },
  // A volunteer's tasks on their phone (issue 14): their work, nothing else.
  tasks: { title: 'task.title', links: [] },
  // The 404 page: the brand leads home; its own links are in the page.
  notfound: { title: 'app.title', back: 'nf.home', links: [] },
  // Administration (issue 14): accounts, device tokens, wall links, audit log.
  admin: { title: 'adm.title', back: 'adm.backToMap', links: [{ id: 'adm-back', href: '/', key: 'adm.backToMap' }] },
};

function svg(tag, attrs, ...children) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

// A text element that follows the language: data-i18n and its text now.
const i18nText = (tag, attrs, key) => el(tag, { ...attrs, 'data-i18n': key }, t(key));

function logoutButton() {
  const line = { fill: 'none', stroke: 'currentColor', 'stroke-width': '1.8', 'stroke-linecap': 'round' };
  return el(
    'button',
    { id: 'logout', type: 'button', class: 'logout', title: t('user.logout'), 'aria-label': t('user.logout') },
    svg(
      'svg',
      { class: 'logout-icon', viewBox: '0 0 20 20', 'aria-hidden': 'true', focusable: 'false' },
      svg('path', { d: 'M8 3H4.5A1.5 1.5 0 0 0 3 4.5v11A1.5 1.5 0 0 0 4.5 17H8', ...line }),
      svg('path', { d: 'M12.5 6.5 16 10l-3.5 3.5M16 10H7.5', ...line, 'stroke-linejoin': 'round' })
    ),
    i18nText('span', { class: 'logout-label' }, 'user.logoutShort')
  );
}

const header = () => document.querySelector('header.topbar');

function buildTopBar(header) {
  const page = TOP_BARS[header.dataset.page] || TOP_BARS.map;
  const logo = el('span', { class: 'logo', 'aria-hidden': 'true' });
  const title = i18nText('h1', { id: 'app-title' }, page.title);
  header.replaceChildren(
    el(
      'div',
      { class: 'brand' },
      page.back ? el('a', { class: 'brand-link', href: '/', 'data-i18n-title': page.back, title: t(page.back) }, logo) : logo,
      title
    ),
    el(
      'nav',
      { id: 'breadcrumb', class: 'breadcrumb', 'data-i18n-aria': 'crumb.label', 'aria-label': t('crumb.label') },
      i18nText('span', { class: 'crumb-loading' }, 'app.loading')
    ),
    // Each link in full, and short for a narrower bar (app.css).
    ...page.links.map((l) =>
      el(
        'a',
        { id: l.id, class: 'top-link', href: l.href, hidden: !!l.hidden },
        i18nText('span', { class: 'tl-full' }, l.key),
        i18nText('span', { class: 'tl-short', 'aria-hidden': 'true' }, `${l.key}Short`)
      )
    ),
    el(
      'div',
      { id: 'live-status', class: 'live-status', dataset: { state: 'reconnecting' }, role: 'status', hidden: true },
      el('span', { class: 'live-dot', 'aria-hidden': 'true' }),
      el('span', { class: 'live-text' })
    ),
    el(
      'div',
      { id: 'user-box', class: 'user-box', hidden: true },
      el(
        'button',
        { id: 'user-toggle', type: 'button', class: 'user-toggle', 'aria-expanded': 'false', 'aria-controls': 'user-menu' },
        el('span', { id: 'user-avatar', class: 'user-avatar', 'aria-hidden': 'true' })
      ),
      el(
        'div',
        { id: 'user-menu', class: 'user-menu' },
        el('span', { class: 'user-avatar user-avatar-inline', 'aria-hidden': 'true' }),
        el('span', { class: 'user-text' }, el('span', { id: 'user-name', class: 'user-name' }), el('span', { id: 'user-role', class: 'user-role' })),
        el('a', { id: 'user-admin', class: 'user-admin', href: '/admin', hidden: true }, i18nText('span', {}, 'nav.admin')),
        logoutButton()
      )
    ),
    el(
      'button',
      { id: 'lang-toggle', type: 'button', class: 'lang-toggle', 'data-i18n-title': 'lang.toggle', title: t('lang.toggle') },
      el('span', { dataset: { lang: 'zh-CN' } }, '中文'),
      el('span', { dataset: { lang: 'en' } }, 'EN')
    )
  );
}

// ---- error bar ----------------------------------------------------------

// failPage reports an error that stopped a page from loading, without
// leaving it blank: whatever was drawn stays.
export function failPage(err) {
  console.error(err);
  try {
    applyI18n(document);
    showError(err instanceof ApiError ? err : { key: 'err.load', detail: err && err.message });
  } catch {
    // nothing more we can do
  }
  document.body.dataset.loadError = 'true';
}

let lastError = null;

// err: an ApiError, an Error, or {key, detail} for a message of our own.
export function showError(err) {
  lastError = err;
  renderError();
}

function renderError() {
  const bar = document.getElementById('error-bar');
  if (!lastError) {
    bar.hidden = true;
    return;
  }
  let text;
  if (typeof lastError.describe === 'function') text = lastError.describe();
  else if (lastError.key) text = t(lastError.key) + (lastError.detail ? t('err.sep') + lastError.detail : '');
  else text = t('err.title') + t('err.sep') + (lastError.message || String(lastError));
  document.getElementById('error-text').textContent = text;
  bar.hidden = false;
}

function clearError() {
  lastError = null;
  renderError();
}

// ---- notices (small dismissable pills over the map) ---------------------

const notices = new Map(); // id -> {key, vars, dismissable}

export function showNotice(id, key, vars, dismissable = true) {
  notices.set(id, { key, vars, dismissable });
  renderNotices();
}

export function hideNotice(id) {
  if (notices.delete(id)) renderNotices();
}

function renderNotices() {
  const box = document.getElementById('notices');
  box.replaceChildren(
    ...[...notices].map(([id, n]) =>
      el(
        'div',
        { class: 'notice', id: `notice-${id}`, role: 'status' },
        el('span', {}, t(n.key, n.vars)),
        n.dismissable &&
          el(
            'button',
            {
              type: 'button',
              class: 'notice-close',
              'aria-label': t('notice.dismiss'),
              title: t('notice.dismiss'),
              onclick: () => hideNotice(id),
            },
            '×'
          )
      )
    )
  );
}

// ---- breadcrumb ---------------------------------------------------------

let crumbState = { items: [], onPick: null };

// items: [{id, name}] from the root down; id null with name null stands for
// all the roots when there are several ("all subdistricts", or labelKey).
// The last item is current.
export function renderCrumbs(items, onPick) {
  crumbState = { items, onPick };
  const nav = document.getElementById('breadcrumb');
  const list = el('ol', {});
  items.forEach((item, i) => {
    const label = item.name ?? t(item.labelKey || 'crumb.all');
    const isLast = i === items.length - 1;
    const node = isLast
      ? el('span', { class: 'crumb-current', 'aria-current': 'page' }, label)
      : el(
          'a',
          {
            href: item.id === null ? '#' : `#grid=${item.id}`,
            class: 'crumb-link',
            dataset: { gridId: item.id === null ? '' : String(item.id) },
            onclick: (ev) => {
              ev.preventDefault();
              if (crumbState.onPick) crumbState.onPick(item.id);
            },
          },
          label
        );
    list.append(el('li', {}, node));
  });
  nav.replaceChildren(list);
}

// ---- language toggle ----------------------------------------------------

function renderLangToggle() {
  const btn = document.getElementById('lang-toggle');
  const zh = getLang() === 'zh-CN';
  btn.querySelector('[data-lang="zh-CN"]').classList.toggle('active', zh);
  btn.querySelector('[data-lang="en"]').classList.toggle('active', !zh);
  btn.setAttribute('aria-pressed', String(!zh));
}

// The 中文/EN button (#lang-toggle); the choice is remembered. Used by the
// map and by the login page.
export function initLangToggle() {
  syncLangCookie();
  document.getElementById('lang-toggle').addEventListener('click', () => {
    setLang(getLang() === 'zh-CN' ? 'en' : 'zh-CN', true);
  });
  renderLangToggle();
  onLangChange(renderLangToggle);
}

// ---- signed-in user and logout -------------------------------------------

let me = null; // the /api/me answer, or null when the server has no logins

export function roleName(role) {
  const key = `role.${role}`;
  const s = t(key);
  return s === key ? String(role || '') : s;
}

// Show who is signed in (#user-name, #user-role) and enable #logout.
export function renderUser(user) {
  me = user;
  const box = document.getElementById('user-box');
  if (!me) {
    box.hidden = true;
    return;
  }
  const name = String(me.username || '');
  const role = roleName(me.role);
  document.getElementById('user-name').textContent = name;
  document.getElementById('user-role').textContent = role;
  box.querySelectorAll('.user-avatar').forEach((a) => {
    a.textContent = (name.trim()[0] || '?').toUpperCase();
  });
  const who = [name, role, me.grid_name].filter(Boolean).join(' · ');
  box.title = `${t('user.account')}${t('err.sep')}${who}`;
  const toggle = document.getElementById('user-toggle');
  toggle.setAttribute('aria-label', `${t('user.account')}${t('err.sep')}${who}`);
  const logout = document.getElementById('logout');
  logout.title = t('user.logout');
  logout.setAttribute('aria-label', t('user.logout'));
  box.dataset.role = me.role || '';
  box.hidden = false;
  const admin = me.role === 'admin' && header().dataset.page !== 'admin';
  for (const id of ['admin-link', 'user-admin']) {
    const link = document.getElementById(id);
    if (link) link.hidden = !admin;
  }
}

function setUserMenu(open) {
  const box = document.getElementById('user-box');
  box.classList.toggle('open', open);
  document.getElementById('user-toggle').setAttribute('aria-expanded', String(open));
}

// POST /api/logout, then the login page. A 401 means the session was gone
// already, which is as good.
export async function logout() {
  document.querySelectorAll('#logout, #device-logout').forEach((b) => {
    b.disabled = true;
  });
  try {
    await postJSON('/api/logout', undefined, { loginOn401: false });
  } catch (err) {
    if (err.status !== 401) {
      document.querySelectorAll('#logout, #device-logout').forEach((b) => {
        b.disabled = false;
      });
      showError(err);
      return;
    }
  }
  // What a page kept on this device for an offline reload (tasks.js) is
  // the person's, not the next one's.
  try {
    for (const k of Object.keys(window.localStorage)) if (k.startsWith('gridmap.tasks.')) window.localStorage.removeItem(k);
  } catch {
    // no storage: nothing kept
  }
  window.location.assign(LOGIN_PATH);
}

function initUserBox() {
  const box = document.getElementById('user-box');
  document.getElementById('logout').addEventListener('click', logout);
  // On a phone the user box folds into its avatar; a tap opens it.
  document.getElementById('user-toggle').addEventListener('click', (ev) => {
    ev.stopPropagation();
    setUserMenu(!box.classList.contains('open'));
  });
  document.addEventListener('click', (ev) => {
    if (box.classList.contains('open') && !box.contains(ev.target)) setUserMenu(false);
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && box.classList.contains('open')) {
      setUserMenu(false);
      document.getElementById('user-toggle').focus();
    }
  });
}

export function initChrome() {
  buildTopBar(document.querySelector('header.topbar'));
  // Writes kept while the server is out of reach (fieldwrite.js).
  document.addEventListener('gridmap:server-waiting', (e) => {
    if (e.detail.waiting > 0) showNotice('server-waiting', 'notice.serverWaiting', null, false);
    else hideNotice('server-waiting');
  });
  document.getElementById('error-close').addEventListener('click', clearError);
  initLangToggle();
  initUserBox();
  onLangChange(() => {
    renderError();
    renderNotices();
    if (me) renderUser(me);
    if (crumbState.items.length) renderCrumbs(crumbState.items, crumbState.onPick);
  });
}
