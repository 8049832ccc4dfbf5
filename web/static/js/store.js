/**
 * Local progress, kept in localStorage under one key with a versioned schema. Data that
 * cannot be read (invalid JSON, a foreign shape, another schema version) is copied to a
 * quarantine key and reported, never erased.
 */

import { plural } from './format.js';

export const STORAGE_KEY = 'ikc.progress';
export const QUARANTINE_PREFIX = 'ikc.progress.quarantine.';
export const SCHEMA_VERSION = 1;

/** Marker of an exported progress file. */
export const EXPORT_APP = 'idempotency-key-clinic';

const VERDICTS = new Set(['correct', 'partial', 'unsafe']);
const TOP_LEVEL_FIELDS = new Set([
  'schema_version', 'xp', 'games_played', 'completed', 'best_score', 'history', 'current_round_id',
]);
/** Maximum length of an id or text in stored or imported data, in characters. */
const MAX_TEXT_LENGTH = 2_000;

/** Data that does not match the progress schema; the message names the field. */
export class ProgressFormatError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ProgressFormatError';
  }
}

/** Returns progress with nothing played. */
export function emptyProgress() {
  return {
    schema_version: SCHEMA_VERSION,
    xp: 0,
    games_played: 0,
    completed: 0,
    best_score: 0,
    history: [],
    current_round_id: null,
  };
}

/** Returns the experience points a finished round earns: a tenth of its score, rounded down. */
export function experiencePoints(score) {
  return Math.floor(score / 10);
}

// --- Validation -------------------------------------------------------------------------

function fail(message) {
  throw new ProgressFormatError(message);
}

function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value, field) {
  if (!Number.isSafeInteger(value) || value < 0) fail(`${field} must be a whole number of 0 or more`);
  return value;
}

function text(value, field, { optional = false } = {}) {
  if (optional && (value === undefined || value === null)) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > MAX_TEXT_LENGTH) {
    fail(`${field} must be a text of 1 to ${MAX_TEXT_LENGTH} characters`);
  }
  return value;
}

function timestamp(value, field, { optional = false } = {}) {
  if (optional && (value === undefined || value === null)) return undefined;
  text(value, field);
  if (Number.isNaN(Date.parse(value))) fail(`${field} must be a date and time such as 2026-12-04T10:00:00Z`);
  return value;
}

function validateScenario(value, field) {
  if (!isPlainObject(value)) fail(`${field} must be an object`);
  if (!VERDICTS.has(value.verdict)) fail(`${field}.verdict must be correct, partial or unsafe`);
  return {
    id: text(value.id, `${field}.id`),
    title: text(value.title, `${field}.title`),
    category: text(value.category, `${field}.category`),
    chosen_text: text(value.chosen_text, `${field}.chosen_text`),
    verdict: value.verdict,
    points: count(value.points, `${field}.points`),
  };
}

function validateHistoryEntry(value, field) {
  if (!isPlainObject(value)) fail(`${field} must be an object`);
  const maxScore = count(value.max_score, `${field}.max_score`);
  const score = count(value.score, `${field}.score`);
  if (score > maxScore) fail(`${field}.score is higher than its max_score`);
  if (!Array.isArray(value.scenarios)) fail(`${field}.scenarios must be a list`);
  const entry = {
    round_id: text(value.round_id, `${field}.round_id`),
    finished_at: timestamp(value.finished_at, `${field}.finished_at`),
    score,
    max_score: maxScore,
    scenarios: value.scenarios.map((scenario, index) => validateScenario(scenario, `${field}.scenarios[${index}]`)),
  };
  const expiresAt = timestamp(value.expires_at, `${field}.expires_at`, { optional: true });
  if (expiresAt !== undefined) entry.expires_at = expiresAt;
  const entryId = text(value.leaderboard_entry_id, `${field}.leaderboard_entry_id`, { optional: true });
  if (entryId !== undefined) entry.leaderboard_entry_id = entryId;
  return entry;
}

/**
 * Checks that `value` is progress of the current schema and returns a clean copy.
 * @throws {ProgressFormatError} naming the first field that does not match
 */
export function validateProgress(value) {
  if (!isPlainObject(value)) fail('the data is not a progress object');
  if (!('schema_version' in value)) fail('the data has no schema_version, so it is not progress of this game');
  const version = value.schema_version;
  if (version !== SCHEMA_VERSION) {
    if (Number.isInteger(version) && version > SCHEMA_VERSION) {
      fail(`it uses schema version ${version}, written by a newer version of the game than this page (version ${SCHEMA_VERSION})`);
    }
    fail(`it uses schema version ${JSON.stringify(version)}, which this page (version ${SCHEMA_VERSION}) cannot read`);
  }
  for (const field of Object.keys(value)) {
    if (!TOP_LEVEL_FIELDS.has(field)) fail(`it has an unexpected field "${field}"`);
  }
  if (!Array.isArray(value.history)) fail('history must be a list');

  const history = value.history.map((entry, index) => validateHistoryEntry(entry, `history[${index}]`));
  const roundIds = new Set();
  for (const entry of history) {
    if (roundIds.has(entry.round_id)) fail(`history lists round ${entry.round_id} twice`);
    roundIds.add(entry.round_id);
  }
  return {
    schema_version: SCHEMA_VERSION,
    xp: count(value.xp, 'xp'),
    games_played: count(value.games_played, 'games_played'),
    completed: count(value.completed, 'completed'),
    best_score: count(value.best_score, 'best_score'),
    history,
    current_round_id: text(value.current_round_id, 'current_round_id', { optional: true }) ?? null,
  };
}

