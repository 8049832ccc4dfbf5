/**
 * Spaced review of missed scenarios. A scenario answered partial or unsafe joins the review
 * queue and is due 10 minutes later. Each right answer sends it further away (1 hour, then
 * 1 day, 3 days and 7 days), and each miss brings it back after 10 minutes. Two right
 * answers in a row take it off the queue. Answers in ranked and review rounds both count.
 *
 * The functions here are pure: they take and return plain queue items, which the store
 * keeps in localStorage.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Wait after a miss before the scenario is due again. */
export const DELAY_AFTER_MISS_MS = 10 * MINUTE_MS;

/** Wait after the first, second, third and later right answers since the scenario joined the queue. */
export const DELAYS_AFTER_RIGHT_MS = Object.freeze([HOUR_MS, DAY_MS, 3 * DAY_MS, 7 * DAY_MS]);

/** Right answers in a row that take a scenario off the queue. */
export const RIGHT_IN_A_ROW_TO_CLEAR = 2;

/** Maximum scenarios in a review round. The server rejects more. */
export const MAX_REVIEW_ROUND_SIZE = 8;

/**
 * @typedef {object} ReviewItem
 * @property {string} scenario_id
 * @property {string} title
 * @property {number} misses answers that were partial or unsafe
 * @property {number} right_answers correct answers since the scenario first joined the queue
 * @property {number} right_in_a_row correct answers since the last miss
 * @property {string} due_at when the scenario is due for review (RFC 3339)
 * @property {string} last_missed_at
 * @property {string} last_answered_at
 */

function addMilliseconds(timestamp, milliseconds) {
  return new Date(Date.parse(timestamp) + milliseconds).toISOString();
}

/**
 * Returns the queue item after one answer, or null when the scenario is (or stays) off the
 * queue. `item` is the current item, or null when the scenario is not queued.
 * @param {ReviewItem|null} item
 * @param {{scenarioId: string, title: string, verdict: string, answeredAt: string}} answer
 * @returns {ReviewItem|null}
 */
export function applyAnswer(item, { scenarioId, title, verdict, answeredAt }) {
  if (verdict !== 'correct') {
    return {
      scenario_id: scenarioId,
      title,
      misses: (item?.misses ?? 0) + 1,
      right_answers: item?.right_answers ?? 0,
      right_in_a_row: 0,
      due_at: addMilliseconds(answeredAt, DELAY_AFTER_MISS_MS),
      last_missed_at: answeredAt,
      last_answered_at: answeredAt,
    };
  }
  if (!item) return null;

  const rightInARow = item.right_in_a_row + 1;
  if (rightInARow >= RIGHT_IN_A_ROW_TO_CLEAR) return null;
  const rightAnswers = item.right_answers + 1;
  const delay = DELAYS_AFTER_RIGHT_MS[Math.min(rightAnswers, DELAYS_AFTER_RIGHT_MS.length) - 1];
  return {
    ...item,
    title,
    right_answers: rightAnswers,
    right_in_a_row: rightInARow,
    due_at: addMilliseconds(answeredAt, delay),
    last_answered_at: answeredAt,
  };
}

/**
 * Applies every answer of one finished round to `queue` and returns the new queue, sorted by
 * due time. Every answer of the round counts as given when the round finished.
 * @param {ReviewItem[]} queue
 * @param {{finished_at: string, scenarios: Array<{id: string, title: string, verdict: string}>}} entry
 */
export function applyRound(queue, entry) {
  const byScenario = new Map(queue.map((item) => [item.scenario_id, item]));
  for (const scenario of entry.scenarios) {
    const next = applyAnswer(byScenario.get(scenario.id) ?? null, {
      scenarioId: scenario.id,
      title: scenario.title,
      verdict: scenario.verdict,
      answeredAt: entry.finished_at,
    });
    if (next) byScenario.set(scenario.id, next);
    else byScenario.delete(scenario.id);
  }
  return sortByDue([...byScenario.values()]);
}

/**
 * Builds the queue from a whole history, oldest round first. Applying the rounds one by one
 * as they finish gives the same queue, so migration and import can rebuild it.
 */
export function rebuildQueue(history) {
  const ordered = [...history].sort((a, b) => Date.parse(a.finished_at) - Date.parse(b.finished_at));
  return ordered.reduce((queue, entry) => applyRound(queue, entry), []);
}

function sortByDue(queue) {
  return queue.sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at) || a.scenario_id.localeCompare(b.scenario_id));
}

/** Returns the items due at `now`, the longest overdue first. */
export function dueItems(queue, now = Date.now()) {
  return sortByDue(queue.filter((item) => Date.parse(item.due_at) <= now));
}

/** Returns the item that falls due next after `now`, or null. */
export function nextDueItem(queue, now = Date.now()) {
  return sortByDue(queue.filter((item) => Date.parse(item.due_at) > now))[0] ?? null;
}
