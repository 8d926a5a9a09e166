// The party layer of the grid's subtree (党建, GET /api/grids/{id}/party,
// docs/FIELD.md "The party layer"): its branches (党支部) with their
// secretaries and members, each member's 双报到 registration (employer,
// date, status), service hours this month and in all, tasks done and
// points. A writer opens a member to record service hours
// (POST /api/party-members/{id}/service) and registers a new in-service
// member with the community (POST /api/party-members), sets up a branch
// (POST /api/party-branches), renames one or names its secretary
// (PUT /api/party-branches/{id}) and moves a member to another branch
// (PUT /api/party-members/{id}/branch). The writes go through the outbox
// (fieldwrite.js): held on the phone first, with undo.
'use strict';

import { t, fmtNumber, onLangChange } from './i18n.js';
import { getJSON, isAbort } from './api.js';
import { el } from './ui.js';
import { Write, isUndone } from './fieldwrite.js';

// The branches list in node; canWrite: the account may record;
// changed(): after each fetch. Returns load() and render(); the state (the
// answer, the open member, the forms being filled in) lives in this call.
export function partyBranches(node, { grid, canWrite, changed }) {
  const s = { data: null, failed: false, ctrl: null, open: null, forms: new Map(), registering: false, adding: false, editing: null };

  async function load() {
    if (s.ctrl) s.ctrl.abort();
    const mine = new AbortController();
    s.ctrl = mine;
    try {
      const d = await getJSON(`/api/grids/${grid}/party`, { signal: mine.signal });
      if (s.ctrl !== mine) return;
      s.data = d;
      s.failed = false;
    } catch (err) {
      if (isAbort(err)) return;
      s.failed = true;
    }
    render();
    changed();
  }

  // form(key, make) keeps a form (and what is typed in it) across redraws.
  const form = (key, make) => {
    if (!s.forms.has(key)) s.forms.set(key, make());
    return s.forms.get(key);
  };
  // A saved form stays, emptied, with its status line; the list is fetched again.
  const saved = () => load();

  function render() {
    const parts = [];
    if (s.failed && !s.data) parts.push(el('p', { class: 'act-error' }, t('rec.failed')));
    else if (!s.data) parts.push(el('p', { class: 'muted' }, t('rec.loading')));
    else {
      parts.push(summary(s.data));
      if (canWrite) parts.push(registerBlock());
      if (!s.data.branches.length) parts.push(el('p', { class: 'gap-empty' }, t('pb.empty')));
      for (const b of s.data.branches) parts.push(branchBlock(b));
    }
    node.replaceChildren(...parts);
    node.dataset.state = s.failed ? 'failed' : s.data ? 'loaded' : 'loading';
    node.dataset.version = String(Number(node.dataset.version || 0) + 1);
  }

  function registerBlock() {
    const toggle = () => {
      s.registering = !s.registering;
      render();
    };
    return el(
      'div',
      { class: 'pb-register' },
      el('button', { type: 'button', class: 'btn-secondary pb-register-open', 'aria-expanded': String(s.registering), onclick: toggle }, t('pb.registerOpen')),
      s.registering ? form('register', () => registerForm(grid, saved)) : null,
      el('button', { type: 'button', class: 'btn-secondary pb-branch-add-open', 'aria-expanded': String(s.adding), onclick: toggleAdd }, t('pb.branchAddOpen')),
      s.adding ? form('branch-add', () => branchAddForm(grid, saved)) : null
    );
  }

  function toggleAdd() {
    s.adding = !s.adding;
    render();
  }

  function branchBlock(b) {
    const c = b.counts;
    const editing = s.editing === b.id;
    const toggleEdit = () => {
      s.editing = editing ? null : b.id;
      render();
    };
    return el(
      'section',
      { class: 'pb-branch', dataset: { branchId: String(b.id), members: String(c.members) } },
      el(
        'div',
        { class: 'pb-branch-head' },
        el('b', { class: 'pb-branch-name' }, b.name),
        el('span', { class: 'rec-sub' }, t('pb.secretary', { name: b.secretary || t('pb.none') })),
        el(
          'span',
          { class: 'rec-sub' },
          t('pb.branchCounts', { n: fmtNumber(c.members), r: fmtNumber(c.resident), s: fmtNumber(c.in_service), reg: fmtNumber(c.registered) }),
          ' · ',
          t('pb.hoursMonth', { h: hrs(c.hours_month) })
        ),
        canWrite
          ? el('button', { type: 'button', class: 'btn-secondary pb-branch-edit-open', 'aria-expanded': String(editing), onclick: toggleEdit }, t('pb.branchEdit'))
          : null
      ),
      editing ? form(`branch-${b.id}`, () => branchEditForm(b, saved)) : null,
      b.members.length ? el('ul', { class: 'rec-list pb-members' }, b.members.map((m) => member(m, b))) : el('p', { class: 'muted' }, t('pb.noMembers'))
    );
  }

  function member(m, b) {
    const on = s.open === m.person_id;
    const toggle = () => {
      s.open = on ? null : m.person_id;
      render();
    };
    const reg = m.registration;
    const sub = [];
    if (m.membership === 'in_service') {
      sub.push(m.employer || '');
      if (reg && reg.status === 'active') sub.push(t('pb.registeredOn', { d: reg.registered_on }));
      else if (reg) sub.push(t('pb.regEnded', { d: reg.ended_on || '' }));
      else sub.push(t('pb.notRegistered'));
    } else sub.push(t('pb.resident'));
    sub.push(t('pb.tasksDone', { n: fmtNumber(m.tasks_done) }), t('pb.points', { n: fmtNumber(m.points) }));
    return el(
      'li',
      {
        class: `rec-item pb-member${on ? ' is-open' : ''}`,
        dataset: { personId: String(m.person_id), hoursMonth: String(m.hours_month), hoursTotal: String(m.hours_total), membership: m.membership },
      },
      el(
        'button',
        { type: 'button', class: 'rec-head pb-head', 'aria-expanded': String(on), onclick: toggle },
        el(
          'span',
          { class: 'pty-who' },
          el('b', { class: 'rec-name' }, m.name, m.membership === 'in_service' ? el('span', { class: 'pb-badge' }, t('pb.inService')) : null),
          el('span', { class: 'rec-sub' }, sub.join(' · '))
        ),
        el(
          'span',
          { class: 'pb-hours' },
          el('span', { class: 'pb-hours-n' }, t('pb.hours', { h: hrs(m.hours_month) })),
          el('span', { class: 'rec-sub' }, t('pb.hoursTotal', { h: hrs(m.hours_total) }))
        )
      ),
      on
        ? el(
            'div',
            { class: 'rec-detail' },
            canWrite ? form(`svc-${m.person_id}`, () => serviceForm(m, saved)) : el('p', { class: 'muted act-readonly' }, t('act.readOnly')),
            canWrite && s.data.branches.length > 1 ? form(`move-${m.person_id}-${b.id}`, () => moveForm(m, b, s.data.branches, saved)) : null
          )
        : null
    );
  }

  onLangChange(() => {
    s.forms.clear(); // their labels are in the old language
    render();
  });
  return { load, render };
}

