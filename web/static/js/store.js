/**
 * Local progress, kept in localStorage under one key with a versioned schema (see
 * progress-schema.js). Data that cannot be read (invalid JSON, a foreign shape, a newer
 * schema version) is copied to a quarantine key and reported, never erased.
 */

import { plural } from './format.js';
import {
  bestRankedScore,
  emptyProgress,
  EXPORT_APP,
  experiencePoints,
  mergeProgress,
  mergeReference,
  parseProgressFile,
  validateFinishedRound,
  validateProgress,
  validateReferenceItem,
} from './progress-schema.js';
import { applyRound, dueItems, nextDueItem } from './review-schedule.js';

export { ProgressFormatError, SCHEMA_VERSION, EXPORT_APP, emptyProgress, experiencePoints } from './progress-schema.js';

export const STORAGE_KEY = 'ikc.progress';
export const QUARANTINE_PREFIX = 'ikc.progress.quarantine.';

// --- Storage ----------------------------------------------------------------------------

/** Returns localStorage, or null when the browser blocks it (some private modes do). */
function openLocalStorage() {
  try {
    const storage = window.localStorage;
    storage.getItem(STORAGE_KEY);
    return storage;
  } catch {
    return null;
  }
}

/** A Storage-like map for browsers that block localStorage: progress lasts for the page. */
class MemoryStorage {
  #items = new Map();
  get length() { return this.#items.size; }
  key(index) { return [...this.#items.keys()][index] ?? null; }
  getItem(key) { return this.#items.get(key) ?? null; }
  setItem(key, value) { this.#items.set(key, String(value)); }
  removeItem(key) { this.#items.delete(key); }
}

/**
 * The player's progress. Every change re-reads storage first, so two tabs that both
 * finish a round do not overwrite each other's history.
 */
export class ProgressStore {
  /**
   * @param {{onNotice?: (message: string, tone: string) => void, storage?: Storage}} [options]
   */
  constructor({ onNotice = () => {}, storage } = {}) {
    this.onNotice = onNotice;
    this.listeners = new Set();
    /** False once unreadable data could not be set aside; then nothing is written. */
    this.writable = true;
    this.storage = storage ?? openLocalStorage();
    if (!this.storage) {
      this.storage = new MemoryStorage();
      onNotice(
        'This browser does not allow this page to use localStorage, so your progress lasts only until you close the tab.',
        'warning',
      );
    }
    this.progress = this.#read();

    window.addEventListener('storage', (event) => {
      if (event.key !== STORAGE_KEY && event.key !== null) return;
      this.progress = this.#read();
      this.#emit();
    });
  }

  /** Registers `listener(progress)` to run after every change, here or in another tab. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  #emit() {
    for (const listener of this.listeners) listener(this.progress);
  }

  /** Reads and validates stored progress; unreadable data goes to quarantine. */
  #read() {
    const raw = this.storage.getItem(STORAGE_KEY);
    if (raw === null) return emptyProgress();
    let reason;
    try {
      return validateProgress(JSON.parse(raw));
    } catch (error) {
      reason = error instanceof SyntaxError ? 'it is not valid JSON' : error.message;
    }
    this.#quarantine(raw, reason);
    return emptyProgress();
  }

  #quarantine(raw, reason) {
    let key = `${QUARANTINE_PREFIX}${Date.now()}`;
    for (let suffix = 1; this.storage.getItem(key) !== null; suffix += 1) {
      key = `${QUARANTINE_PREFIX}${Date.now()}-${suffix}`;
    }
    try {
      this.storage.setItem(key, raw);
      this.storage.removeItem(STORAGE_KEY);
      this.onNotice(
        `Your saved progress could not be used because ${reason}. It was set aside under the ` +
          `localStorage key "${key}" and a new record was started. The progress page lets you download it.`,
        'warning',
      );
    } catch {
      this.writable = false;
      this.onNotice(
        `Your saved progress could not be used because ${reason}, and this browser had no room to ` +
          'set it aside. Saving is paused so that nothing overwrites it; free some site storage and reload.',
        'error',
      );
    }
  }

  #write(progress) {
    this.progress = progress;
    if (this.writable) {
      try {
        this.storage.setItem(STORAGE_KEY, JSON.stringify(progress));
      } catch (error) {
        this.onNotice(`Your progress could not be saved in this browser (${error.name}). It stays in this tab until you close it.`, 'error');
      }
    }
    this.#emit();
    return progress;
  }

  /** Applies `change` to freshly read progress and saves the result. */
  #update(change) {
    const progress = this.writable ? this.#read() : this.progress;
    const result = change(progress);
    this.#write(progress);
    return result;
  }

  /** Counts a started round and remembers it for resuming after a reload. */
  recordRoundStarted(roundId) {
    this.#update((progress) => {
      progress.games_played += 1;
      progress.current_round_id = roundId;
    });
  }

