// The admin page's wall links: issue one for a grid (the link, which logs
// a screen in read-only, is shown once with a copy button), list them with
// when each was last opened, revoke one (its screen is logged out at once).
'use strict';

import { t, fmtNumber } from './i18n.js';
import { getJSON } from './api.js';
import { el, showError } from './ui.js';
import { fmtTime, field, gridOptions, ttlOptions, say, send, confirmButton, onceBox } from './adminkit.js';

function linkState(l) {
  if (l.revoked_at) return 'revoked';
  if (new Date(l.expires_at) <= new Date()) return 'expired';
  return 'live';
}

function linkRow(l, revoked) {
  const state = linkState(l);
  return el(
    'li',
    { class: `adm-row adm-wall is-${state}`, dataset: { id: String(l.id), state, grid: String(l.grid_id) } },
    el(
      'div',
      { class: 'adm-row-main' },
      el('span', { class: 'adm-row-title' }, l.grid_name || `#${l.grid_id}`),
      el('span', { class: `adm-badge adm-state-${state}` }, t(`adm.tok.${state}`)),
      el('span', { class: 'adm-badge' }, t('adm.wall.by', { name: l.created_by || t('adm.wall.cli') }))
    ),
    el(
      'div',
      { class: 'adm-row-meta' },
      el('span', {}, t('adm.tok.created', { t: fmtTime(l.created_at) })),
      el('span', {}, t('adm.tok.expires', { t: fmtTime(l.expires_at) })),
      el('span', { class: 'adm-last-seen' }, t('adm.tok.lastSeen', { t: fmtTime(l.last_used_at) }))
    ),
    state === 'live'
      ? el(
          'div',
          { class: 'adm-row-actions' },
          confirmButton('adm.tok.revoke', { dataset: { act: 'revoke' } }, async (b) => {
            if ((await send(b, 'DELETE', `/api/wall-links/${l.id}`)) === undefined) return;
            say('adm.wall.revokedDone', { grid: l.grid_name || `#${l.grid_id}` });
            revoked();
          })
        )
      : null
  );
}

// initWalls builds the wall links tab in box; roots are the grid tree's.
export function initWalls(box, roots) {
  const s = { links: null, loaded: false };
  const list = el('div', { class: 'adm-list-slot' });

  async function load() {
    try {
      s.links = (await getJSON('/api/wall-links')).wall_links;
    } catch (err) {
      showError(err);
    }
    render();
  }

  function render() {
    const parts = [el('h2', { class: 'adm-card-title' }, t('adm.wall.list'))];
    if (!s.links) parts.push(el('p', { class: 'adm-note' }, t('adm.loading')));
    else if (!s.links.length) parts.push(el('p', { class: 'adm-note' }, t('adm.wall.empty')));
    else {
      parts.push(el('p', { class: 'adm-summary' }, t('adm.wall.count', { n: fmtNumber(s.links.length) })));
      parts.push(el('ul', { class: 'adm-rows', id: 'wall-list' }, s.links.map((l) => linkRow(l, load))));
    }
    list.replaceChildren(...parts);
    document.body.dataset.wallsLoaded = s.links ? 'true' : 'false';
  }

  function build() {
    const grid = el('select', { name: 'grid_id', required: true }, gridOptions(roots));
    const ttl = el('select', { name: 'ttl_hours' }, ttlOptions([1, 7, 30, 90, 365], 30));
    const submit = el('button', { type: 'submit', class: 'btn-primary' }, t('adm.wall.submit'));
    const shown = el('div', { class: 'adm-once-slot' });
    const form = el('form', { id: 'wall-new', class: 'adm-form', novalidate: true },
      field('adm.wall.grid', grid), field('adm.tok.ttl', ttl), el('div', { class: 'adm-form-actions' }, submit), shown);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const r = await send(submit, 'POST', '/api/wall-links', { grid_id: Number(grid.value) || 0, ttl_hours: Number(ttl.value) }, form);
      if (!r) return;
      shown.replaceChildren(onceBox('wall-new-secret', 'adm.wall.once', r.url));
      load();
    });
    box.replaceChildren(el('div', { class: 'adm-card' }, el('h2', { class: 'adm-card-title' }, t('adm.wall.issue')), form), el('div', { class: 'adm-card' }, list));
    render();
  }

  build();
  return {
    show() {
      render();
      if (!s.loaded) {
        s.loaded = true;
        load();
      }
    },
    build,
  };
}
