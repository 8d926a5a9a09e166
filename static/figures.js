// Coverage figures of one grid (docs/FIELD.md `Figures`), with the
// explicit denominator: percentages of occupied households, vacant and
// demolished ones left out and counted. Updated in place from the
// stream's coverage events.
'use strict';

import { t, fmtNumber, onLangChange } from './i18n.js';
import { el } from './ui.js';

// Coverage below this share is flagged (amber, and red below PCT_BAD),
// as in the map's panel.
const PCT_WARN = 90;
const PCT_BAD = 70;

let box = null;
let fig = null;
let day = '';

export function initFigures(node) {
  box = node;
  onLangChange(render);
}

function tone(p) {
  if (p === null || p === undefined) return 'none';
  if (p < PCT_BAD) return 'bad';
  if (p < PCT_WARN) return 'warn';
  return 'ok';
}

function pctText(p) {
  return p === null || p === undefined ? t('fig.none') : `${fmtNumber(p, p >= 99.95 || p === 0 ? 0 : 1)}%`;
}

function ratio(key, stat, part, whole, p, note) {
  const k = tone(p);
  return el(
    'div',
    { class: `fig-ratio tone-${k}`, dataset: { stat, tone: k, pct: p === null || p === undefined ? '' : String(p) } },
    el('div', { class: 'fig-label' }, t(key)),
    el(
      'div',
      { class: 'fig-nums' },
      el('span', { class: 'pct' }, pctText(p)),
      el('span', { class: 'ratio-nums' }, `${fmtNumber(part)} / ${fmtNumber(whole)}`)
    ),
    el('div', { class: 'bar', 'aria-hidden': 'true' }, el('span', { style: `width:${p == null ? 0 : Math.min(100, p)}%` })),
    note && el('div', { class: 'fig-note' }, note)
  );
}

function count(key, stat, n) {
  return el(
    'div',
    { class: `fig-count${n > 0 ? ' has' : ''}`, dataset: { stat, value: String(n) } },
    el('span', { class: 'fig-n' }, fmtNumber(n)),
    el('span', { class: 'fig-label' }, t(key))
  );
}

function render() {
  if (!box) return;
  document.getElementById('fig-day').textContent = day ? t('fig.day', { day }) : '';
  if (!fig) return;
  box.closest('section').removeAttribute('aria-busy');
  const households = fig.households ?? 0;
  const denom = t('fig.households', { n: fmtNumber(households), x: fmtNumber(fig.excluded ?? 0) });
  box.replaceChildren(
    el('div', { class: 'fig-denom', id: 'fig-denominator' }, denom),
    el(
      'div',
      { class: 'fig-ratios' },
      ratio('fig.screened', 'screened_pct', fig.screened_today ?? 0, households, fig.screened_pct),
      ratio('fig.contact', 'contact_pct', fig.with_contact ?? 0, households, fig.contact_pct),
      ratio('fig.head', 'head_pct', fig.with_head ?? 0, fig.buildings ?? 0, fig.head_pct, t('fig.buildings', { n: fmtNumber(fig.buildings ?? 0) }))
    ),
    el(
      'div',
      { class: 'fig-counts' },
      count('fig.quarantined', 'quarantined', fig.quarantined ?? 0),
      count('fig.fever', 'fever_alerts', fig.fever_alerts ?? 0),
      count('fig.overdue', 'overdue_visits', fig.overdue_visits ?? 0),
      count('fig.requests', 'open_requests', fig.open_requests ?? 0)
    )
  );
}

// Show figures (from GET /api/grids/{id}/coverage or a coverage event).
// flash: briefly mark what changed.
export function setFigures(next, { flash = false, day: d } = {}) {
  const prev = fig;
  fig = next;
  if (d) day = d;
  render();
  box.dataset.version = String(Number(box.dataset.version || 0) + 1);
  if (!flash || !prev) return;
  for (const node of box.querySelectorAll('[data-stat]')) {
    const k = node.dataset.stat;
    if (prev[k] !== next[k]) {
      node.classList.add('flash');
      window.setTimeout(() => node.classList.remove('flash'), 1600);
    }
  }
}

export function figures() {
  return fig;
}
