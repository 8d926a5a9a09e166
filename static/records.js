// The records card of the grid page (台账与导入): tabs for the ledger of
// vulnerable residents, the hotline requests, party members' points, the
// party layer (党建: branches, 双报到, service hours) and the spreadsheet
// import, each list in its own module. The lists are
// refetched through gapdata.js's debounced refresh after the stream events
// that change them (refreshesFor), and after the page's own writes.
'use strict';

import { t, fmtNumber, onLangChange } from './i18n.js';
import { el } from './ui.js';
import { addRefresher, scheduleRefresh } from './gapdata.js';
import { ledgerList } from './ledger.js';
import { requestsList } from './hotline.js';
import { partyList } from './partypoints.js';
import { partyBranches } from './partybranches.js';
import { initImport } from './importer.js';

const TABS = ['ledger', 'requests', 'party', 'branches', 'import'];
// What an import of each kind changes on the page.
const AFTER_IMPORT = {
  screenings: ['gaps'],
  contacts: ['gaps', 'party', 'branches'],
  heads: ['gaps'],
  vulnerable: ['gaps', 'ledger'],
};

// The lists a stream event changes (names for scheduleRefresh).
export function refreshesFor(topic, kind) {
  if (topic === 'screening' && (kind === 'visit' || kind === 'resident')) return ['ledger'];
  if (topic === 'screening' && kind === 'contact') return ['party', 'branches'];
  if (topic === 'screening' && (kind === 'party' || kind === 'points')) return ['branches'];
  if (topic === 'alerts' && kind === 'request') return ['requests'];
  return [];
}

export const ALL_RECORDS = ['ledger', 'requests', 'party', 'branches'];

// node: the card's body; grid: the page's grid; canWrite: the account may
// record; done: gapdata.js's onDone, which a visit or a close made here
// also goes through (the gap list drops the item at once); forms: the
// actions' formsFor (actions.js). The card's
// state (the open tab, its lists) lives in this call.
export function initRecords(node, { grid, canWrite, done, forms }) {
  const card = { active: 'ledger', tabs: el('div', { class: 'rec-tabs', role: 'tablist', id: 'rec-tabs' }) };
  const panels = Object.fromEntries(TABS.map((k) => [k, el('div', { class: 'rec-panel', id: `rec-${k}`, role: 'tabpanel', hidden: k !== card.active })]));
  node.replaceChildren(card.tabs, ...TABS.map((k) => panels[k]));
  const changed = () => renderTabs(card);
  const lists = {
    ledger: ledgerList(panels.ledger, { grid, done, changed, forms }),
    requests: requestsList(panels.requests, { grid, done, changed, forms }),
    party: partyList(panels.party, { grid, canWrite, changed }),
    branches: partyBranches(panels.branches, { grid, canWrite, changed }),
  };
  // Counts on the tabs: the residents on the ledger (red when any is
  // overdue) and the open requests; the party list's length is in its
  // summary, and so are the branches'.
  card.badges = { ledger: lists.ledger.badge, requests: lists.requests.badge, party: () => null, branches: () => null, import: () => null };
  card.open = (k) => {
    if (!TABS.includes(k) || k === card.active) return;
    card.active = k;
    for (const [name, p] of Object.entries(panels)) p.hidden = name !== card.active;
    renderTabs(card);
  };
  const importer = initImport(panels.import, { canWrite, done: (kind) => scheduleRefresh(AFTER_IMPORT[kind] || ['gaps']) });
  for (const [name, list] of Object.entries(lists)) addRefresher(name, list.load);
  onLangChange(changed);
  renderTabs(card);
  for (const list of Object.values(lists)) list.render();
  importer.render();
  for (const list of Object.values(lists)) list.load();
}

function renderTabs(card) {
  card.tabs.replaceChildren(
    ...TABS.map((k) => {
      const b = card.badges[k]();
      return el(
        'button',
        {
          type: 'button',
          role: 'tab',
          class: `rec-tab${k === card.active ? ' active' : ''}${b && b.alarm ? ' has' : ''}`,
          'aria-selected': String(k === card.active),
          'aria-controls': `rec-${k}`,
          dataset: { tab: k, count: b ? String(b.n) : '' },
          onclick: () => card.open(k),
        },
        t(`rec.${k}`),
        b && el('span', { class: 'gap-tab-n' }, `${fmtNumber(b.n)}${b.more ? '+' : ''}`)
      );
    })
  );
}
