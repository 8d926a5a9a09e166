// Import a grid office's spreadsheet (导入表格): pick its kind and an .xlsx
// or .csv file, which goes up as the raw body of POST /api/import/{kind}
// (docs/FIELD.md) with a client id made once per chosen file and kind. The
// answer: rows imported, or the rows at fault with nothing imported, or
// why the file was refused.
'use strict';

import { t, fmtNumber, getLang, onLangChange } from './i18n.js';
import { ApiError } from './api.js';
import { el } from './ui.js';
import { Upload } from './fieldwrite.js';

export const IMPORT_KINDS = ['screenings', 'contacts', 'heads', 'vulnerable'];
const MAX_BYTES = 10 << 20; // the server's limit
const SHOW_ROWS = 200; // rows at fault listed; the rest counted

// Content types by file name: browsers report a CSV as text/csv, or on
// Windows as application/vnd.ms-excel, which the server refuses.
const TYPES = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv',
};

export function contentTypeOf(name) {
  const m = /\.([a-z0-9]+)$/i.exec(name || '');
  return (m && TYPES[m[1].toLowerCase()]) || null;
}

// Why a file cannot be sent, or ''.
function refusalOf(file) {
  if (!file) return t('imp.noFile');
  if (!contentTypeOf(file.name)) return t('imp.badType');
  if (file.size > MAX_BYTES) return t('imp.tooBig');
  return '';
}

// A column the file lacks, which the server names canonically (grid,
// building…), in the page's language; a header as the file wrote it (the
// column of every other problem) stays as it is.
function columnLabel(c) {
  if (!c) return '';
  const key = `imp.col.${c}`;
  const s = t(key);
  return s === key ? c : s;
}

// A row's problem as the server said it: in the page's language, which
// the upload asked for (Accept-Language); after a switch to English, the
// English the server keeps in detail.
function problem(r) {
  return (getLang() === 'en' && r.detail) || r.error || '';
}

function refusedTable(rows) {
  const list = rows.slice().sort((a, b) => a.row - b.row);
  return el(
    'div',
    { class: 'imp-refused', role: 'alert' },
    el('p', { class: 'imp-refused-head' }, t('imp.refused', { n: fmtNumber(new Set(list.map((r) => r.row)).size) })),
    el(
      'div',
      { class: 'imp-table-wrap' },
      el(
        'table',
        { class: 'imp-table', id: 'imp-errors' },
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('imp.row')), el('th', { scope: 'col' }, t('imp.column')), el('th', { scope: 'col' }, t('imp.error')))),
        el(
          'tbody',
          {},
          list.slice(0, SHOW_ROWS).map((r) =>
            el(
              'tr',
              { dataset: { row: String(r.row), column: r.column || '' } },
              el('td', { class: 'imp-row' }, String(r.row)),
              el('td', { class: 'imp-col', title: r.column || '' }, columnLabel(r.column)),
              el('td', { class: 'imp-msg', title: r.detail || r.error || '' }, problem(r))
            )
          )
        )
      )
    ),
    list.length > SHOW_ROWS && el('p', { class: 'muted' }, t('imp.moreRows', { n: fmtNumber(list.length - SHOW_ROWS) }))
  );
}