// Hours as people write them: 2, 1.5 (never 2.0).
function hrs(n) {
  return Number.isInteger(n) ? fmtNumber(n) : fmtNumber(n, 1);
}

function summary(d) {
  const c = d.totals;
  return el(
    'p',
    { class: 'rec-summary pb-summary', dataset: { members: String(c.members), registered: String(c.registered), hoursMonth: String(c.hours_month) } },
    t('pb.summary', {
      b: fmtNumber(d.branches.length),
      n: fmtNumber(c.members),
      s: fmtNumber(c.in_service),
      reg: fmtNumber(c.registered),
      h: hrs(c.hours_month),
      tasks: fmtNumber(c.tasks_done),
    })
  );
}

// wireForm sends a Write built by make() (the same one again while the
// form holds the same body, so a retry keeps its client id) and reports on
// status: held on the phone (undo open), saved, undone or failed.
function wireForm(formNode, submit, status, { body, make, ok }) {
  let w = null;
  const say = (state, cls, msg) => {
    formNode.dataset.state = state;
    status.className = `act-status${cls ? ` ${cls}` : ''}`;
    status.textContent = msg;
  };
  formNode.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const b = body();
    if (typeof b === 'string') return say('failed', 'act-error', b);
    if (!w || JSON.stringify(w.body) !== JSON.stringify(b)) {
      if (w) w.discard();
      w = make(b);
    }
    submit.disabled = true;
    say('saving', '', t('act.saving'));
    try {
      const answer = await w.send({ onHeld: () => say('held', 'act-ok', t('act.held')) });
      w = null;
      submit.disabled = false;
      say('saved', 'act-ok', ok(answer, b));
    } catch (err) {
      submit.disabled = false;
      if (isUndone(err)) {
        w = null;
        return say('undone', '', t('act.undone'));
      }
      say('failed', 'act-error', `${t('act.failed')}${t('err.sep')}${err.describe ? err.describe() : err.message}`);
    }
  });
}

