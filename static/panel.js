// The side panel (a bottom sheet on phones) describing the selected grid:
// who leads it, today's coverage (today.js), its roll-up counts, its
// sub-grids.
'use strict';

import { t, fmtNumber, onLangChange } from './i18n.js';
import { el } from './ui.js';
import { tone, pctText } from './figview.js';
import { initToday } from './today.js';

function $(id) {
  return document.getElementById(id);
}

function pct(part, whole) {
  if (!whole) return null;
  return (100 * part) / whole;
}

function fmtArea(m2) {
  if (typeof m2 !== 'number' || !(m2 > 0)) return null;
  if (m2 >= 100000) return t('unit.km2', { n: fmtNumber(m2 / 1e6, 2) });
  return t('unit.m2', { n: fmtNumber(m2, 0) });
}

function row(key, value, extraClass) {
  return el(
    'div',
    { class: `stat ${extraClass || ''}`.trim(), dataset: { stat: key } },
    el('dt', {}, t(`panel.${key}`)),
    el('dd', {}, value)
  );
}

// A "part / whole  (pct%)" row with a thin progress bar.
function ratioRow(key, part, whole) {
  const p = pct(part, whole);
  const k = tone(p);
  return el(
    'div',
    { class: `stat ratio tone-${k}`, dataset: { stat: key, tone: k } },
    el('dt', {}, t(`panel.${key}`)),
    el(
      'dd',
      {},
      el('span', { class: 'ratio-nums' }, `${fmtNumber(part)} / ${fmtNumber(whole)}`),
      el('span', { class: 'pct' }, pctText(p))
    ),
    el(
      'div',
      { class: 'bar', 'aria-hidden': 'true' },
      el('span', { style: `width:${p === null ? 0 : Math.min(100, p).toFixed(1)}%` })
    )
  );
}

