/**
 * The schema of local progress: validation, migration from older schema versions, merging
 * of an imported file, and the export file format. Nothing here touches storage.
 *
 * Schema version 2 (current) holds:
 * - the totals: xp, games_played, completed, best_score (ranked rounds only);
 * - history: one entry per finished round, with its kind ("ranked" or "review") and, per
 *   scenario, the verdict, the concept tags and the misconception behind a missed answer;
 * - review_queue: the missed scenarios with the time each is next due for review;
 * - reference: per answered scenario, its story diagram and safe pattern for later reading;
 * - current_round_id: the round in progress, for resuming after a reload.
 *
 * Version 1 had the totals, history and current_round_id only. It is migrated on read: its
 * rounds become ranked rounds and the review queue is rebuilt from their verdicts.
 */

import { rebuildQueue } from './review-schedule.js';

export const SCHEMA_VERSION = 2;

/** Marker of an exported progress file. */
export const EXPORT_APP = 'idempotency-key-clinic';

export const ROUND_KINDS = new Set(['ranked', 'review']);
const VERDICTS = new Set(['correct', 'partial', 'unsafe']);
const TOP_LEVEL_FIELDS = new Set([
  'schema_version', 'xp', 'games_played', 'completed', 'best_score', 'history', 'current_round_id',
  'review_queue', 'reference',
]);
/** Maximum length of an id or text in stored or imported data, in characters. */
const MAX_TEXT_LENGTH = 2_000;
/** Maximum length of a stored story diagram. The server's diagrams have about 3,000 to 6,000 characters. */
const MAX_SVG_LENGTH = 50_000;
/** Maximum items in the review queue or the reference. The bank holds fewer than 100 scenarios. */
const MAX_SCENARIO_ITEMS = 1_000;
/** Maximum concept tags on one scenario. */
const MAX_CONCEPTS = 20;

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
    review_queue: [],
    reference: [],
  };
}

/** Returns the experience points a finished round earns: a tenth of its score, rounded down. */
export function experiencePoints(score) {
  return Math.floor(score / 10);
}

/** Returns the best score of the ranked rounds in `history`, or 0. */
export function bestRankedScore(history) {
  return history.filter((entry) => entry.kind === 'ranked').reduce((best, entry) => Math.max(best, entry.score), 0);
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

function text(value, field, { optional = false, maxLength = MAX_TEXT_LENGTH } = {}) {
  if (optional && (value === undefined || value === null)) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > maxLength) {
    fail(`${field} must be a text of 1 to ${maxLength} characters`);
  }
  return value;
}

function timestamp(value, field, { optional = false } = {}) {
  if (optional && (value === undefined || value === null)) return undefined;
  text(value, field);
  if (Number.isNaN(Date.parse(value))) fail(`${field} must be a date and time such as 2026-12-04T10:00:00Z`);
  return value;
}

function list(value, field, maxItems) {
  if (!Array.isArray(value)) fail(`${field} must be a list`);
  if (value.length > maxItems) fail(`${field} has ${value.length} items; at most ${maxItems} are allowed`);
  return value;
}

function conceptTags(value, field) {
  return list(value, field, MAX_CONCEPTS).map((tag, index) => text(tag, `${field}[${index}]`));
}

function validateScenario(value, field) {
  if (!isPlainObject(value)) fail(`${field} must be an object`);
  if (!VERDICTS.has(value.verdict)) fail(`${field}.verdict must be correct, partial or unsafe`);
  const scenario = {
    id: text(value.id, `${field}.id`),
    title: text(value.title, `${field}.title`),
    category: text(value.category, `${field}.category`),
    chosen_text: text(value.chosen_text, `${field}.chosen_text`),
    verdict: value.verdict,
    points: count(value.points, `${field}.points`),
  };
  // Rounds recorded before schema version 2 have no concepts or misconception.
  if (value.concepts !== undefined) scenario.concepts = conceptTags(value.concepts, `${field}.concepts`);
  const misconception = text(value.misconception, `${field}.misconception`, { optional: true });
  if (misconception !== undefined) scenario.misconception = misconception;
  return scenario;
}

