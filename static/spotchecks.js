// Spot checks (晒网督查) of one grid: draw a random sample of k households,
// record whether each knows its party-member contact, and the grid's
// result rate (GET/POST /api/grids/{id}/spot-checks, docs/FIELD.md).
'use strict';

import { t, fmtNumber, getLang, onLangChange } from './i18n.js';
import { getJSON, isAbort } from './api.js';
import { el } from './ui.js';
import { Write, isUndone } from './fieldwrite.js';

const RESULTS = ['knows', 'does_not_know', 'unreachable'];
const DEFAULT_K = 10;

function fmtDate(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso || '') : d.toLocaleString(getLang(), { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
}

// The grid's result rate over every check: households that knew their
// contact among all those followed up.
function summary(list) {
  const recorded = list.reduce((n, c) => n + (c.recorded || 0), 0);
  const knows = list.reduce((n, c) => n + (c.knows || 0), 0);
  const rate = recorded ? (100 * knows) / recorded : null;
  return el(
    'div',
    { class: 'spot-summary', id: 'spot-summary', dataset: { recorded: String(recorded), knows: String(knows) } },
    el('span', { class: 'spot-summary-rate' }, rate === null ? '—' : `${fmtNumber(rate, rate % 1 ? 1 : 0)}%`),
    el('span', {}, t('spot.summary', { n: fmtNumber(list.length), r: fmtNumber(recorded) }))
  );
}

// The spot checks card in box; returns what the page calls: load() when a
// check changed elsewhere or the stream (re)synced.
export function initSpotChecks(box, { grid: gridId, canWrite }) {
  let lastK = DEFAULT_K; // the size last asked for, kept across re-renders

  let checks = null; // the API's checks, newest first
  let failed = false;
  let drawWrite = null; // a sample draw that failed and may be retried
  const recordWrites = new Map(); // `${check}|${household}` -> Write
  let ctrl = null;

  async function load() {
    if (ctrl) ctrl.abort();
    ctrl = new AbortController();
    const mine = ctrl;
    try {
      const d = await getJSON(`/api/grids/${gridId}/spot-checks`, { signal: mine.signal });
      if (ctrl !== mine) return;
      checks = (d && Array.isArray(d.checks) ? d.checks : []).slice().sort((a, b) => b.id - a.id);
      failed = false;
    } catch (err) {
      if (isAbort(err)) return;
      failed = true;
    }
    render();
  }

  function drawForm() {
    if (!canWrite) return null;
    const k = el('input', { name: 'k', type: 'number', min: '1', max: '500', value: String(lastK), inputmode: 'numeric' });
    const status = el('span', { class: 'act-status', role: 'status' });
    const btn = el('button', { type: 'submit', class: 'btn-primary' }, t('spot.draw'));
    const form = el('form', { class: 'spot-draw', id: 'spot-draw' }, el('label', { class: 'act-field act-inline' }, el('span', {}, t('spot.k')), k), btn, status);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = { k: Number(k.value) };
      lastK = body.k;
      if (!drawWrite || drawWrite.body.k !== body.k) {
        if (drawWrite) drawWrite.discard();
        drawWrite = new Write('POST', `/api/grids/${gridId}/spot-checks`, body, { label: t('spot.drawLabel', { k: body.k }) });
      }
      btn.disabled = true;
      status.textContent = t('act.saving');
      try {
        await drawWrite.send({ onHeld: () => (status.textContent = t('act.held')) });
        drawWrite = null;
        await load();
      } catch (err) {
        if (isUndone(err)) {
          drawWrite = null;
          status.className = 'act-status';
          status.textContent = t('act.undone');
          btn.disabled = false;
          return;
        }
        status.className = 'act-status act-error';
        status.textContent = `${t('act.failed')}${t('err.sep')}${err.describe ? err.describe() : err.message}`;
        btn.textContent = t('act.retry');
        btn.disabled = false;
      }
    });
    return form;
  }

  function resultControl(check, h) {
    if (h.result) {
      return el('span', { class: `spot-result spot-${h.result}` }, `${t(`spot.${h.result}`)}${h.method ? ` · ${t(`method.${h.method}`)}` : ''}`);
    }
    if (!canWrite) return el('span', { class: 'spot-result spot-pending' }, t('spot.pending'));
    const result = el('select', { name: 'result', 'aria-label': t('spot.result') }, RESULTS.map((r) => el('option', { value: r }, t(`spot.${r}`))));
    const method = el('select', { name: 'method', 'aria-label': t('act.method') }, ['phone', 'visit'].map((m) => el('option', { value: m }, t(`method.${m}`))));
    const btn = el('button', { type: 'submit', class: 'btn-small' }, t('spot.record'));
    const form = el('form', { class: 'spot-record' }, result, method, btn);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const id = `${check.id}|${h.household_id}`;
      const body = { household_id: h.household_id, result: result.value, method: method.value };
      let w = recordWrites.get(id);
      if (!w || JSON.stringify(w.body) !== JSON.stringify(body)) {
        if (w) w.discard();
        const label = [t('spot.record'), h.building, h.unit, h.room, t(`spot.${body.result}`)].filter(Boolean).join(' ');
        w = new Write('POST', `/api/spot-checks/${check.id}/results`, body, { label });
        recordWrites.set(id, w);
      }
      btn.disabled = true;
      try {
        await w.send();
        recordWrites.delete(id);
        await load();
      } catch (err) {
        if (isUndone(err)) {
          recordWrites.delete(id);
          btn.disabled = false;
          return;
        }
        btn.disabled = false;
        btn.textContent = t('act.retry');
        form.title = err.describe ? err.describe() : err.message;
        form.classList.add('act-error');
      }
    });
    return form;
  }

  function checkNode(c, open) {
    const rate = c.rate_pct === null || c.rate_pct === undefined ? '—' : `${fmtNumber(c.rate_pct, c.rate_pct % 1 ? 1 : 0)}%`;
    return el(
      'details',
      { class: 'spot-check', open, dataset: { checkId: String(c.id) } },
      el(
        'summary',
        {},
        el('span', { class: 'spot-when' }, t('spot.check', { id: c.id, when: fmtDate(c.created_at) })),
        el('span', { class: 'spot-rate', dataset: { rate: String(c.rate_pct ?? '') } }, `${t('spot.rate')} ${rate}`),
        el('span', { class: 'spot-recorded' }, t('spot.recorded', { n: fmtNumber(c.recorded ?? 0), k: fmtNumber(c.k ?? 0) }))
      ),
      el(
        'ul',
        { class: 'spot-items' },
        (c.households || []).map((h) =>
          el(
            'li',
            { dataset: { householdId: String(h.household_id) } },
            el('span', { class: 'spot-hh' }, `${h.building || ''} ${h.unit || ''} ${h.room || ''}`.trim()),
            resultControl(c, h)
          )
        )
      )
    );
  }

  function render() {
    const parts = [el('p', { class: 'muted spot-hint' }, t('spot.hint')), drawForm()];
    if (failed) parts.push(el('p', { class: 'act-error' }, t('gap.failed')));
    else if (checks === null) parts.push(el('p', { class: 'muted' }, t('gap.loading')));
    else if (!checks.length) parts.push(el('p', { class: 'gap-empty' }, t('spot.none')));
    else parts.push(summary(checks), ...checks.slice(0, 5).map((c, i) => checkNode(c, i === 0)));
    box.replaceChildren(...parts.filter(Boolean));
  }

  onLangChange(render);
  load();
  return { load };
}
