// The households of a building, for its popup: today's screening state
// and the party-member contact of each. The household list comes from
// GET /api/buildings/{id}/households; whether a household is screened
// today from the unscreened list of its grid's gaps (a household that is
// occupied and not on it has been screened), unless the household answer
// carries the state itself.
'use strict';

import { t } from './i18n.js';
import { getJSON } from './api.js';
import { el } from './ui.js';

const GAPS_TTL_MS = 15000;
const SHOW_MAX = 60;
const gapsCache = new Map(); // grid id -> {at, promise}

// The unscreened household ids of a grid, cached briefly: a popup opened
// on building after building should not refetch the grid's gaps each time.
function unscreenedOf(gridId) {
  const c = gapsCache.get(gridId);
  if (c && Date.now() - c.at < GAPS_TTL_MS) return c.promise;
  const promise = getJSON(`/api/grids/${encodeURIComponent(gridId)}/gaps`, { loginOn401: true }).then((g) => {
    const ids = new Set();
    for (const b of (g && g.unscreened) || []) for (const h of b.households || []) ids.add(h.id);
    return ids;
  });
  promise.catch(() => gapsCache.delete(gridId));
  gapsCache.set(gridId, { at: Date.now(), promise });
  return promise;
}

// Forget cached gaps (a screening event arrived).
export function forgetScreening() {
  gapsCache.clear();
}

function stateOf(h, unscreened) {
  if (h.status === 'vacant' || h.status === 'demolished') return ['excluded', t(`hh.${h.status}`)];
  const own = h.screening && typeof h.screening === 'object' ? h.screening.screened : h.screened_today;
  const screened = typeof own === 'boolean' ? own : unscreened ? !unscreened.has(h.id) : null;
  if (screened === null) return ['', '—'];
  return screened ? ['screened', t('hh.screened')] : ['unscreened', t('hh.unscreened')];
}

// A block that fills itself in: loading, then the list (or a failure);
// onSized() after it changed size (the popup re-lays itself out).
export function householdsBlock(buildingId, gridId, onSized = () => {}) {
  const box = el('div', { class: 'bpop-hh', dataset: { state: 'loading' } }, el('div', { class: 'bpop-hh-title' }, t('hh.title')), el('div', { class: 'muted' }, t('hh.loading')));
  Promise.all([
    getJSON(`/api/buildings/${encodeURIComponent(buildingId)}/households`),
    gridId ? unscreenedOf(gridId).catch(() => null) : Promise.resolve(null),
  ])
    .then(([d, unscreened]) => {
      const hs = (d && d.households) || [];
      const rows = hs.slice(0, SHOW_MAX).map((h) => {
        const [cls, label] = stateOf(h, unscreened);
        return el(
          'li',
          { dataset: { householdId: String(h.id), screening: cls } },
          el('span', { class: 'hh-room' }, `${h.unit || ''} ${h.room || ''}`.trim()),
          el('span', { class: `hh-state ${cls}` }, label),
          cls !== 'excluded' &&
            el('span', { class: `hh-contact${h.contact ? '' : ' none'}` }, h.contact ? `${t('building.linked')}${t('err.sep')}${h.contact.name}` : t('hh.noContact'))
        );
      });
      if (hs.length > SHOW_MAX) rows.push(el('li', { class: 'muted' }, t('hh.more', { n: hs.length - SHOW_MAX })));
      box.dataset.state = 'loaded';
      box.replaceChildren(el('div', { class: 'bpop-hh-title' }, t('hh.title')), el('ul', {}, rows));
      onSized();
    })
    .catch(() => {
      box.dataset.state = 'failed';
      box.replaceChildren(el('div', { class: 'bpop-hh-title' }, t('hh.title')), el('div', { class: 'act-error' }, t('hh.failed')));
      onSized();
    });
  return box;
}