  /** Forgets the round in progress, for example when the server no longer has it. */
  forgetCurrentRound() {
    this.#update((progress) => {
      progress.current_round_id = null;
    });
  }

  /**
   * Records a finished round once: its history entry, XP, the completed count, the best
   * score (ranked rounds only) and the review queue. Recording the same round id again
   * changes nothing, so a reload after the last answer cannot count a round twice.
   * @returns {{added: boolean, xpEarned: number}}
   */
  recordFinishedRound(entry) {
    const checked = validateFinishedRound(entry);
    return this.#update((progress) => {
      if (progress.current_round_id === checked.round_id) progress.current_round_id = null;
      if (progress.history.some((existing) => existing.round_id === checked.round_id)) {
        return { added: false, xpEarned: experiencePoints(checked.score) };
      }
      progress.history.push(checked);
      progress.completed += 1;
      progress.xp += experiencePoints(checked.score);
      progress.best_score = Math.max(progress.best_score, bestRankedScore([checked]));
      progress.review_queue = applyRound(progress.review_queue, checked);
      return { added: true, xpEarned: experiencePoints(checked.score) };
    });
  }

  /** Remembers that a round is on the leaderboard, so the form is not offered again. */
  recordSubmission(roundId, entryId) {
    this.#update((progress) => {
      const entry = progress.history.find((candidate) => candidate.round_id === roundId);
      if (entry) entry.leaderboard_entry_id = entryId;
    });
  }

  /**
   * Saves what the pattern reference shows about one answered scenario, replacing what an
   * earlier answer saved.
   * @throws {ProgressFormatError} when the item does not match the schema
   */
  recordReference(item) {
    const checked = validateReferenceItem(item, 'reference item');
    this.#update((progress) => {
      progress.reference = mergeReference(progress.reference, [checked]);
    });
  }

  /**
   * Removes review items whose scenario the bank no longer holds, since the server cannot
   * deal them. Returns how many were removed.
   * @param {Set<string>} bankScenarioIds
   */
  dropRetiredFromReview(bankScenarioIds) {
    if (this.progress.review_queue.every((item) => bankScenarioIds.has(item.scenario_id))) return 0;
    return this.#update((progress) => {
      const before = progress.review_queue.length;
      progress.review_queue = progress.review_queue.filter((item) => bankScenarioIds.has(item.scenario_id));
      return before - progress.review_queue.length;
    });
  }

  /** Returns the review items due at `now`, the longest overdue first. */
  dueReviewItems(now = Date.now()) {
    return dueItems(this.progress.review_queue, now);
  }

  /** Returns the review item that falls due next after `now`, or null. */
  nextReviewItem(now = Date.now()) {
    return nextDueItem(this.progress.review_queue, now);
  }

  /**
   * Returns the ids of the finished rounds that contain any of `scenarioIds`, newest first
   * and at most `limit`.
   */
  roundIdsWithScenarios(scenarioIds, limit) {
    const wanted = new Set(scenarioIds);
    return this.progress.history
      .filter((entry) => entry.scenarios.some((scenario) => wanted.has(scenario.id)))
      .map((entry) => entry.round_id)
      .reverse()
      .slice(0, limit);
  }

  /** Takes one scenario off the review list, for example when the server cannot deal it. */
  dropFromReview(scenarioId) {
    this.#update((progress) => {
      progress.review_queue = progress.review_queue.filter((item) => item.scenario_id !== scenarioId);
    });
  }

  /** Returns the distinct scenario ids of the newest `rounds` finished rounds, of either kind. */
  recentScenarioIds(rounds) {
    const ids = new Set();
    for (const entry of this.progress.history.slice(-rounds)) {
      for (const scenario of entry.scenarios) ids.add(scenario.id);
    }
    return [...ids];
  }

  /** Returns the history entry of `roundId`, or undefined. */
  findRound(roundId) {
    return this.progress.history.find((entry) => entry.round_id === roundId);
  }

  /** Deletes all progress of this game in this browser. Quarantined data stays. */
  reset() {
    this.#write(emptyProgress());
  }

  /** Returns the progress as the text of an export file. */
  exportJson() {
    const file = { app: EXPORT_APP, exported_at: new Date().toISOString(), progress: this.progress };
    return `${JSON.stringify(file, null, 2)}\n`;
  }

  /**
   * Validates an export file and merges it into the stored progress.
   * @returns {{added: number, alreadyPresent: number, message: string}}
   * @throws {ProgressFormatError} when the file is not valid progress
   */
  importJson(fileText) {
    const incoming = parseProgressFile(fileText);
    return this.#update((progress) => {
      const merged = mergeProgress(progress, incoming);
      Object.assign(progress, merged.progress);
      const message =
        `Imported ${plural(merged.added, 'new round')}` +
        (merged.alreadyPresent > 0 ? `; ${plural(merged.alreadyPresent, 'round was', 'rounds were')} already here` : '') +
        `. You now have ${progress.xp} XP from ${plural(progress.completed, 'completed round')}.`;
      return { added: merged.added, alreadyPresent: merged.alreadyPresent, message };
    });
  }

  /** Lists data set aside under quarantine keys, oldest first. */
  listQuarantine() {
    const items = [];
    for (let index = 0; index < this.storage.length; index += 1) {
      const key = this.storage.key(index);
      if (!key?.startsWith(QUARANTINE_PREFIX)) continue;
      const savedAt = Number.parseInt(key.slice(QUARANTINE_PREFIX.length), 10);
      items.push({ key, savedAt: Number.isNaN(savedAt) ? null : new Date(savedAt), text: this.storage.getItem(key) ?? '' });
    }
    return items.sort((a, b) => (a.savedAt ?? 0) - (b.savedAt ?? 0));
  }

  /** Deletes one quarantine key; other keys are refused. */
  deleteQuarantine(key) {
    if (!key.startsWith(QUARANTINE_PREFIX)) throw new Error(`${key} is not a quarantine key.`);
    this.storage.removeItem(key);
  }
}
