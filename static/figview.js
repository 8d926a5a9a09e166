// DOM pieces for a grid's coverage figures (docs/FIELD.md `Figures`),
// shared by the grid leader's figures card (figures.js) and the "today"
// block of the map's panel (today.js): the denominator line, a percentage
// with its numbers and bar, the counts of things to do, and the flash that
// marks what a live update changed.
'use strict';

import { t, fmtNumber } from './i18n.js';
import { el } from './ui.js';

// Coverage below this share is flagged (amber, and red below PCT_BAD).
export const PCT_WARN = 90;
export const PCT_BAD = 70;

const FLASH_MS = 1600;

export function tone(p) {
  if (p === null || p === undefined) return 'none';
  if (p < PCT_BAD) return 'bad';
  if (p < PCT_WARN) return 'warn';
  return 'ok';
}

// One decimal, except where rounding would print 100.0% or 0.0%.
export function pctText(p) {
  return p === null || p === undefined ? t('fig.none') : `${fmtNumber(p, p >= 99.95 || p === 0 ? 0 : 1)}%`;
}

// What the percentages are of: occupied households, the vacant and
// demolished ones left out and counted.
export function denominator(fig, id) {
  const text = t('fig.households', { n: fmtNumber(fig.households ?? 0), x: fmtNumber(fig.excluded ?? 0) });
  return el('div', { class: 'fig-denom', id }, text);
}

// A percentage with "part / whole" and a bar; p is the API's value (null
// when whole is 0), so the page never recomputes it.
export function ratio(key, stat, part, whole, p, note) {
  const k = tone(p);
  return el(
    'div',
    {
      class: `fig-ratio tone-${k}`,
      dataset: { stat, tone: k, pct: p === null || p === undefined ? '' : String(p), part: String(part), whole: String(whole) },
    },
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

export function screenedRatio(fig) {
  return ratio('fig.screened', 'screened_pct', fig.screened_today ?? 0, fig.households ?? 0, fig.screened_pct);
}

function count(key, stat, n) {
  return el(
    'div',
    { class: `fig-count${n > 0 ? ' has' : ''}`, dataset: { stat, value: String(n) } },
    el('span', { class: 'fig-n' }, fmtNumber(n)),
    el('span', { class: 'fig-label' }, t(key))
  );
}

// The four counts of things to do; any above 0 is red.
export function counts(fig) {
  return el(
    'div',
    { class: 'fig-counts' },
    count('fig.quarantined', 'quarantined', fig.quarantined ?? 0),
    count('fig.fever', 'fever_alerts', fig.fever_alerts ?? 0),
    count('fig.overdue', 'overdue_visits', fig.overdue_visits ?? 0),
    count('fig.requests', 'open_requests', fig.open_requests ?? 0)
  );
}

// Briefly mark the figures under root whose value differs between prev
// and next (an element's data-stat names its Figures field).
export function flashChanged(root, prev, next) {
  if (!prev || !next) return;
  for (const node of root.querySelectorAll('[data-stat]')) {
    const k = node.dataset.stat;
    if (prev[k] !== next[k]) {
      node.classList.add('flash');
      window.setTimeout(() => node.classList.remove('flash'), FLASH_MS);
    }
  }
}
