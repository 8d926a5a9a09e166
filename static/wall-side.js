// The wall display's right column (docs/WALL.md): the headline counters,
// the ranking of the grids furthest behind and the alert feed. Each part
// draws from what the page hands it; nothing here fetches.
'use strict';

import { t, fmtNumber, getLang, getAreaZone } from './i18n.js';
import { el } from './ui.js';
import { pctText, tone } from './figview.js';
import { classesOf, colourOf } from './choropleth.js';

export const RANK_SIZE = 8;
export const FEED_CAP = 30;
const PCT = new Set(['contact_pct', 'head_pct', 'screened_pct']);

// fit drops a list's last items while they would be cut off by its box:
// a wall shows whole lines or none, and never a scroll bar.
export function fit(list) {
  const bottom = list.getBoundingClientRect().bottom + 0.5;
  while (list.children.length > 1 && list.lastElementChild.getBoundingClientRect().bottom > bottom) list.lastElementChild.remove();
  list.dataset.shown = String(list.querySelectorAll('[data-key], [data-grid]').length);
}

// ---- counters --------------------------------------------------------------

function counter(name) {
  return document.querySelector(`#wall-counters [data-counter="${name}"]`);
}

function setNumber(name, n) {
  const box = counter(name);
  const v = Number.isFinite(n) ? n : null;
  const node = box.querySelector('.wall-n');
  const text = v === null ? '—' : fmtNumber(v);
  if (box.dataset.value !== undefined && box.dataset.value !== String(v) && v !== null) flash(box);
  box.dataset.value = v === null ? '' : String(v);
  node.textContent = text;
  box.classList.toggle('wall-alarm', ['fever_alerts'].includes(name) && v > 0);
}

function flash(box) {
  box.classList.remove('wall-flash');
  void box.offsetWidth; // restart the animation
  box.classList.add('wall-flash');
}

// resetCounters blanks the counters when another grid comes on screen:
// its figures are not a change to flash.
export function resetCounters() {
  for (const box of document.querySelectorAll('#wall-counters .wall-counter:not([data-counter="sampling"])')) {
    delete box.dataset.value;
    box.classList.remove('wall-flash', 'wall-alarm');
    for (const n of box.querySelectorAll('.wall-n, [data-part]')) n.textContent = n.classList.contains('wall-n') || n.dataset.part === 'households' ? '—' : '';
  }
}

// renderFigures shows a grid's coverage Figures in the counters they feed.
export function renderFigures(f) {
  const box = counter('screened');
  const part = f.screened_today ?? 0;
  const whole = f.households ?? 0;
  if (box.dataset.value !== undefined && box.dataset.value !== String(part)) flash(box);
  box.dataset.value = String(part);
  box.dataset.households = String(whole);
  box.dataset.tone = tone(f.screened_pct);
  box.querySelector('[data-part="screened"]').textContent = fmtNumber(part);
  box.querySelector('[data-part="households"]').textContent = fmtNumber(whole);
  box.querySelector('[data-part="pct"]').textContent = pctText(f.screened_pct);
  box.querySelector('.wall-bar span').style.width = `${f.screened_pct == null ? 0 : Math.min(100, f.screened_pct)}%`;
  setNumber('quarantined', f.quarantined);
  setNumber('fever_alerts', f.fever_alerts);
  setNumber('open_requests', f.open_requests);
  setNumber('overdue_visits', f.overdue_visits);
}

// renderSummary shows GET /api/grids/{id}/wall: the figures and the
// counts they do not hold.
export function renderSummary(s) {
  renderFigures(s.figures || {});
  setNumber('volunteers_on_duty', s.volunteers_on_duty);
  setNumber('party_members', s.party_members);
  const over = counter('open_requests').querySelector('[data-part="overdue"]');
  over.dataset.value = String(s.requests_overdue ?? 0);
  over.textContent = s.requests_overdue > 0 ? t('wall.c.requestsOverdue', { n: fmtNumber(s.requests_overdue) }) : '';
  // The tasks they hold: open, and how many came back or went up.
  const tasks = counter('volunteers_on_duty').querySelector('[data-part="tasks"]');
  tasks.dataset.value = String(s.tasks_open ?? 0);
  tasks.dataset.escalated = String(s.tasks_escalated ?? 0);
  tasks.textContent =
    s.tasks_open > 0
      ? s.tasks_escalated > 0
        ? t('wall.c.tasksEscalated', { n: fmtNumber(s.tasks_open), m: fmtNumber(s.tasks_escalated) })
        : t('wall.c.tasks', { n: fmtNumber(s.tasks_open) })
      : '';
}

// ---- ranking ---------------------------------------------------------------

// behind orders grids worst first by a metric: the lowest percentage, or
// the most of a count of things to do. Grids with nothing to measure (a
// null percentage) or nothing to do (a count of 0) are left out.
export function behind(metric, figures) {
  const pct = PCT.has(metric);
  return figures
    .filter((f) => {
      const v = f[metric];
      return v !== null && v !== undefined && (pct ? v < 100 : v > 0);
    })
    .sort((a, b) => (pct ? a[metric] - b[metric] : b[metric] - a[metric]) || a.grid - b.grid)
    .slice(0, RANK_SIZE);
}

