// The grid leader's figures card: coverage figures of one grid
// (docs/FIELD.md `Figures`), with the explicit denominator: percentages of
// occupied households, vacant and demolished ones left out and counted.
// Updated in place from the stream's coverage events. The pieces are
// figview.js's, shared with the map panel's "today" block.
'use strict';

import { t, fmtNumber, onLangChange } from './i18n.js';
import { el } from './ui.js';
import { denominator, ratio, screenedRatio, counts, flashChanged } from './figview.js';

// The figures card in box; returns what the page calls: set(figures,
// {flash, day}) with figures from GET /api/grids/{id}/coverage or a
// coverage event (flash: briefly mark what changed).
export function initFigures(box) {
  let fig = null;
  let day = '';

  function render() {
    document.getElementById('fig-day').textContent = day ? t('fig.day', { day }) : '';
    if (!fig) return;
    box.closest('section').removeAttribute('aria-busy');
    const households = fig.households ?? 0;
    box.replaceChildren(
      denominator(fig, 'fig-denominator'),
      el(
        'div',
        { class: 'fig-ratios' },
        screenedRatio(fig),
        ratio('fig.contact', 'contact_pct', fig.with_contact ?? 0, households, fig.contact_pct),
        ratio('fig.head', 'head_pct', fig.with_head ?? 0, fig.buildings ?? 0, fig.head_pct, t('fig.buildings', { n: fmtNumber(fig.buildings ?? 0) }))
      ),
      counts(fig)
    );
  }

  function set(next, { flash = false, day: d } = {}) {
    const prev = fig;
    fig = next;
    if (d) day = d;
    render();
    box.dataset.version = String(Number(box.dataset.version || 0) + 1);
    if (flash) flashChanged(box, prev, next);
  }

  onLangChange(render);
  return { set };
}
