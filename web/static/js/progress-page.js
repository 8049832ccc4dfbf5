/**
 * Entry point of the progress page: totals, the review list with its "Review mistakes"
 * button, mastery by concept, the misconception profile, the round history, export,
 * import, reset and the data set aside in quarantine.
 */

import * as api from './api.js';
import { downloadText, observeScrollBox, required, showNotice } from './dom.js';
import { plural } from './format.js';
import { dealReviewRound, NothingDueError, reportDroppedReview } from './game.js';
import { conceptMastery, misconceptionProfile } from './mastery.js';
import {
  renderHistory,
  renderMastery,
  renderMasteryStatus,
  renderMisconceptions,
  renderQuarantine,
  renderReferenceCount,
  renderReview,
  renderTotals,
} from './progress-view.js';
import { withRetries } from './retry.js';
import { ProgressFormatError, ProgressStore } from './store.js';

/** Largest import file accepted, in bytes; a year of daily rounds is far below this. */
const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

/** How often the review list is redrawn, so scenarios that fall due show up without a reload. */
const REVIEW_REFRESH_MS = 30_000;

const page = required('#progress-page');
const maxScore = Number(page.dataset.maxScore);
const slug = page.dataset.gameSlug;
const store = new ProgressStore({ onNotice: showNotice });

/** Scenario summaries from the bank by id; empty until the listing has loaded. */
let bank = new Map();
/** Whether a review round is being dealt, so the button stays disabled meanwhile. */
let dealing = false;

function renderReviewSection() {
  renderReview({
    queue: store.progress.review_queue,
    due: store.dueReviewItems().length,
    nextDue: store.nextReviewItem(),
    roundInProgress: store.progress.current_round_id !== null,
    busy: dealing,
  });
}

function renderMasterySection() {
  const mastery = conceptMastery(store.progress.history, bank);
  renderMastery(mastery);
  if (mastery.unmapped > 0) {
    renderMasteryStatus(
      `${plural(mastery.unmapped, 'answer')} from older rounds could not be counted, because the list of scenarios ` +
        'and their concepts has not loaded or no longer holds those scenarios.',
    );
  } else {
    renderMasteryStatus('');
  }
}

function render() {
  renderTotals(store.progress, maxScore);
  renderReviewSection();
  renderMasterySection();
  renderMisconceptions(misconceptionProfile(store.progress.history));
  renderReferenceCount(store.progress.reference.length);
  renderHistory(store.progress.history);
  renderQuarantine(store.listQuarantine());
}
render();
store.subscribe(render);
observeScrollBox(required('#review-queue'));
observeScrollBox(required('#mastery-table-box'));
setInterval(renderReviewSection, REVIEW_REFRESH_MS);

// The bank listing maps scenarios of rounds recorded before concepts were stored.
withRetries(() => api.listScenarios(slug))
  .then((listing) => {
    bank = new Map(listing.scenarios.map((scenario) => [scenario.id, scenario]));
    renderMasterySection();
  })
  .catch((error) => {
    renderMasteryStatus(`The list of scenarios could not be loaded, so older rounds may be missing from this table: ${error.message}`);
  });

// Review mistakes: deal a review round of the due scenarios, then play it on the game page.
const reviewStatus = required('#review-status');
required('#review-button').addEventListener('click', async () => {
  if (dealing) return;
  dealing = true;
  renderReviewSection();
  reviewStatus.className = 'form-status';
  reviewStatus.textContent = 'Dealing the scenarios you missed…';
  try {
    await dealReviewRound({ store, slug, onDropped: reportDroppedReview });
    reviewStatus.textContent = 'Your review round is ready. Opening the game…';
    window.location.assign(`/games/${encodeURIComponent(slug)}/#play`);
  } catch (error) {
    dealing = false;
    renderReviewSection();
    reviewStatus.classList.add('form-status--error');
    reviewStatus.textContent =
      error instanceof NothingDueError ? error.message : `The review round could not be started. ${error.message}`;
  }
});

/** Status lines of the "Your data" section. Each action's message replaces any earlier one. */
const dataStatusLines = [required('#data-status'), required('#import-status')];

/**
 * Shows `message` in the status line `line`, styled by `tone` ("success" or "error"), and
 * empties the section's other status lines, so an old message never stays above a newer one.
 */
function showDataStatus(line, message, tone = null) {
  for (const other of dataStatusLines) {
    other.textContent = '';
    other.className = 'form-status';
  }
  line.textContent = message;
  if (tone) line.classList.add(`form-status--${tone}`);
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

// Export: the whole progress as one JSON file.
required('#export-button').addEventListener('click', () => {
  downloadText(`idempotency-key-clinic-progress-${today()}.json`, store.exportJson());
  showDataStatus(required('#data-status'), 'Your progress was downloaded as a JSON file.');
});

// Import: validate the file, then merge it into the stored progress.
const importInput = required('#import-file');
const importStatus = required('#import-status');
importInput.addEventListener('change', async () => {
  const file = importInput.files?.[0];
  if (!file) return;
  try {
    if (file.size > MAX_IMPORT_BYTES) {
      throw new ProgressFormatError(`the file has ${file.size} bytes; at most ${MAX_IMPORT_BYTES} are accepted`);
    }
    const report = store.importJson(await file.text());
    showDataStatus(importStatus, report.message, 'success');
  } catch (error) {
    const reason = error instanceof ProgressFormatError ? error.message : `the file could not be read (${error.message})`;
    showDataStatus(importStatus, `Nothing was imported from ${file.name}: ${reason}.`, 'error');
  } finally {
    importInput.value = '';
  }
});

// Reset: only after the player confirms in the dialog.
const resetDialog = required('#reset-dialog');
required('#reset-button').addEventListener('click', () => {
  required('#reset-count').textContent = plural(store.progress.history.length, 'finished round');
  resetDialog.showModal();
});
resetDialog.addEventListener('close', () => {
  if (resetDialog.returnValue !== 'reset') return;
  store.reset();
  showDataStatus(required('#data-status'), 'Your progress in this browser was reset.');
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
    showDataStatus(required('#data-status'), `${item.key} was deleted.`);
  }
});