// --- Merging ----------------------------------------------------------------------------

function historyXp(history) {
  return history.reduce((sum, entry) => sum + experiencePoints(entry.score), 0);
}

/**
 * Merges `incoming` progress into `local`. History is deduplicated by round id. Totals are
 * recomputed from the merged history, plus whatever either side counted beyond its own
 * history (the larger of the two, since both may count the same unrecorded rounds). So
 * importing the same file twice changes nothing the second time.
 * @returns {{progress: object, added: number, alreadyPresent: number}}
 */
export function mergeProgress(local, incoming) {
  const byRound = new Map(local.history.map((entry) => [entry.round_id, { ...entry }]));
  let added = 0;
  let alreadyPresent = 0;
  for (const entry of incoming.history) {
    const existing = byRound.get(entry.round_id);
    if (existing) {
      alreadyPresent += 1;
      existing.leaderboard_entry_id ??= entry.leaderboard_entry_id;
      existing.expires_at ??= entry.expires_at;
      continue;
    }
    byRound.set(entry.round_id, { ...entry });
    added += 1;
  }
  const history = [...byRound.values()].sort((a, b) => Date.parse(a.finished_at) - Date.parse(b.finished_at));
  for (const entry of history) {
    if (entry.leaderboard_entry_id === undefined) delete entry.leaderboard_entry_id;
    if (entry.expires_at === undefined) delete entry.expires_at;
  }

  const extra = (progress, total, derived) => Math.max(0, total(progress) - derived(progress));
  const completed =
    history.length +
    Math.max(
      extra(local, (p) => p.completed, (p) => p.history.length),
      extra(incoming, (p) => p.completed, (p) => p.history.length),
    );
  const xp =
    historyXp(history) +
    Math.max(extra(local, (p) => p.xp, (p) => historyXp(p.history)), extra(incoming, (p) => p.xp, (p) => historyXp(p.history)));
  const unfinished = Math.max(
    extra(local, (p) => p.games_played, (p) => p.completed),
    extra(incoming, (p) => p.games_played, (p) => p.completed),
  );
  const bestScore = Math.max(local.best_score, incoming.best_score, ...history.map((entry) => entry.score));

  return {
    progress: {
      schema_version: SCHEMA_VERSION,
      xp,
      games_played: completed + unfinished,
      completed,
      best_score: bestScore,
      history,
      current_round_id: local.current_round_id,
    },
    added,
    alreadyPresent,
  };
}

/**
 * Reads an exported progress file: either the export wrapper or a bare progress object.
 * @throws {ProgressFormatError} when the text is not JSON or not progress of this game
 */
export function parseProgressFile(fileText) {
  let data;
  try {
    data = JSON.parse(fileText);
  } catch (error) {
    throw new ProgressFormatError(`the file is not valid JSON (${error.message})`);
  }
  if (isPlainObject(data) && 'progress' in data) {
    if (data.app !== EXPORT_APP) fail('the file was not exported by Idempotency Key Clinic');
    data = data.progress;
  }
  return validateProgress(data);
}

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
   * Records a finished round once. Recording the same round id again changes nothing, so
   * a reload after the last answer cannot count a round twice.
   * @returns {{added: boolean, xpEarned: number}}
   */
  recordFinishedRound(entry) {
    const checked = validateHistoryEntry(entry, 'round');
    return this.#update((progress) => {
      if (progress.current_round_id === checked.round_id) progress.current_round_id = null;
      if (progress.history.some((existing) => existing.round_id === checked.round_id)) {
        return { added: false, xpEarned: experiencePoints(checked.score) };
      }
      progress.history.push(checked);
      progress.completed += 1;
      progress.xp += experiencePoints(checked.score);
      progress.best_score = Math.max(progress.best_score, checked.score);
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

  /** Returns up to `limit` distinct scenario ids from the finished rounds, newest round first. */
  recentScenarioIds(limit) {
    const ids = new Set();
    for (const entry of [...this.progress.history].reverse()) {
      for (const scenario of entry.scenarios) {
        if (ids.size >= limit) return [...ids];
        ids.add(scenario.id);
      }
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