// Hours typed, or null unless 0.5 to 24 in half hours (the server's rule).
function hoursOf(v) {
  const n = Number(String(v).trim().replace(',', '.'));
  return Number.isFinite(n) && n >= 0.5 && n <= 24 && Number.isInteger(n * 2) ? n : null;
}

function serviceForm(m, done) {
  const hours = el('input', { name: 'hours', type: 'number', inputmode: 'decimal', min: '0.5', max: '24', step: '0.5', required: true });
  const what = el('input', { name: 'what', maxlength: '200', required: true, list: 'pb-work' });
  const day = el('input', { name: 'day', type: 'date' });
  const status = el('div', { class: 'act-status', role: 'status' });
  const submit = el('button', { type: 'submit', class: 'btn-primary act-submit' }, t('pb.save'));
  const f = el(
    'form',
    { class: 'act-form pb-service', novalidate: true, dataset: { action: 'service' } },
    el('label', { class: 'act-field pb-hours-field' }, el('span', {}, t('pb.hoursLabel')), hours),
    el('label', { class: 'act-field' }, el('span', {}, t('pb.what')), what),
    el('datalist', { id: 'pb-work' }, ['卡点值守', '入户排查', '代购配送物资', '走访独居老人', '协助核酸检测'].map((w) => el('option', { value: w }))),
    el('label', { class: 'act-field' }, el('span', {}, t('pb.day')), day),
    el('div', { class: 'act-row' }, submit, status)
  );
  wireForm(f, submit, status, {
    body: () => {
      const h = hoursOf(hours.value);
      if (h === null) return t('pb.badHours');
      if (!what.value.trim()) return t('pb.noWhat');
      const b = { hours: h, what: what.value.trim() };
      if (day.value) b.day = day.value;
      return b;
    },
    make: (b) => new Write('POST', `/api/party-members/${encodeURIComponent(m.person_id)}/service`, b, { label: `${t('pb.record')} ${m.name} ${hrs(b.hours)} h` }),
    ok: (answer, b) => {
      f.reset();
      done();
      return t('pb.recorded', { h: hrs(b.hours), m: hrs(answer.hours_month), all: hrs(answer.hours_total) });
    },
  });
  return f;
}

function registerForm(grid, done) {
  const name = el('input', { name: 'name', maxlength: '100', required: true, autocomplete: 'off' });
  const phone = el('input', { name: 'phone', type: 'tel', inputmode: 'tel', maxlength: '20' });
  const employer = el('input', { name: 'employer', maxlength: '100', required: true });
  const on = el('input', { name: 'registered_on', type: 'date' });
  const status = el('div', { class: 'act-status', role: 'status' });
  const submit = el('button', { type: 'submit', class: 'btn-primary act-submit' }, t('pb.register'));
  const f = el(
    'form',
    { class: 'act-form pb-register-form', novalidate: true, dataset: { action: 'register' } },
    el('label', { class: 'act-field' }, el('span', {}, t('pb.name')), name),
    el('label', { class: 'act-field' }, el('span', {}, t('pb.phone')), phone),
    el('label', { class: 'act-field' }, el('span', {}, t('pb.employer')), employer),
    el('label', { class: 'act-field' }, el('span', {}, t('pb.registeredOnLabel')), on),
    el('div', { class: 'act-row' }, submit, status)
  );
  wireForm(f, submit, status, {
    body: () => {
      if (!name.value.trim()) return t('pb.noName');
      if (!employer.value.trim()) return t('pb.noEmployer');
      const b = { name: name.value.trim(), grid_id: Number(grid), membership: 'in_service', employer: employer.value.trim() };
      if (phone.value.trim()) b.phone = phone.value.trim();
      if (on.value) b.registered_on = on.value;
      return b;
    },
    make: (b) => new Write('POST', '/api/party-members', b, { label: `${t('pb.register')} ${b.name} (${b.employer})` }),
    ok: (answer, b) => {
      f.reset();
      done();
      return t('pb.registered', { name: b.name, c: (answer.registration && answer.registration.community) || '' });
    },
  });
  return f;
}

