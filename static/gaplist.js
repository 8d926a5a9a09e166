// The gap list of the grid leader's page: one tab per kind, the items of
// the open tab (households grouped under their building), and the
// selection it shares with the map (gapmap.js). Picking an item flies the
// map to its marker and opens its detail (actions.js) under it; picking a
// marker opens its tab and scrolls its item into view.
'use strict';

import { t, fmtNumber, onLangChange } from './i18n.js';
import { fmtWhen } from './when.js';
import { el } from './ui.js';
import { KINDS, findGroup, findItem } from './gaps.js';
import { dutyClass } from './gapmap.js';

const GROUPED = new Set(['unscreened', 'noContact']);

// The gap list in tabs and body, in step with gapMap (what initGapMap
// returned) and with actions (what initActions returned); buildingName(id) names a building the items only carry the id
// of. Returns what the page calls: setModel(model), setCheckpointsFailed(failed)
// (their tab says so), noteAttempt(householdId, outcome), pickMarker(kind, key).
export function initGapList({ tabs: tabsBox, body: panel, buildingName, gapMap: gmap, actions, loadMore }) {
  let model = null;
  let kind = 'unscreened';
  let sel = null; // {kind, key, id|null}
  let detail = null; // {id: `${kind}|${itemId}`, node}: kept across re-renders
  const attempts = new Map(); // household id -> outcome of today's unscreened attempt made here

  let checkpointsFailed = false; // the checkpoints could not be loaded: their tab says so

  function setGapModel(m) {
    model = m;
    if (sel) {
      // Keep the selection while its item (or, for a building, its group) is
      // still there; drop it once the gap is gone.
      const g = findGroup(model, sel.kind, sel.key);
      if (!g) sel = null;
      else if (sel.id !== null && !findItem(model, sel.kind, sel.key, sel.id)) sel = { ...sel, id: GROUPED.has(sel.kind) ? null : g.items[0].id };
    }
    if (!sel || sel.id === null) {
      actions.clearDetail();
      detail = null;
    }
    gmap.setGaps(model);
    if (sel) gmap.selectMarker(sel.kind, sel.key);
    render();
  }

  function setCheckpointsFailed(failed) {
    checkpointsFailed = failed;
    render();
  }

  function noteAttempt(householdId, outcome) {
    attempts.set(householdId, outcome);
  }

  function bname(id, fallback) {
    return fallback || buildingName(id) || (id != null ? t('gap.building', { id }) : '');
  }

  // The address of a household the lists name, else its id.
  function home(householdId) {
    const a = model.addresses.get(householdId);
    return a ? `${bname(a.buildingId, a.building)} ${a.unit} ${a.room}`.trim() : t('gap.household', { id: householdId });
  }

  function checkpointName(id) {
    return model.checkpoints.get(id) || t('gap.checkpoint', { id });
  }

  // A checkpoint's duty (since when) and today's counts, under its name.
  function checkpointFacts(c) {
    const n = (key, v, stat) =>
      el('span', { class: `cp-n${stat === 'fevers' && v > 0 ? ' cp-fever' : ''}`, dataset: { stat, value: String(v || 0) } }, t(key), ' ', el('b', {}, fmtNumber(v || 0)));
    return el(
      'span',
      { class: 'cp-facts' },
      el('span', { class: `cp-badge ${dutyClass(c.on_duty)}` }, t(c.on_duty ? 'cp.onDuty' : 'cp.offDuty')),
      c.on_duty && c.duty_since && el('span', { class: 'cp-since' }, t('cp.sinceShort', { when: fmtWhen(c.duty_since) })),
      el('span', { class: 'cp-today' }, t('cp.today')),
      n('cp.scans', c.scans, 'scans'),
      n('cp.temperatures', c.temperatures, 'temperatures'),
      n('cp.fevers', c.fevers, 'fevers')
    );
  }

  // Heading and detail line of an item.
  function describe(it) {
    const r = it.raw;
    switch (it.kind) {
      case 'unscreened':
      case 'noContact': {
        const tried = attempts.get(it.householdId);
        return [`${it.unit} ${it.room}`.trim(), tried && it.kind === 'unscreened' ? t('gap.attempt', { outcome: t(`outcome.${tried}`) }) : ''];
      }
      case 'noHead':
        return [it.building, ''];
      case 'overdue':
        return [
          `${r.name || ''} · ${t(`vcat.${r.category}`)}`,
          [bname(r.building_id), r.last_visit ? t('gap.lastVisit', { when: fmtWhen(r.last_visit) }) : t('gap.neverVisited'), r.due ? t('gap.due', { when: fmtWhen(r.due) }) : '']
            .filter(Boolean)
            .join(' · '),
        ];
      case 'requests':
        return [`${bname(r.building_id, r.building)} · ${t(`rcat.${r.category}`)}`, `${t('gap.received', { when: fmtWhen(r.received_at) })} · ${r.body || ''}`];
      case 'quarantined':
        return [
          `${bname(r.building_id)} ${r.unit || ''} ${r.room || ''}`.trim(),
          [t('gap.period', { starts: r.starts, ends: r.ends }), r.seal_id ? t('gap.sealId', { id: r.seal_id }) : ''].filter(Boolean).join(' · '),
        ];
      case 'fever': {
        const where = r.household_id ? home(r.household_id) : r.checkpoint_id ? checkpointName(r.checkpoint_id) : '';
        return [`${t(`alertKind.${r.kind || 'fever'}`)} · ${where}`, [fmtWhen(r.at), r.note || ''].filter(Boolean).join(' · ')];
      }
      case 'seal': {
        const seal = r.household_id && model.seals.get(r.household_id);
        return [
          `${t(`alertKind.${r.kind}`)} · ${r.household_id ? home(r.household_id) : ''}`,
          [seal ? t('gap.sealId', { id: seal }) : '', fmtWhen(r.at), r.note || ''].filter(Boolean).join(' · '),
        ];
      }
      case 'checkpoints':
        return [r.name || t('gap.checkpoint', { id: r.id }), ''];
      default:
        return [String(it.id), ''];
    }
  }

  function itemNode(it) {
    const [head, sub] = describe(it);
    const on = !!sel && sel.kind === it.kind && sel.key === it.key && String(sel.id) === String(it.id);
    const cp = it.kind === 'checkpoints';
    const li = el(
      'li',
      {
        class: `gap-item${on ? ' is-selected' : ''}`,
        dataset: { kind: it.kind, key: it.key, id: String(it.id), ...(cp ? { duty: it.onDuty ? 'on' : 'off' } : {}) },
      },
      el(
        'button',
        { type: 'button', class: 'gap-item-head', 'aria-expanded': String(on), onclick: () => pick(it.kind, it.key, on ? null : it.id, true) },
        el('span', { class: `gap-dot gap-${it.kind}${cp ? ` ${dutyClass(it.onDuty)}` : ''}`, 'aria-hidden': 'true' }),
        el(
          'span',
          { class: 'gap-item-text' },
          el('span', { class: 'gap-item-title' }, head),
          sub && el('span', { class: 'gap-item-sub' }, sub),
          cp && checkpointFacts(it.raw)
        )
      )
    );
    if (on) {
      // A new revision (a checkpoint's duty changed) gets a new form.
      const id = `${it.kind}|${it.id}|${it.rev || ''}`;
      if (!detail || detail.id !== id) detail = { id, node: actions.detailFor(it) };
      li.append(detail.node);
    }
    return li;
  }

  function groupNode(g) {
    const on = !!sel && sel.kind === g.kind && sel.key === g.key;
    return el(
      'li',
      { class: `gap-group${on ? ' is-selected' : ''}`, dataset: { kind: g.kind, key: g.key } },
      el(
        'button',
        { type: 'button', class: 'gap-group-head', onclick: () => pick(g.kind, g.key, null, true) },
        el('span', { class: `gap-mk gap-${g.kind} gap-inline`, 'aria-hidden': 'true' }, String(g.items.length)),
        el('span', { class: 'gap-group-name' }, g.title || bname(g.buildingId)),
        el('span', { class: 'gap-group-n' }, t('gap.householdsN', { n: fmtNumber(g.items.length) }))
      ),
      el('ul', { class: 'gap-items' }, g.items.map(itemNode))
    );
  }

  function renderTabs() {
    tabsBox.replaceChildren(
      ...KINDS.map((k) => {
        const n = !model || (k === 'checkpoints' && !model.checkpointsLoaded) ? null : model.kinds[k].total;
        // Red when something needs doing: for checkpoints, a post nobody is on.
        const alarm = n ? model.kinds[k].alarm : 0;
        return el(
          'button',
          {
            type: 'button',
            role: 'tab',
            class: `gap-tab${k === kind ? ' active' : ''}${alarm ? ' has' : ''}`,
            'aria-selected': String(k === kind),
            dataset: { kind: k, count: n === null ? '' : String(n) },
            onclick: () => openTab(k),
          },
          el('span', { class: `gap-dot gap-${k}`, 'aria-hidden': 'true' }),
          t(`gap.${k}`),
          el('span', { class: 'gap-tab-n' }, n === null ? '…' : `${fmtNumber(n)}${model.kinds[k].more ? '+' : ''}`)
        );
      })
    );
  }

  // On a phone the tabs scroll sideways: keep the open one in view.
  function revealTab() {
    const tab = tabsBox.querySelector('.gap-tab.active');
    if (!tab || tabsBox.scrollWidth <= tabsBox.clientWidth) return;
    const left = tab.offsetLeft - tabsBox.offsetLeft;
    if (left < tabsBox.scrollLeft || left + tab.offsetWidth > tabsBox.scrollLeft + tabsBox.clientWidth) {
      tabsBox.scrollLeft = Math.max(0, left - 12);
    }
  }

  // render({reveal}): reveal brings the open tab into view (a change of
  // tab: openTab, pick); live refreshes keep where the tabs were swiped to.
  function render({ reveal = false } = {}) {
    if (!panel) return;
    const tabsScroll = tabsBox.scrollLeft;
    renderTabs();
    tabsBox.scrollLeft = tabsScroll;
    if (reveal) revealTab();
    if (!model) return;
    const k = model.kinds[kind];
    const scroller = panel.closest('.gw-side') || panel;
    const keep = scroller.scrollTop;
    const parts = [];
    if (kind === 'checkpoints' && !model.checkpointsLoaded) {
      parts.push(el('p', { class: checkpointsFailed ? 'act-error' : 'muted' }, t(checkpointsFailed ? 'cp.failed' : 'gap.loading')));
    } else if (!k.groups.length) {
      parts.push(el('p', { class: 'gap-empty', dataset: { kind } }, el('span', { class: 'gap-empty-icon', 'aria-hidden': 'true' }, '✓'), t(`gap.empty.${kind}`)));
    } else if (GROUPED.has(kind)) {
      parts.push(el('ul', { class: 'gap-groups', dataset: { kind } }, k.groups.map(groupNode)));
    } else {
      parts.push(el('ul', { class: 'gap-items gap-flat', dataset: { kind } }, k.groups.flatMap((g) => g.items.map(itemNode))));
    }
    if (k.more) {
      // The list goes on: say how much is shown and fetch the next page.
      const btn = el('button', { type: 'button', class: 'gap-more', dataset: { kind } }, t('gap.more', { n: fmtNumber(k.total) }));
      btn.addEventListener('click', async () => {
        btn.disabled = true;
        btn.textContent = t('gap.loading');
        await loadMore(kind);
        if (btn.isConnected) {
          btn.disabled = false;
          btn.textContent = t('gap.more', { n: fmtNumber(k.total) });
        }
      });
      parts.push(btn);
    }
    panel.replaceChildren(...parts);
    panel.dataset.kind = kind;
    scroller.scrollTop = keep;
    document.body.dataset.gapsVersion = String(Number(document.body.dataset.gapsVersion || 0) + 1);
  }

  function openTab(k) {
    if (k === kind) return;
    kind = k;
    gmap.setActiveKind(k);
    render({ reveal: true });
  }

  // Select an item (id) or a whole group (id null) of a kind; fly: move the
  // map to its marker. The list scrolls to it.
  function pick(k, key, id, fly) {
    if (!model || !findGroup(model, k, key)) return;
    if (kind !== k) {
      kind = k;
      gmap.setActiveKind(k);
    }
    sel = { kind: k, key, id };
    if (id === null) {
      actions.clearDetail();
      detail = null;
    }
    gmap.selectMarker(k, key, { fly });
    render({ reveal: true });
    const sq = (s) => (window.CSS && CSS.escape ? CSS.escape(s) : s);
    const node =
      id !== null
        ? panel.querySelector(`.gap-item[data-key="${sq(key)}"][data-id="${sq(String(id))}"]`)
        : panel.querySelector(`.gap-group[data-key="${sq(key)}"]`);
    if (node) node.scrollIntoView({ block: 'nearest', behavior: fly ? 'smooth' : 'auto' });
  }

  // A marker was clicked: a building of households selects the group, a
  // single thing its item.
  function pickMarker(k, key) {
    const g = model && findGroup(model, k, key);
    if (!g) return;
    pick(k, key, GROUPED.has(k) ? null : g.items[0].id, false);
  }

  onLangChange(() => {
    detail = null;
    render();
  });
  return { setModel: setGapModel, setCheckpointsFailed, noteAttempt, pickMarker };
}
