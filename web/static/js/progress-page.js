/**
 * Entry point of the progress page: totals, review history, export, import, reset and
 * the data set aside in quarantine.
 */

import { downloadText, required, showNotice } from './dom.js';
import { renderHistory, renderQuarantine, renderTotals } from './progress-view.js';
import { ProgressFormatError, ProgressStore } from './store.js';

/** Largest import file accepted, in bytes; a year of daily rounds is far below this. */
const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

const page = required('#progress-page');
const maxScore = Number(page.dataset.maxScore);
const store = new ProgressStore({ onNotice: showNotice });

function render() {
  renderTotals(store.progress, maxScore);
  renderHistory(store.progress.history);
  renderQuarantine(store.listQuarantine());
}
render();
store.subscribe(render);

function today() {
  return new Date().toISOString().slice(0, 10);
}

// Export: the whole progress as one JSON file.
required('#export-button').addEventListener('click', () => {
  downloadText(`idempotency-key-clinic-progress-${today()}.json`, store.exportJson());
  required('#data-status').textContent = 'Your progress was downloaded as a JSON file.';
});

// Import: validate the file, then merge it into the stored progress.
const importInput = required('#import-file');
const importStatus = required('#import-status');
importInput.addEventListener('change', async () => {
  const file = importInput.files?.[0];
  if (!file) return;
  importStatus.className = 'form-status';
  try {
    if (file.size > MAX_IMPORT_BYTES) {
      throw new ProgressFormatError(`the file has ${file.size} bytes; at most ${MAX_IMPORT_BYTES} are accepted`);
    }
    const report = store.importJson(await file.text());
    importStatus.textContent = report.message;
    importStatus.classList.add('form-status--success');
  } catch (error) {
    const reason = error instanceof ProgressFormatError ? error.message : `the file could not be read (${error.message})`;
    importStatus.textContent = `Nothing was imported from ${file.name}: ${reason}.`;
    importStatus.classList.add('form-status--error');
  } finally {
    importInput.value = '';
  }
});

// Reset: only after the player confirms in the dialog.
const resetDialog = required('#reset-dialog');
required('#reset-button').addEventListener('click', () => {
  required('#reset-count').textContent = String(store.progress.history.length);
  resetDialog.showModal();
});
resetDialog.addEventListener('close', () => {
  if (resetDialog.returnValue !== 'reset') return;
  store.reset();
  required('#data-status').textContent = 'Your progress in this browser was reset.';
  required('#reset-button').focus();
});

// Quarantine: download or delete data that could not be read.
required('#quarantine-list').addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target.closest('button') : null;
  if (!target) return;
  const downloadKey = target.dataset.quarantineDownload;
  const deleteKey = target.dataset.quarantineDelete;
  const item = store.listQuarantine().find((candidate) => candidate.key === (downloadKey ?? deleteKey));
  if (!item) return;
  if (downloadKey) {
    downloadText(`${item.key}.json`, item.text);
  } else if (window.confirm(`Delete the data set aside under ${item.key}? This cannot be undone.`)) {
    store.deleteQuarantine(item.key);
    render();
    required('#data-status').textContent = `${item.key} was deleted.`;
  }
});
