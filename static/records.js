// The records card of the grid page (台账与导入): tabs for the ledger of
// vulnerable residents, the hotline requests, party members' points and
// the spreadsheet import, each list in its own module. The lists are
// refetched through gapdata.js's debounced refresh after the stream events
// that change them (refreshesFor), and after the page's own writes.
'use strict';

import { t, fmtNumber, onLangChange } from './i18n.js';
import { el } from './ui.js';
import { addRefresher, scheduleRefresh } from './gapdata.js';
import { initLedger, loadLedger, renderLedger, ledgerBadge } from './ledger.js';
import { initRequests, loadRequests, renderRequests, requestsBadge } from './hotline.js';
import { initParty, loadParty, renderParty } from './partypoints.js';
import { initImport, renderImport } from './importer.js';

const TABS = ['ledger', 'requests', 'party', 'import'];
// Counts on the tabs: the residents on the ledger (red when any is
// overdue) and the open requests; the party list's length is in its
// summary, which keeps the four tabs on one row of a phone.
const BADGES = { ledger: ledgerBadge, requests: requestsBadge, party: () => null, import: () => null };
// What an import of each kind changes on the page.
const AFTER_IMPORT = {
  screenings: ['gaps'],
  contacts: ['gaps', 'party'],
  heads: ['gaps'],
  vulnerable: ['gaps', 'ledger'],
};

let tabsBox = null;
let panels = {};
let active = 'ledger';

// The lists a stream event changes (names for scheduleRefresh).
export function refreshesFor(topic, kind) {
  if (topic === 'screening' && (kind === 'visit' || kind === 'resident')) return ['ledger'];
  if (topic === 'screening' && kind === 'contact') return ['party'];
  if (topic === 'alerts' && kind === 'request') return ['requests'];
  return [];
}

export const ALL_RECORDS = ['ledger', 'requests', 'party'];

// node: the card's body; grid: the page's grid; canWrite: the account may
// record; done: gapdata.js's onDone, which a visit or a close made here
// also goes through (the gap list drops the item at once).
export function initRecords(node, { grid, canWrite, done }) {
  tabsBox = el('div', { class: 'rec-tabs', role: 'tablist', id: 'rec-tabs' });
  panels = Object.fromEntries(TABS.map((k) => [k, el('div', { class: 'rec-panel', id: `rec-${k}`, role: 'tabpanel', hidden: k !== active })]));
  node.replaceChildren(tabsBox, ...TABS.map((k) => panels[k]));
  const changed = renderTabs;
  initLedger(panels.ledger, { grid, done, changed });
  initRequests(panels.requests, { grid, done, changed });
  initParty(panels.party, { grid, canWrite, changed });
  initImport(panels.import, { canWrite, done: (kind) => scheduleRefresh(AFTER_IMPORT[kind] || ['gaps']) });
  addRefresher('ledger', loadLedger);
  addRefresher('requests', loadRequests);
  addRefresher('party', loadParty);
  onLangChange(renderTabs);
  renderTabs();
  renderLedger();
  renderRequests();
  renderParty();
  renderImport();
  loadLedger();
  loadRequests();
  loadParty();
}

function renderTabs() {
  tabsBox.replaceChildren(
    ...TABS.map((k) => {
      const b = BADGES[k]();
      return el(
        'button',
        {
          type: 'button',
          role: 'tab',
          class: `rec-tab${k === active ? ' active' : ''}${b && b.alarm ? ' has' : ''}`,
          'aria-selected': String(k === active),
          'aria-controls': `rec-${k}`,
          dataset: { tab: k, count: b ? String(b.n) : '' },
          onclick: () => openRecordsTab(k),
        },
        t(`rec.${k}`),
        b && el('span', { class: 'gap-tab-n' }, fmtNumber(b.n))
      );
    })
  );
}

export function openRecordsTab(k) {
  if (!TABS.includes(k) || k === active) return;
  active = k;
  for (const [name, p] of Object.entries(panels)) p.hidden = name !== active;
  renderTabs();
}