// branchAddForm sets up a branch at the page's grid.
function branchAddForm(grid, done) {
  const name = el('input', { name: 'name', maxlength: '100', required: true, autocomplete: 'off' });
  const status = el('div', { class: 'act-status', role: 'status' });
  const submit = el('button', { type: 'submit', class: 'btn-primary act-submit' }, t('pb.branchAdd'));
  const f = el(
    'form',
    { class: 'act-form pb-branch-add', novalidate: true, dataset: { action: 'branch-add' } },
    el('label', { class: 'act-field' }, el('span', {}, t('pb.branchName')), name),
    el('div', { class: 'act-row' }, submit, status)
  );
  wireForm(f, submit, status, {
    body: () => (name.value.trim() ? { grid_id: Number(grid), name: name.value.trim() } : t('pb.noBranchName')),
    make: (b) => new Write('POST', '/api/party-branches', b, { label: `${t('pb.branchAdd')} ${b.name}` }),
    ok: (answer, b) => {
      f.reset();
      done();
      return t('pb.branchAdded', { name: b.name });
    },
  });
  return f;
}

// branchEditForm renames branch b and names its secretary from its members.
function branchEditForm(b, done) {
  const name = el('input', { name: 'name', maxlength: '100', required: true, value: b.name });
  const secretary = el(
    'select',
    { name: 'secretary_id' },
    el('option', { value: '0' }, t('pb.none')),
    ...b.members.map((m) => el('option', { value: String(m.person_id), selected: m.person_id === b.secretary_id }, m.name))
  );
  const status = el('div', { class: 'act-status', role: 'status' });
  const submit = el('button', { type: 'submit', class: 'btn-primary act-submit' }, t('pb.branchSave'));
  const f = el(
    'form',
    { class: 'act-form pb-branch-edit', novalidate: true, dataset: { action: 'branch-edit', branchId: String(b.id) } },
    el('label', { class: 'act-field' }, el('span', {}, t('pb.branchName')), name),
    el('label', { class: 'act-field' }, el('span', {}, t('pb.secretaryLabel')), secretary),
    el('div', { class: 'act-row' }, submit, status)
  );
  wireForm(f, submit, status, {
    body: () => (name.value.trim() ? { name: name.value.trim(), secretary_id: Number(secretary.value) } : t('pb.noBranchName')),
    make: (body) => new Write('PUT', `/api/party-branches/${encodeURIComponent(b.id)}`, body, { label: `${t('pb.branchSave')} ${body.name}` }),
    ok: (answer, body) => {
      done();
      return t('pb.branchSaved', { name: body.name });
    },
  });
  return f;
}

// moveForm moves member m out of branch from into another of the list.
function moveForm(m, from, branches, done) {
  const to = el(
    'select',
    { name: 'branch_id' },
    ...branches.filter((x) => x.id !== from.id).map((x) => el('option', { value: String(x.id) }, x.name))
  );
  const status = el('div', { class: 'act-status', role: 'status' });
  const submit = el('button', { type: 'submit', class: 'btn-secondary act-submit' }, t('pb.move'));
  const f = el(
    'form',
    { class: 'act-form pb-move', novalidate: true, dataset: { action: 'move' } },
    el('label', { class: 'act-field' }, el('span', {}, t('pb.moveTo')), to),
    el('div', { class: 'act-row' }, submit, status)
  );
  wireForm(f, submit, status, {
    body: () => ({ branch_id: Number(to.value) }),
    make: (b) => new Write('PUT', `/api/party-members/${encodeURIComponent(m.person_id)}/branch`, b, { label: `${t('pb.move')} ${m.name}` }),
    ok: () => {
      done();
      return t('pb.moved', { name: m.name, b: to.selectedOptions[0] ? to.selectedOptions[0].textContent : '' });
    },
  });
  return f;
}