// The panel; onClose() when the user closed it. Returns what the page
// calls: open(), fill(), history(), fail(), close(), isOpen(), setLive(),
// and today (what initToday returned), which the page feeds coverage.
export function initPanel(onCloseCb) {
  let state = null; // {id, level, name, code, detail|null, failed, children, onPick}
  const today = initToday();

  function panelOpen() {
    return !$('panel').hidden;
  }

  function closePanel(byUser = false) {
    state = null;
    today.show(null);
    $('panel').hidden = true;
    document.body.classList.remove('panel-open');
    if (byUser && onCloseCb) onCloseCb();
  }

  // Show the panel at once with what the map already knows; fillPanel() adds
  // the roll-up counts when /api/grids/{id} answers.
  function openPanel({ id, level, name, code, children, onPick, live = false }) {
    state = { id, level, name, code, detail: null, failed: false, children: children || [], onPick, live, liveCount: null };
    $('panel').hidden = false;
    document.body.classList.add('panel-open');
    today.show(id);
    render();
  }

  function fillPanel(id, detail) {
    if (!state || state.id !== id) return; // a newer selection won
    state.detail = detail;
    state.level = detail.properties.level;
    state.name = detail.properties.name;
    render();
  }

  // The counts could not be fetched: say so instead of loading forever.
  // The grid is shown as it was at a past time: no figures to load.
  function historyPanel(id) {
    if (!state || state.id !== id) return;
    state.history = true;
    render();
  }

  function failPanel(id) {
    if (!state || state.id !== id || state.detail) return;
    state.failed = true;
    render();
  }

  // Volunteers now in the grid (live.js), updated in place.
  function setPanelLive(id, n) {
    if (!state || state.id !== id || !state.live) return;
    state.liveCount = n;
    const node = document.getElementById('panel-live-count');
    if (node) node.textContent = fmtNumber(n);
  }

  function render() {
    if (!state) return;
    const { level, name, detail } = state;
    $('panel-level').textContent = level ? t(`level.${level}`) : '';
    $('panel-level').dataset.level = level || '';
    $('panel-name').textContent = name || '';
    $('panel').dataset.gridId = String(state.id);
    $('panel-close').title = t('panel.close');
    $('panel-close').setAttribute('aria-label', t('panel.close'));

    const body = $('panel-body');
    if (!detail) {
      $('panel-code').textContent = state.code ? `${t('panel.code')} ${state.code}` : '';
      if (state.history) {
        $('panel').removeAttribute('aria-busy');
        body.replaceChildren(el('p', { class: 'panel-loading' }, t('panel.history')));
      } else if (state.failed) {
        $('panel').removeAttribute('aria-busy');
        body.replaceChildren(el('p', { class: 'panel-failed' }, t('panel.failed')));
      } else {
        $('panel').setAttribute('aria-busy', 'true');
        body.replaceChildren(el('p', { class: 'panel-loading' }, t('panel.loading')));
      }
      return;
    }
    $('panel').removeAttribute('aria-busy');

    const p = detail.properties;
    const c = p.counts || {};
    $('panel-code').textContent = `${t('panel.code')} ${p.code || ''}`;

    const leader =
      p.leader && p.leader.name
        ? el('span', { id: 'panel-leader' }, p.leader.name)
        : el('span', { id: 'panel-leader', class: 'missing' }, t('panel.leaderNone'));

    const people = el(
      'dl',
      { class: 'stats stats-people' },
      row('leader', leader),
      fmtArea(p.area_m2) && row('area', fmtArea(p.area_m2)),
      state.live &&
        row(
          'volunteersNow',
          el(
            'span',
            { class: 'live-count' },
            el('span', { class: 'live-count-dot', 'aria-hidden': 'true' }),
            el('span', { id: 'panel-live-count' }, state.liveCount === null ? '—' : fmtNumber(state.liveCount))
          ),
          'live'
        )
    );

    const counts = el(
      'dl',
      { class: 'stats stats-counts', id: 'panel-counts' },
      p.level < 3 && row('grids', fmtNumber(c.grids ?? 0), 'big'),
      row('buildings', fmtNumber(c.buildings ?? 0), 'big'),
      ratioRow('buildingsWithHead', c.buildings_with_head ?? 0, c.buildings ?? 0),
      row('households', fmtNumber(c.households ?? 0), 'big'),
      ratioRow('householdsLinked', c.households_linked ?? 0, c.households ?? 0),
      row('residents', fmtNumber(c.residents ?? 0), 'big')
    );

    // Today's coverage first: on the command centre's wall nobody scrolls.
    const parts = [people, today.block()];
    if (p.level === 3) {
      // The grid leader's page: gaps, figures and actions for this grid.
      parts.push(
        el(
          'a',
          { class: 'workbench-link', id: 'panel-workbench', href: `/grid/${encodeURIComponent(state.id)}` },
          el('span', { class: 'workbench-icon', 'aria-hidden': 'true' }),
          t('panel.workbench'),
          el('span', { class: 'workbench-arrow', 'aria-hidden': 'true' }, '›')
        )
      );
    }
    parts.push(el('h3', {}, t('panel.counts')), counts);

    if (p.level < 3) {
      parts.push(el('h3', {}, t('panel.children')));
      if (state.children.length) {
        parts.push(
          el(
            'ul',
            { class: 'children' },
            state.children.map((ch) =>
              el(
                'li',
                {},
                el(
                  'button',
                  {
                    type: 'button',
                    class: 'child-link',
                    dataset: { gridId: String(ch.id) },
                    onclick: () => state && state.onPick && state.onPick(ch.id),
                  },
                  ch.name
                )
              )
            )
          )
        );
      } else {
        parts.push(el('p', { class: 'muted' }, t('panel.noChildren')));
      }
    }
    body.replaceChildren(...parts);
  }

  $('panel-close').addEventListener('click', () => closePanel(true));
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && !$('panel').hidden) closePanel(true);
  });
  onLangChange(render);
  return { open: openPanel, fill: fillPanel, history: historyPanel, fail: failPanel, close: closePanel, isOpen: panelOpen, setLive: setPanelLive, today };
}