// renderRank lists the grids furthest behind (figures: those under the
// grid on screen), with bars: a percentage of 100, a count of the largest.
export function renderRank(metric, figures, nameOf) {
  const list = document.getElementById('wall-rank');
  const rows = behind(metric, figures);
  const pct = PCT.has(metric);
  const top = pct ? 100 : Math.max(1, ...rows.map((f) => f[metric]));
  list.dataset.metric = metric;
  if (!rows.length) {
    list.replaceChildren(el('li', { class: 'wall-empty' }, t('wall.rankEmpty')));
    return;
  }
  list.replaceChildren(
    ...rows.map((f, i) => {
      const v = f[metric];
      return el(
        'li',
        { class: 'wall-rank-row', dataset: { grid: String(f.grid), value: String(v) } },
        el('span', { class: 'wall-rank-i' }, String(i + 1)),
        el('span', { class: 'wall-rank-name' }, nameOf(f.grid)),
        el('span', { class: 'wall-rank-bar', 'aria-hidden': 'true' }, el('span', { style: `width:${Math.max(2, (100 * v) / top)}%;background:${colourOf(metric, v)}` })),
        el('span', { class: 'wall-rank-v' }, pct ? pctText(v) : fmtNumber(v))
      );
    })
  );
  fit(list);
}

// renderLegend shows what the map's colours mean.
export function renderLegend(metric) {
  const box = document.getElementById('wall-legend');
  box.dataset.metric = metric;
  box.replaceChildren(
    el('div', { class: 'wall-legend-title' }, t('wall.colouredBy', { metric: t(`metric.${metric}`) })),
    el(
      'ul',
      {},
      classesOf(metric).map((c) => el('li', {}, el('span', { class: 'wall-sw', style: `background:${c.color}`, 'aria-hidden': 'true' }), c.label))
    ),
    el(
      'ul',
      { class: 'wall-legend-marks' },
      el('li', {}, el('span', { class: 'wall-key wall-key-q', 'aria-hidden': 'true' }, '3'), t('wall.key.quarantined')),
      el('li', {}, el('span', { class: 'wall-key wall-key-cp', 'aria-hidden': 'true' }, t('glyph.checkpoint')), t('wall.key.checkpoint')),
      el('li', {}, el('span', { class: 'wall-key wall-key-vol', 'aria-hidden': 'true' }), t('wall.key.volunteer'))
    )
  );
}

// ---- alert feed ------------------------------------------------------------

// An alert of the feed: {key, kind: fever|seal|visit|request, at (ms),
// grid (name), text}.

const clock = () => new Intl.DateTimeFormat(getLang(), { timeZone: getAreaZone(), hour: '2-digit', minute: '2-digit', hour12: false });
const dayClock = () => new Intl.DateTimeFormat(getLang(), { timeZone: getAreaZone(), month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });

function when(ms) {
  const today = new Date().toLocaleDateString('en-CA', { timeZone: getAreaZone() }) === new Date(ms).toLocaleDateString('en-CA', { timeZone: getAreaZone() });
  return (today ? clock() : dayClock()).format(new Date(ms));
}

// feverSource says where a fever was found: at a household or a gate.
export function feverSource(a) {
  return t(Number.isFinite(a.checkpoint_id) ? 'wall.a.fromCheckpoint' : 'wall.a.fromHousehold');
}

// alertsOfGaps turns GET /api/grids/{id}/gaps into feed items; a request
// is overdue once past its deadline (open longer than overdueMs when it
// has none).
export function alertsOfGaps(gaps, gridName, overdueMs, now = Date.now()) {
  const out = [];
  const at = (s) => Date.parse(s);
  for (const a of gaps.fever_alerts || []) {
    out.push({ key: `alert:${a.id}`, kind: 'fever', at: at(a.at), grid: gridName, text: feverSource(a) });
  }
  for (const a of gaps.seal_alerts || []) {
    out.push({ key: `alert:${a.id}`, kind: 'seal', at: at(a.at), grid: gridName, text: t(`alertKind.${a.kind}`) });
  }
  for (const v of gaps.overdue_visits || []) {
    const due = at(v.due);
    out.push({ key: `visit:${v.id}`, kind: 'visit', at: due, grid: gridName, text: t('wall.a.visitText', { name: v.name, category: t(`vcat.${v.category}`), due: when(due) }) });
  }
  for (const r of gaps.open_requests || []) {
    const due = r.deadline ? at(r.deadline) : at(r.received_at) + overdueMs;
    if (due > now) continue;
    out.push({ key: `request:${r.id}`, kind: 'request', at: due, grid: gridName, text: t('wall.a.requestText', { building: r.building, body: r.body }) });
  }
  return out.filter((a) => Number.isFinite(a.at));
}

// renderFeed lists the alerts newest first, at most FEED_CAP.
export function renderFeed(items) {
  const list = document.getElementById('wall-feed');
  const shown = [...items].sort((a, b) => b.at - a.at).slice(0, FEED_CAP);
  list.dataset.count = String(shown.length);
  if (!shown.length) {
    list.replaceChildren(el('li', { class: 'wall-empty' }, t('wall.feedEmpty')));
    return;
  }
  list.replaceChildren(
    ...shown.map((a) =>
      el(
        'li',
        { class: `wall-alert wall-alert-${a.kind}`, dataset: { key: a.key, kind: a.kind } },
        el('span', { class: 'wall-alert-time' }, when(a.at)),
        el('span', { class: 'wall-alert-kind' }, t(`wall.a.${a.kind}`)),
        el('span', { class: 'wall-alert-grid' }, a.grid || ''),
        a.text ? el('span', { class: 'wall-alert-text' }, a.text) : null
      )
    )
  );
  fit(list);
}
