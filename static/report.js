// The day's report, /report?grid=&day=&level=: what a grid office
// forwards at the end of a day (GET /api/reports/daily, docs/API.md). The
// grid's totals as large figures, then a table of its rows (the next level
// down, or every compound grid) with the coverage at the end of the day,
// the day's work and a seven-day bar chart of screening; the same report
// as .xlsx by the download link. The table scrolls sideways on a phone
// with the grid's name held in place.
'use strict';

import { t, setLang, explicitLang, onLangChange, fmtNumber, getLang, areaToday, getAreaZone, setAreaZone } from './i18n.js';
import { getJSON, ApiError, isAbort } from './api.js';
import { initChrome, failPage, showError, renderCrumbs, renderUser, el } from './ui.js';

const page = { report: null, ctrl: null, user: null };
const $ = (id) => document.getElementById(id);

const pct = (v) => (v === null || v === undefined ? '—' : `${fmtNumber(v, 1)}%`);

// tone is a completeness's colour class: the same bands as the map's.
function tone(v) {
  if (v === null || v === undefined) return 'rep-none';
  if (v >= 90) return 'rep-good';
  if (v >= 60) return 'rep-fair';
  return 'rep-poor';
}

function bar(v) {
  return el('span', { class: `rep-bar ${tone(v)}`, 'aria-hidden': 'true' }, el('span', { style: `width:${Math.max(0, Math.min(100, v || 0))}%` }));
}

// trend draws the week as seven small bars, the day itself last.
function trend(days) {
  return el(
    'span',
    { class: 'rep-trend', role: 'img', 'aria-label': days.map((d) => t('rep.trendTip', { day: d.day, pct: pct(d.screened_pct) })).join('，') },
    ...days.map((d) =>
      el('span', { class: `rep-tbar ${tone(d.screened_pct)}`, title: t('rep.trendTip', { day: d.day, pct: pct(d.screened_pct) }) },
        el('span', { style: `height:${Math.max(2, Math.min(100, d.screened_pct || 0))}%` }))
    )
  );
}

const COLUMNS = [
  ['rep.col.screened', (r) => el('span', { class: 'rep-pct' }, bar(r.figures.screened_pct), el('b', {}, pct(r.figures.screened_pct))), 'screened'],
  ['rep.col.screenedN', (r) => `${fmtNumber(r.figures.screened_today)} / ${fmtNumber(r.figures.households)}`],
  ['rep.col.contact', (r) => pct(r.figures.contact_pct)],
  ['rep.col.head', (r) => pct(r.figures.head_pct)],
  ['rep.col.quarantined', (r) => fmtNumber(r.figures.quarantined)],
  ['rep.col.fevers', (r) => fmtNumber(r.figures.fever_alerts), 'fevers'],
  ['rep.col.overdue', (r) => fmtNumber(r.figures.overdue_visits)],
  ['rep.col.open', (r) => fmtNumber(r.figures.open_requests)],
  ['rep.col.reports', (r) => fmtNumber(r.activity.screening_reports), 'reports'],
  ['rep.col.visits', (r) => fmtNumber(r.activity.visits)],
  ['rep.col.requests', (r) => `${fmtNumber(r.activity.requests_received)} / ${fmtNumber(r.activity.requests_closed)}`],
  ['rep.col.spot', (r) => `${fmtNumber(r.activity.spot_knows)} / ${fmtNumber(r.activity.spot_checked)}`],
  ['rep.col.tasks', (r) => `${fmtNumber(r.activity.tasks_made)} / ${fmtNumber(r.activity.tasks_done)}`, 'tasks'],
  // Open tasks are a figure of now: today's report only.
  ['rep.col.tasksOpen', (r) => (page.report.live ? openTasks(r.activity) : '—'), 'tasks-open'],
  ['rep.col.trend', (r) => trend(r.trend)],
];

function openTasks(a) {
  return a.tasks_escalated ? t('rep.tasksOpen', { open: fmtNumber(a.tasks_open), up: fmtNumber(a.tasks_escalated) }) : fmtNumber(a.tasks_open);
}

function row(r, total) {
  return el(
    'tr',
    { class: total ? 'rep-total' : '', dataset: { grid: String(r.grid) } },
    el('th', { scope: 'row' }, total ? `${r.name || t('rep.all')}（${t('rep.total')}）` : r.name),
    ...COLUMNS.map(([, cell, name]) => el('td', name ? { dataset: { col: name } } : {}, cell(r)))
  );
}

function figure(key, value, cls = '') {
  return el('div', { class: `rep-fig ${cls}` }, el('span', { class: 'rep-fig-n' }, value), el('span', { class: 'rep-fig-label' }, t(key)));
}

