// The "今日覆盖 / Today" block of the map's panel: today's coverage of the
// grid in the panel (GET /api/grids/{id}/coverage), with the same pieces
// as the grid leader's figures card (figview.js). The map's coverage
// events update it in place: each carries a grid's whole Figures, so the
// block takes them as they come and never refetches for them. It is
// fetched when the panel shows another grid, after the stream lost events,
// and every few minutes while the page is visible, so a wall display left
// on overnight rolls over to the new day without a write to tell it.
'use strict';

import { t, onLangChange } from './i18n.js';
import { getJSON, isAbort } from './api.js';
import { el } from './ui.js';
import { denominator, screenedRatio, counts, flashChanged } from './figview.js';

const REFRESH_MS = 5 * 60 * 1000;

// The block; returns what the page calls: block() for the panel to place,
// show(id) with a grid or (null) none (the same grid again keeps what is
// shown while it is fetched anew), refresh() after a gap in the stream, and
// onCoverage(figures) with a coverage event's figures.
export function initToday() {
  const node = el('section', { id: 'panel-today', class: 'today', 'aria-labelledby': 'panel-today-title' }); // kept across the panel's re-renders
  // The grid shown: {id, fig, day, status: 'loading'|'loaded'|'failed',
  // ctrl, evented: a coverage event arrived while the fetch was under way}.
  let cur = null;

  // The block, for the panel to place.
  function todayBlock() {
    return node;
  }

  // Show today's figures of a grid, or (null) of none. The same grid again
  // keeps what is shown while it is fetched anew.
  function showToday(id) {
    if (cur && cur.ctrl) cur.ctrl.abort();
    if (id === null) {
      cur = null;
      render();
      return;
    }
    if (!cur || cur.id !== id) cur = { id, fig: null, day: '', status: 'loading', ctrl: null, evented: false };
    load();
  }

  // Fetch the shown grid's figures again (after a gap in the stream).
  function refreshToday() {
    if (cur && !(cur.ctrl && !cur.ctrl.signal.aborted)) load();
  }

  async function load() {
    const mine = cur;
    const ctrl = new AbortController();
    mine.ctrl = ctrl;
    mine.evented = false;
    render();
    try {
      const c = await getJSON(`/api/grids/${encodeURIComponent(mine.id)}/coverage`, { signal: ctrl.signal });
      if (cur !== mine || mine.ctrl !== ctrl) return;
      mine.ctrl = null;
      // An event that came while the request was out may be newer than the
      // answer; it is never older than what the answer replaces.
      const prev = mine.fig;
      if (!mine.evented) mine.fig = c.grid;
      mine.day = c.day || mine.day;
      mine.status = 'loaded';
      render();
      flashChanged(node, prev, mine.fig);
    } catch (err) {
      if (isAbort(err) || cur !== mine || mine.ctrl !== ctrl) return;
      mine.ctrl = null;
      console.warn('gridmap: today\'s coverage', err);
      if (!mine.fig) mine.status = 'failed';
      render();
    }
  }

  // A coverage event: one grid's new Figures.
  function onTodayCoverage(f) {
    if (!cur || !f || Number(f.grid) !== cur.id) return;
    const prev = cur.fig;
    cur.fig = f;
    if (cur.ctrl) cur.evented = true;
    if (cur.status === 'failed') cur.status = 'loaded';
    render();
    flashChanged(node, prev, f);
  }

  function render() {
    node.dataset.grid = cur ? String(cur.id) : '';
    node.dataset.state = cur ? (cur.fig ? 'loaded' : cur.status) : 'none';
    node.dataset.version = String(Number(node.dataset.version || 0) + 1);
    const title = el(
      'h3',
      { id: 'panel-today-title', class: 'today-title' },
      el('span', {}, t('today.title')),
      cur && cur.day && el('span', { class: 'today-day' }, cur.day)
    );
    if (!cur || !cur.fig) {
      const failed = cur && cur.status === 'failed';
      node.setAttribute('aria-busy', failed || !cur ? 'false' : 'true');
      node.replaceChildren(title, el('p', { class: failed ? 'panel-failed' : 'panel-loading' }, t(failed ? 'today.failed' : 'panel.loading')));
      return;
    }
    node.setAttribute('aria-busy', 'false');
    const f = cur.fig;
    node.replaceChildren(title, screenedRatio(f), denominator(f, 'panel-today-denominator'), counts(f));
  }

  onLangChange(render);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') refreshToday();
  });
  window.setInterval(() => {
    if (document.visibilityState === 'visible') refreshToday();
  }, REFRESH_MS);
  return { block: todayBlock, show: showToday, refresh: refreshToday, onCoverage: onTodayCoverage };
}
