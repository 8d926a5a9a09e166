// 发布 / Publish: refused on the page while validation finds errors;
// each kind of warning needs a tick to acknowledge it; a note goes with
// the publication. A 409 lists the grids that changed since the draft was
// started and offers a new draft from the current boundaries; success
// shows the publication's number and a link to the map.
'use strict';

import { t, onLangChange } from './i18n.js';
import { el } from './ui.js';
import { store, gridName } from './planstore.js';
import { publish, createDraft } from './planapi.js';
import { problemText } from './planchecks.js';

export function initPublish() {
  document.getElementById('pl-pub-submit').addEventListener('click', onPublish);
  store.on(['draft', 'busy', 'net', 'published', 'conflict', 'acknowledged'], render);
  onLangChange(() => render(store.get()));
}

function problemsOf(s) {
  const v = s.draft && s.draft.validation;
  return (v && Array.isArray(v.problems) && v.problems) || [];
}

// Warnings grouped by code, in the order they first appear.
function warningGroups(s) {
  const groups = new Map();
  for (const p of problemsOf(s)) {
    if (p.severity !== 'warning') continue;
    if (!groups.has(p.code)) groups.set(p.code, []);
    groups.get(p.code).push(p);
  }
  return groups;
}

function render(s) {
  const card = document.getElementById('pl-publish');
  card.hidden = !s.draft;
  if (!s.draft) return;
  const stateLine = document.getElementById('pl-pub-state');
  const warnBox = document.getElementById('pl-pub-warnings');
  const submit = document.getElementById('pl-pub-submit');
  const result = document.getElementById('pl-pub-result');
  const form = [stateLine, warnBox, submit, document.getElementById('pl-pub-note').closest('label')];

  if (s.published) {
    form.forEach((n) => (n.hidden = true));
    result.replaceChildren(
      el(
        'div',
        { class: 'pl-pub-ok', id: 'pl-pub-ok', dataset: { publicationId: String(s.published.publication_id) } },
        el('p', { class: 'pl-pub-ok-title' }, t('plan.pubDone', { n: s.published.publication_id })),
        el('a', { class: 'btn-primary', id: 'pl-pub-link', href: `/#grid=${s.published.root_id}` }, t('plan.pubSee'))
      )
    );
    return;
  }
  form.forEach((n) => (n.hidden = false));

  const problems = problemsOf(s);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const groups = warningGroups(s);
  const acked = new Set(s.acknowledged);
  const missing = [...groups.keys()].filter((c) => !acked.has(c));
  stateLine.className = `pl-pub-state ${errors ? 'is-blocked' : missing.length ? 'is-ack' : 'is-ready'}`;
  stateLine.textContent = errors
    ? t('plan.pubBlocked', { n: errors })
    : missing.length
      ? t('plan.pubAck')
      : t('plan.pubReady');

  warnBox.replaceChildren(
    ...[...groups].map(([code, list]) =>
      el(
        'div',
        { class: 'pl-ack', dataset: { code } },
        el(
          'label',
          { class: 'pl-ack-label' },
          el('input', {
            type: 'checkbox',
            id: `pl-ack-${code}`,
            checked: acked.has(code),
            onchange: (ev) => toggleAck(code, ev.target.checked),
          }),
          el('span', {}, t('plan.ackCode', { what: t(`plan.code.${code}`) === `plan.code.${code}` ? code : t(`plan.code.${code}`), n: list.length }))
        ),
        el('ul', { class: 'pl-ack-list' }, list.map((p) => el('li', {}, problemText(p, s))))
      )
    )
  );
  submit.disabled = !!errors || missing.length > 0 || s.busy || s.net === 'down';
  submit.textContent = s.busy && submit.dataset.sending === 'true' ? t('plan.pubSending') : t('plan.pubSubmit');

  if (s.conflict) result.replaceChildren(conflictBox(s));
  else result.replaceChildren();
}

function toggleAck(code, on) {
  const s = store.get();
  const list = s.acknowledged.filter((c) => c !== code);
  if (on) list.push(code);
  store.set({ acknowledged: list });
}

function conflictBox(s) {
  const grids = s.conflict.grids.map((g) => (typeof g === 'object' && g ? g.name || gridName(g.id, s) : gridName(g, s)));
  return el(
    'div',
    { class: 'pl-conflict', id: 'pl-conflict', role: 'alert' },
    el('p', { class: 'pl-conflict-title' }, t('plan.conflictTitle')),
    el('ul', {}, grids.map((n) => el('li', {}, n))),
    el('button', { type: 'button', class: 'btn-primary', id: 'pl-conflict-new', onclick: newDraftAfterConflict }, t('plan.conflictNew'))
  );
}

async function newDraftAfterConflict(ev) {
  const s = store.get();
  if (!s.draft) return;
  ev.target.disabled = true;
  try {
    await createDraft(s.draft.root_id, t('plan.conflictName', { name: s.draft.name }));
  } catch (err) {
    ev.target.disabled = false;
    document.getElementById('pl-pub-result').append(el('p', { class: 'pl-form-error' }, err.describe ? err.describe() : String(err)));
  }
}

async function onPublish() {
  const s = store.get();
  if (!s.draft) return;
  const present = new Set(warningGroups(s).keys());
  const acknowledge = s.acknowledged.filter((c) => present.has(c));
  const note = document.getElementById('pl-pub-note');
  const submit = document.getElementById('pl-pub-submit');
  submit.dataset.sending = 'true';
  const res = await publish({ acknowledge, note: note.value.trim() });
  submit.dataset.sending = '';
  if (res.ok) note.value = '';
  render(store.get());
}