// The import card in box; done(kind) after rows of that kind went in.
// Returns what the page calls: render().
export function initImport(box, { canWrite, done: imported }) {
  let kind = IMPORT_KINDS[0];
  let upload = null; // the Upload of the chosen file and kind (source, kind)
  let result = null; // {kind: 'ok'|'refused'|'error', ...} of the last upload
  let busy = false;
  let fileInput = null; // kept across redraws: it holds the chosen file

  function chosenFile() {
    return fileInput && fileInput.files && fileInput.files[0] ? fileInput.files[0] : null;
  }

  // The Upload of the chosen file and kind. A new intention (another file or
  // kind) gets a new client id; the same one sent again (the retry button)
  // keeps it and sends the same bytes, read once: a file changed on disk
  // since it was chosen cannot be read, and must be chosen again.
  async function uploadFor(file) {
    if (upload && upload.source === file && upload.kind === kind) return upload;
    const bytes = await file.arrayBuffer();
    upload = new Upload(`/api/import/${kind}`, new Blob([bytes]), contentTypeOf(file.name));
    upload.source = file;
    upload.kind = kind;
    return upload;
  }

  // Done with the chosen file: the next upload is a file chosen anew (its
  // change event fires even for the same name), with a new client id.
  function forgetFile() {
    upload = null;
    fileInput.value = '';
  }

  async function send() {
    const file = chosenFile();
    const refusal = refusalOf(file);
    if (refusal) {
      result = { state: 'error', message: refusal };
      renderImport();
      return;
    }
    busy = true;
    result = null;
    renderImport();
    let u = null;
    try {
      u = await uploadFor(file);
    } catch {
      forgetFile();
      result = { state: 'error', message: t('imp.unreadable') };
    }
    if (u) {
      try {
        const answer = await u.send();
        result = { state: 'ok', kind: u.kind, n: answer.imported };
        forgetFile();
        imported(u.kind);
      } catch (err) {
        const rows = err instanceof ApiError && err.status === 422 && err.data && Array.isArray(err.data.rows) ? err.data.rows : null;
        const retry = !(err instanceof ApiError) || err.kind === 'network' || err.status === 429 || err.status >= 500;
        // A refused file is fixed and chosen again; a lost answer is sent again.
        if (!retry) forgetFile();
        if (rows) result = { state: 'refused', rows };
        else result = { state: 'error', retry, message: `${t('imp.failed')}${t('err.sep')}${err.describe ? err.describe() : err.message}` };
      }
    }
    busy = false;
    renderImport();
  }

  // The columns a file of the chosen kind needs (docs/FIELD.md's table).
  function hint() {
    const line = (key, label) => {
      const v = t(`${key}.${kind}`);
      return v && [el('dt', {}, t(label)), el('dd', {}, v)];
    };
    return el('dl', { class: 'imp-cols', id: 'imp-cols' }, line('imp.req', 'imp.required'), line('imp.opt', 'imp.optional'), line('imp.val', 'imp.values'));
  }

  function resultNode() {
    if (busy) return el('p', { class: 'act-status', role: 'status' }, t('imp.uploading'));
    if (!result) return null;
    switch (result.state) {
      case 'ok':
        return el('p', { class: 'imp-ok act-ok', role: 'status', dataset: { imported: String(result.n) } }, t('imp.done', { n: fmtNumber(result.n), kind: t(`imp.kind.${result.kind}`) }));
      case 'refused':
        return refusedTable(result.rows);
      default:
        return el('p', { class: 'imp-error act-error', role: 'alert' }, result.message);
    }
  }

  function renderImport() {
    if (!canWrite) {
      box.replaceChildren(el('p', { class: 'muted act-readonly' }, t('imp.readOnly')));
      return;
    }
    if (!fileInput) {
      fileInput = el('input', { type: 'file', id: 'imp-file', class: 'imp-input', name: 'file', accept: `.xlsx,.csv,${TYPES.xlsx},text/csv` });
      fileInput.addEventListener('change', () => {
        result = null;
        renderImport();
      });
    }
    const select = el(
      'select',
      { id: 'imp-kind', name: 'kind' },
      IMPORT_KINDS.map((k) => el('option', { value: k, selected: k === kind }, t(`imp.kind.${k}`)))
    );
    select.addEventListener('change', () => {
      kind = select.value;
      result = null;
      renderImport();
    });
    const file = chosenFile();
    const button = el('button', { type: 'submit', class: 'btn-primary act-submit', id: 'imp-upload', disabled: busy || !file }, t(result && result.retry ? 'act.retry' : 'imp.upload'));
    const pick = el(
      'label',
      { class: 'imp-pick' },
      fileInput,
      el('span', { class: 'btn-secondary imp-choose' }, t('imp.choose')),
      el('span', { class: `imp-name${file ? '' : ' muted'}`, title: file ? file.name : '' }, file ? file.name : t('imp.noneChosen'))
    );
    const form = el(
      'form',
      { class: 'imp-form', id: 'imp-form' },
      el('label', { class: 'act-field imp-kind' }, el('span', {}, t('imp.kind')), select),
      hint(),
      el('div', { class: 'imp-field' }, el('span', { class: 'imp-label' }, t('imp.file')), el('div', { class: 'imp-send' }, pick, button))
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!busy) send();
    });
    box.replaceChildren(el('p', { class: 'muted imp-hint' }, t('imp.hint')), form, resultNode() || '');
    box.dataset.state = busy ? 'uploading' : result ? result.state : 'ready';
  }

  onLangChange(renderImport);
  return { render: renderImport };
}