function render() {
  const r = page.report;
  if (!r) return;
  const tot = r.total;
  $('rep-title').textContent = t('rep.heading', { grid: tot.name || t('rep.all'), day: r.day });
  $('rep-asof').textContent = r.live
    ? t('rep.asOfNow', { time: new Date(r.at).toLocaleTimeString(getLang(), { hour12: false, timeZone: getAreaZone() }) })
    : t('rep.asOfEnd');
  const a = tot.activity;
  $('rep-figures').replaceChildren(
    figure('rep.fig.screened', pct(tot.figures.screened_pct), tone(tot.figures.screened_pct)),
    figure('rep.fig.reports', fmtNumber(a.screening_reports)),
    figure('rep.fig.fevers', fmtNumber(a.fever_reports), a.fever_reports ? 'rep-poor' : ''),
    figure('rep.fig.visits', fmtNumber(a.visits)),
    figure('rep.fig.requests', `${fmtNumber(a.requests_received)} / ${fmtNumber(a.requests_closed)}`),
    figure('rep.fig.spot', `${fmtNumber(a.spot_knows)} / ${fmtNumber(a.spot_checked)}`),
    figure('rep.fig.tasks', `${fmtNumber(a.tasks_made)} / ${fmtNumber(a.tasks_done)}`)
  );
  $('rep-summary').removeAttribute('aria-busy');
  const table = $('rep-table');
  table.tHead.replaceChildren(
    el('tr', {}, el('th', { scope: 'col' }, t('rep.col.grid')), ...COLUMNS.map(([key]) => el('th', { scope: 'col' }, t(key))))
  );
  const body = [row(tot, true), ...r.rows.map((x) => row(x, false))];
  if (!r.rows.length) body.push(el('tr', {}, el('td', { colspan: String(COLUMNS.length + 1), class: 'rep-empty' }, t('rep.none'))));
  table.tBodies[0].replaceChildren(...body);
  document.body.dataset.reportLoaded = 'true';
  document.body.dataset.reportDay = r.day;
}

function query() {
  const q = new URLSearchParams();
  if ($('rep-grid').value) q.set('grid', $('rep-grid').value);
  q.set('day', $('rep-day').value);
  if ($('rep-level').value) q.set('level', $('rep-level').value);
  return q;
}

async function load() {
  if (page.ctrl) page.ctrl.abort();
  const mine = new AbortController();
  page.ctrl = mine;
  const q = query();
  history.replaceState(null, '', `/report?${q}`);
  const x = new URLSearchParams(q);
  x.set('lang', getLang());
  $('rep-xlsx').href = `/api/reports/daily.xlsx?${x}`;
  document.body.dataset.reportLoaded = 'false';
  try {
    page.report = await getJSON(`/api/reports/daily?${q}`, { signal: mine.signal });
  } catch (err) {
    if (!isAbort(err)) showError(err);
    return;
  }
  render();
}

function fillGrids(roots, chosen) {
  const options = [];
  const walk = (n, depth) => {
    if (n.level > 2) return; // reports are of communities and up; compound grids are their rows
    options.push(el('option', { value: String(n.id) }, `${'\u3000'.repeat(depth)}${n.name}`));
    for (const c of n.children || []) walk(c, depth + 1);
  };
  // An area of several top grids (a city of districts) is reported whole.
  if (roots.length > 1) options.push(el('option', { value: '' }, t('rep.all')));
  for (const r of roots) walk(r, 0);
  if (!options.length) for (const r of roots) options.push(el('option', { value: String(r.id) }, r.name));
  const select = $('rep-grid');
  select.replaceChildren(...options);
  if (chosen && options.some((o) => o.value === String(chosen))) select.value = String(chosen);
}

async function main() {
  const forced = explicitLang();
  setLang(forced || 'zh-CN');
  initChrome();
  renderCrumbs([], null);
  const want = new URLSearchParams(window.location.search);
  try {
    page.user = await getJSON('/api/me');
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) showError(err);
  }
  renderUser(page.user);
  const [config, tree] = await Promise.allSettled([getJSON('/api/config'), getJSON('/api/tree')]);
  if (!forced && config.status === 'fulfilled' && config.value.default_lang) setLang(config.value.default_lang);
  if (config.status === 'fulfilled' && config.value.time_zone) setAreaZone(config.value.time_zone);
  const today = areaToday();
  $('rep-day').max = today;
  $('rep-day').value = want.get('day') || today;
  $('rep-level').value = want.get('level') === '3' ? '3' : '';
  if (tree.status === 'fulfilled') fillGrids(tree.value.roots || [], Number(want.get('grid')) || (page.user && page.user.grid_id));
  else showError(tree.reason);
  for (const id of ['rep-grid', 'rep-day', 'rep-level']) $(id).addEventListener('change', load);
  $('rep-pick').addEventListener('submit', (ev) => ev.preventDefault());
  onLangChange(() => {
    render();
    const x = query();
    x.set('lang', getLang());
    $('rep-xlsx').href = `/api/reports/daily.xlsx?${x}`;
  });
  await load();
  document.body.dataset.gridsLoaded = 'true';
}

main().catch(failPage);
