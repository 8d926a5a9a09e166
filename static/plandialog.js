// One modal dialog (#pl-dialog) for the planner's questions: a confirm
// and a small form. A form stays open, with what was typed, until its
// submit handler says it is done, so a refused or delayed request never
// loses the planner's input.
'use strict';

import { t } from './i18n.js';
import { el } from './ui.js';

let open = null; // {close(result)} of the dialog on screen

function dialog() {
  return document.getElementById('pl-dialog');
}

// show puts content in the dialog; a question still open is answered
// null first.
function show(content, { onCancel }) {
  const d = dialog();
  if (open) open.close(null);
  d.replaceChildren(content);
  d.oncancel = (ev) => {
    ev.preventDefault();
    onCancel();
  };
  if (!d.open) d.showModal();
}

function hide() {
  const d = dialog();
  d.oncancel = null;
  if (d.open) d.close();
  d.replaceChildren();
  open = null;
}

function buttons(okLabel, danger, onOk, onCancel) {
  const ok = el('button', { type: 'submit', class: danger ? 'pl-btn pl-btn-danger' : 'btn-primary', id: 'pl-dialog-ok' }, okLabel);
  const cancel = el('button', { type: 'button', class: 'pl-btn', id: 'pl-dialog-cancel', onclick: onCancel }, t('plan.cancel'));
  return { ok, cancel, row: el('div', { class: 'pl-dialog-buttons' }, cancel, ok) };
}

// confirmDialog resolves true when the planner confirms.
export function confirmDialog({ title, body, ok, danger = false }) {
  return new Promise((resolve) => {
    const finish = (v) => {
      hide();
      resolve(v);
    };
    const b = buttons(ok, danger, null, () => finish(false));
    const form = el(
      'form',
      { method: 'dialog', class: 'pl-dialog-form', onsubmit: (ev) => (ev.preventDefault(), finish(true)) },
      el('h3', { class: 'pl-dialog-title' }, title),
      body && el('p', { class: 'pl-dialog-body' }, body),
      b.row
    );
    show(form, { onCancel: () => finish(false) });
    open = { close: finish };
    b.ok.focus();
  });
}

// formDialog shows fields [{name, label, value, type, options, hint,
// inputmode}] and calls submit(values): a string is an error shown under
// the fields (the dialog stays), anything else closes it. Resolves the
// values submitted, or null when cancelled. danger: the button is red.
export function formDialog({ title, body, fields, ok, submit, danger = false }) {
  return new Promise((resolve) => {
    const finish = (v) => {
      hide();
      resolve(v);
    };
    const inputs = {};
    const rows = fields.map((f) => {
      let input;
      if (f.type === 'select') {
        input = el(
          'select',
          { name: f.name, id: `pl-dlg-${f.name}` },
          f.options.map((o) => el('option', { value: String(o.value), selected: String(o.value) === String(f.value) }, o.label))
        );
      } else {
        input = el('input', {
          type: 'text',
          name: f.name,
          id: `pl-dlg-${f.name}`,
          value: f.value ?? '',
          inputmode: f.inputmode,
          maxlength: f.maxlength,
          autocomplete: 'off',
        });
      }
      inputs[f.name] = input;
      return el('label', { class: 'pl-field' }, el('span', {}, f.label), input, f.hint && el('small', { class: 'pl-hint-text' }, f.hint));
    });
    const error = el('p', { class: 'pl-form-error', role: 'alert', hidden: true });
    const b = buttons(ok, danger, null, () => finish(null));
    const form = el(
      'form',
      {
        class: 'pl-dialog-form',
        novalidate: true,
        onsubmit: async (ev) => {
          ev.preventDefault();
          const values = Object.fromEntries(Object.entries(inputs).map(([k, i]) => [k, i.value.trim()]));
          b.ok.disabled = true;
          form.setAttribute('aria-busy', 'true');
          error.hidden = true;
          let res;
          try {
            res = await submit(values);
          } finally {
            b.ok.disabled = false;
            form.removeAttribute('aria-busy');
          }
          if (typeof res === 'string') {
            error.textContent = res;
            error.hidden = false;
            return;
          }
          finish(values);
        },
      },
      el('h3', { class: 'pl-dialog-title' }, title),
      body && el('p', { class: 'pl-dialog-body' }, body),
      rows,
      error,
      b.row
    );
    show(form, { onCancel: () => finish(null) });
    open = { close: finish };
    const first = fields.find((f) => f.type !== 'select') || fields[0];
    if (first) inputs[first.name].focus();
  });
}