function validateHistoryEntry(value, field) {
  if (!isPlainObject(value)) fail(`${field} must be an object`);
  if (!ROUND_KINDS.has(value.kind)) fail(`${field}.kind must be ranked or review`);
  const maxScore = count(value.max_score, `${field}.max_score`);
  const score = count(value.score, `${field}.score`);
  if (score > maxScore) fail(`${field}.score is higher than its max_score`);
  if (!Array.isArray(value.scenarios)) fail(`${field}.scenarios must be a list`);
  const entry = {
    round_id: text(value.round_id, `${field}.round_id`),
    kind: value.kind,
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

function validateReviewItem(value, field) {
  if (!isPlainObject(value)) fail(`${field} must be an object`);
  return {
    scenario_id: text(value.scenario_id, `${field}.scenario_id`),
    title: text(value.title, `${field}.title`),
    misses: count(value.misses, `${field}.misses`),
    right_answers: count(value.right_answers, `${field}.right_answers`),
    right_in_a_row: count(value.right_in_a_row, `${field}.right_in_a_row`),
    due_at: timestamp(value.due_at, `${field}.due_at`),
    last_missed_at: timestamp(value.last_missed_at, `${field}.last_missed_at`),
    last_answered_at: timestamp(value.last_answered_at, `${field}.last_answered_at`),
  };
}

/** Checks one reference item. The diagram is kept as text and sanitised when it is shown. */
export function validateReferenceItem(value, field) {
  if (!isPlainObject(value)) fail(`${field} must be an object`);
  return {
    scenario_id: text(value.scenario_id, `${field}.scenario_id`),
    title: text(value.title, `${field}.title`),
    category: text(value.category, `${field}.category`),
    concepts: conceptTags(value.concepts, `${field}.concepts`),
    best_option_text: text(value.best_option_text, `${field}.best_option_text`),
    safer_pattern: text(value.safer_pattern, `${field}.safer_pattern`),
    correct_explanation: text(value.correct_explanation, `${field}.correct_explanation`),
    contract: text(value.contract, `${field}.contract`),
    source: text(value.source, `${field}.source`),
    timeline_svg: text(value.timeline_svg, `${field}.timeline_svg`, { optional: true, maxLength: MAX_SVG_LENGTH }) ?? null,
    updated_at: timestamp(value.updated_at, `${field}.updated_at`),
  };
}

function uniqueBy(items, key, field) {
  const seen = new Set();
  for (const item of items) {
    if (seen.has(item[key])) fail(`${field} lists ${item[key]} twice`);
    seen.add(item[key]);
  }
  return items;
}

/**
 * Turns schema version 1 into version 2: every round becomes a ranked round (version 1 had
 * no review rounds), and the review queue and reference start empty. The caller rebuilds the
 * queue from the validated history.
 */
function migrateFromVersion1(value) {
  if (!Array.isArray(value.history)) fail('history must be a list');
  return {
    ...value,
    schema_version: 2,
    history: value.history.map((entry) => (isPlainObject(entry) ? { ...entry, kind: 'ranked' } : entry)),
    review_queue: [],
    reference: [],
  };
}

/**
 * Checks that `value` is progress of this or an older schema version and returns a clean
 * copy in the current version.
 * @throws {ProgressFormatError} naming the first field that does not match
 */
export function validateProgress(value) {
  if (!isPlainObject(value)) fail('the data is not a progress object');
  if (!('schema_version' in value)) fail('the data has no schema_version, so it is not progress of this game');
  const version = value.schema_version;
  const fromVersion1 = version === 1;
  if (fromVersion1) value = migrateFromVersion1(value);
  else if (version !== SCHEMA_VERSION) {
    if (Number.isInteger(version) && version > SCHEMA_VERSION) {
      fail(`it uses schema version ${version}, written by a newer version of the game than this page (version ${SCHEMA_VERSION})`);
    }
    fail(`it uses schema version ${JSON.stringify(version)}, which this page (version ${SCHEMA_VERSION}) cannot read`);
  }
  for (const field of Object.keys(value)) {
    if (!TOP_LEVEL_FIELDS.has(field)) fail(`it has an unexpected field "${field}"`);
  }
  if (!Array.isArray(value.history)) fail('history must be a list');

  const history = uniqueBy(
    value.history.map((entry, index) => validateHistoryEntry(entry, `history[${index}]`)),
    'round_id',
    'history',
  );
  const reviewQueue = fromVersion1
    ? rebuildQueue(history)
    : uniqueBy(
        list(value.review_queue, 'review_queue', MAX_SCENARIO_ITEMS).map((item, index) => validateReviewItem(item, `review_queue[${index}]`)),
        'scenario_id',
        'review_queue',
      );
  const reference = uniqueBy(
    list(value.reference, 'reference', MAX_SCENARIO_ITEMS).map((item, index) => validateReferenceItem(item, `reference[${index}]`)),
    'scenario_id',
    'reference',
  );
  return {
    schema_version: SCHEMA_VERSION,
    xp: count(value.xp, 'xp'),
    games_played: count(value.games_played, 'games_played'),
    completed: count(value.completed, 'completed'),
    best_score: count(value.best_score, 'best_score'),
    history,
    current_round_id: text(value.current_round_id, 'current_round_id', { optional: true }) ?? null,
    review_queue: reviewQueue,
    reference,
  };
}

/**
 * Checks a finished round before it is recorded.
 * @throws {ProgressFormatError}
 */
export function validateFinishedRound(entry) {
  return validateHistoryEntry(entry, 'round');
}

// --- Merging ----------------------------------------------------------------------------

function historyXp(history) {
  return history.reduce((sum, entry) => sum + experiencePoints(entry.score), 0);
}

/** Merges two reference lists. For a scenario in both, the more recently updated item wins. */
export function mergeReference(local, incoming) {
  const byScenario = new Map(local.map((item) => [item.scenario_id, item]));
  for (const item of incoming) {
    const existing = byScenario.get(item.scenario_id);
    if (!existing || Date.parse(item.updated_at) > Date.parse(existing.updated_at)) byScenario.set(item.scenario_id, item);
  }
  return [...byScenario.values()];
}

/**
 * Merges `incoming` progress into `local`. History is deduplicated by round id. Totals are
 * recomputed from the merged history, plus whatever either side counted beyond its own
 * history (the larger of the two, since both may count the same unrecorded rounds). The
 * review queue is rebuilt from the merged history. So importing the same file twice changes
 * nothing the second time.
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
  const bestScore = Math.max(local.best_score, incoming.best_score, bestRankedScore(history));

  return {
    progress: {
      schema_version: SCHEMA_VERSION,
      xp,
      games_played: completed + unfinished,
      completed,
      best_score: bestScore,
      history,
      current_round_id: local.current_round_id,
      review_queue: rebuildQueue(history),
      reference: mergeReference(local.reference, incoming.reference),
    },
    added,
    alreadyPresent,
  };
}

/**
 * Reads an exported progress file: either the export wrapper or a bare progress object, of
 * this or an older schema version.
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
