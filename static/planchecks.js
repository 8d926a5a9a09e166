// The validation panel, redrawn from every draft answer: counts of errors
// and warnings, and one row per problem with a reason in the page's
// language (its code mapped to words, with the area in m² and PostGIS's
// detail where there is one). Clicking a row zooms the map to the problem
// and flashes it; clicking a problem on the map marks its row.
'use strict';

import { t, fmtNumber, onLangChange } from './i18n.js';
import { el } from './ui.js';
import { store, gridName } from './planstore.js';

export function fmtArea(m2) {
  if (m2 === null || m2 === undefined || !Number.isFinite(Number(m2))) return '';
  const n = Number(m2);
  return t('unit.m2', { n: fmtNumber(n, n < 10 ? 1 : 0) });
}

// problemText is the reason for a problem, in words.
export function problemText(p, s = store.get()) {
  const ids = Array.isArray(p.grid_ids) ? p.grid_ids : [];
  const vars = {
    grids: ids.map((id) => gridName(id, s)).join(t('plan.listSep')) || t('plan.aGrid'),
    a: ids[0] !== undefined ? gridName(ids[0], s) : t('plan.aGrid'),
    b: ids[1] !== undefined ? gridName(ids[1], s) : '',
    area: fmtArea(p.area_m2),
    n: Array.isArray(p.building_ids) ? p.building_ids.length : 0,
    detail: p.detail || '',
  };
  const key = `plan.why.${p.code}`;
  const s1 = t(key, vars);
  return s1 === key ? t('plan.why.other', { ...vars, code: p.code }) : s1;
}

export function initChecks(pm) {
  function setup() {
    store.on(['draft'], render);
    store.on(['focusProblem'], (s) => {
      mark(s.focusProblem);
    });
    onLangChange(() => render(store.get()));
  }

  function render(s) {
    const card = document.getElementById('pl-checks');
    const d = s.draft;
    card.hidden = !d;
    if (!d) return;
    const v = d.validation || { ok: true, errors: 0, warnings: 0, problems: [] };
    const problems = Array.isArray(v.problems) ? v.problems : [];
    const errors = v.errors ?? problems.filter((p) => p.severity === 'error').length;
    const warnings = v.warnings ?? problems.length - errors;
    const sum = document.getElementById('pl-checks-sum');
    sum.dataset.errors = String(errors);
    sum.dataset.warnings = String(warnings);
    sum.className = `pl-sum ${errors ? 'has-errors' : warnings ? 'has-warnings' : 'is-ok'}`;
    sum.replaceChildren(
      el('span', { class: 'pl-sum-n pl-sum-errors' }, t('plan.errorsN', { n: errors })),
      el('span', { class: 'pl-sum-n pl-sum-warnings' }, t('plan.warningsN', { n: warnings }))
    );
    const list = document.getElementById('pl-problems');
    if (!problems.length) {
      list.replaceChildren(el('li', { class: 'pl-problem-none' }, t('plan.noProblems')));
      return;
    }
    // Errors first, then warnings, each in the server's order.
    const order = problems.map((p, i) => ({ p, i })).sort((a, b) => (a.p.severity === b.p.severity ? a.i - b.i : a.p.severity === 'error' ? -1 : 1));
    list.replaceChildren(
      ...order.map(({ p, i }) =>
        el(
          'li',
          {
            class: `pl-problem pl-problem-${p.severity}`,
            dataset: { index: String(i), code: p.code, severity: p.severity },
            tabindex: '0',
            role: 'button',
            onclick: () => pick(i),
            onkeydown: (ev) => {
              if (ev.key === 'Enter' || ev.key === ' ') {
                ev.preventDefault();
                pick(i);
              }
            },
          },
          el('span', { class: 'pl-sev' }, t(p.severity === 'error' ? 'plan.sevError' : 'plan.sevWarning')),
          el(
            'span',
            { class: 'pl-why' },
            el('span', { class: 'pl-why-text' }, problemText(p, s)),
            p.area_m2 !== null && p.area_m2 !== undefined && el('span', { class: 'pl-area' }, fmtArea(p.area_m2)),
            p.detail && el('span', { class: 'pl-detail' }, p.detail)
          )
        )
      )
    );
    mark(s.focusProblem);
  }

  function pick(i) {
    store.set({ focusProblem: i });
    pm.zoomToProblem(i);
  }

  function mark(i) {
    for (const li of document.querySelectorAll('#pl-problems .pl-problem')) {
      const on = i !== null && li.dataset.index === String(i);
      li.classList.toggle('is-focus', on);
      if (on) li.scrollIntoView({ block: 'nearest' });
    }
  }

  setup();
}
