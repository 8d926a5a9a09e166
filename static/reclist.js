// One list of the grid page's records card (the ledger, the hotline
// requests, the party members' points), written once: fetched from the API
// (a newer fetch aborts an older one), drawn as entries whose head button
// opens a detail, with a summary line, a loading / failed / empty line and
// PAGE entries at a time. Each list keeps its own state in the object
// recordList returns; what differs between lists is the spec.
'use strict';

import { t, fmtNumber, onLangChange } from './i18n.js';
import { getJSON, isAbort } from './api.js';
import { el } from './ui.js';

const PAGE = 100; // entries drawn at first; more on request

// box: the element the list draws into. spec:
//   url: the API to fetch; items(answer): its entries, in the order shown;
//   key(item): an entry's id; tag: 'ul' or 'ol'; id: the list element's id;
//   empty: the i18n key when there is none; summary(items): the line above;
//   entry(item, i, items): {class, dataset, head: [nodes], headClass};
//   detail(item, list): the open entry's detail, or null;
//   changed(): called after each fetch (the tabs' badges).
// The returned list: load(), render(), items() (null before the first
// answer), afterSave(done) (see below), and per entry what outlives a redraw: form(key, make) keeps a
// form, saved(key) marks one saved through this list just now (cleared when
// the entry closes), forget(key) drops its form (a fresh one next time).
export function recordList(box, spec) {
  const s = { items: null, failed: false, ctrl: null, shown: PAGE, open: new Set(), forms: new Map(), saved: new Set() };

  async function load() {
    if (s.ctrl) s.ctrl.abort();
    const mine = new AbortController();
    s.ctrl = mine;
    try {
      const d = await getJSON(spec.url, { signal: mine.signal });
      if (s.ctrl !== mine) return;
      s.items = spec.items(d);
      s.truncated = !!(d && d.truncated); // the server lists its first 5,000 and has more
      s.failed = false;
    } catch (err) {
      if (isAbort(err)) return;
      s.failed = true;
    }
    render();
    spec.changed();
  }

  function entry(item, i) {
    const k = spec.key(item);
    const on = s.open.has(k);
    const toggle = () => {
      if (on) {
        s.open.delete(k);
        s.saved.delete(k);
      } else s.open.add(k);
      render();
    };
    const e = spec.entry(item, i, s.items);
    const detail = on ? spec.detail(item, list) : null;
    return el(
      'li',
      { class: `rec-item${e.class ? ` ${e.class}` : ''}${on ? ' is-open' : ''}`, dataset: e.dataset },
      el('button', { type: 'button', class: `rec-head${e.headClass ? ` ${e.headClass}` : ''}`, 'aria-expanded': String(on), onclick: toggle }, ...e.head),
      detail
    );
  }

  function render() {
    const parts = [];
    if (s.failed && !s.items) parts.push(el('p', { class: 'act-error' }, t('rec.failed')));
    else if (!s.items) parts.push(el('p', { class: 'muted' }, t('rec.loading')));
    else if (!s.items.length) parts.push(el('p', { class: 'gap-empty' }, t(spec.empty)));
    else {
      parts.push(el('p', { class: 'rec-summary' }, spec.summary(s.items)));
      if (s.truncated) parts.push(el('p', { class: 'rec-truncated', role: 'status' }, t('rec.truncated', { n: fmtNumber(s.items.length) })));
      parts.push(el(spec.tag || 'ul', { class: 'rec-list', id: spec.id }, s.items.slice(0, s.shown).map(entry)));
      const rest = s.items.length - s.shown;
      if (rest > 0) {
        const more = () => {
          s.shown += PAGE;
          render();
        };
        parts.push(el('button', { type: 'button', class: 'btn-secondary rec-more', onclick: more }, t('rec.more', { n: fmtNumber(Math.min(rest, PAGE)) })));
      }
    }
    box.replaceChildren(...parts);
    box.dataset.state = s.failed ? 'failed' : s.items ? 'loaded' : 'loading';
    box.dataset.version = String(Number(box.dataset.version || 0) + 1);
  }

  const list = {
    load,
    render,
    items: () => s.items,
    truncated: () => !!s.truncated,
    form(k, make) {
      let f = s.forms.get(k);
      if (!f) {
        f = make();
        s.forms.set(k, f);
      }
      return f;
    },
    saved: (k) => s.saved.has(k),
    markSaved(k) {
      s.forms.delete(k);
      s.saved.add(k);
    },
    forget: (k) => s.forms.delete(k),
    // afterSave(done): the callback a form calls once its write committed:
    // the entry is marked saved (a fresh form next time), done(item,
    // action, answer) runs and the list is fetched again at once.
    afterSave(done) {
      return (item, action, answer) => {
        list.markSaved(spec.key(item));
        done(item, action, answer);
        load();
      };
    },
  };
  onLangChange(() => {
    s.forms.clear(); // their labels are in the old language
    render();
  });
  return list;
}

// flaggedFirst keeps the order of items but moves those flag(item) holds
// for to the front (a stable sort: overdue residents, open requests).
export function flaggedFirst(items, flag) {
  return items
    .map((x, i) => [x, i])
    .sort((a, b) => Number(!!flag(b[0])) - Number(!!flag(a[0])) || a[1] - b[1])
    .map((x) => x[0]);
}
