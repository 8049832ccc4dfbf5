/**
 * Per-concept mastery and the misconception profile, computed from the finished rounds in
 * local progress. Rounds recorded before schema version 2 carry no concept tags, so their
 * scenarios are looked up in the bank listing instead.
 */

import { CONCEPTS } from './format.js';

/**
 * @typedef {object} ConceptMastery
 * @property {string} concept the concept tag
 * @property {number} answered answers to scenarios that train the concept
 * @property {number} correct answers with the verdict correct
 * @property {number} missed answers with the verdict partial or unsafe
 * @property {string|null} lastMissedAt when the newest missed answer's round finished
 */

/**
 * Counts answers per concept over all finished rounds, ranked and review alike. Every
 * concept in CONCEPTS gets a row, answered or not, followed by any other tag the data uses.
 * @param {Array<object>} history the finished rounds
 * @param {Map<string, {concepts: string[]}>} bank scenario summaries by id; may be empty
 * @returns {{rows: ConceptMastery[], unmapped: number}} `unmapped` counts answers whose
 *   concepts are unknown: recorded before concepts were stored, and not in the bank listing
 */
export function conceptMastery(history, bank) {
  const rows = new Map(CONCEPTS.map(({ tag }) => [tag, emptyRow(tag)]));
  let unmapped = 0;
  for (const entry of history) {
    for (const scenario of entry.scenarios) {
      const concepts = scenario.concepts ?? bank.get(scenario.id)?.concepts;
      if (!concepts) {
        unmapped += 1;
        continue;
      }
      for (const concept of concepts) {
        if (!rows.has(concept)) rows.set(concept, emptyRow(concept));
        countAnswer(rows.get(concept), scenario.verdict, entry.finished_at);
      }
    }
  }
  return { rows: [...rows.values()], unmapped };
}

function emptyRow(concept) {
  return { concept, answered: 0, correct: 0, missed: 0, lastMissedAt: null };
}

function countAnswer(row, verdict, finishedAt) {
  row.answered += 1;
  if (verdict === 'correct') {
    row.correct += 1;
    return;
  }
  row.missed += 1;
  if (row.lastMissedAt === null || Date.parse(finishedAt) > Date.parse(row.lastMissedAt)) row.lastMissedAt = finishedAt;
}

/**
 * @typedef {object} Misconception
 * @property {string} text the misconception as the server states it
 * @property {number} count how many answers showed it
 * @property {string} lastSeenAt when the newest of those answers' rounds finished
 * @property {string[]} titles the scenarios where it showed, newest first, each once
 */

/**
 * Groups missed answers by the misconception behind them, the most frequent first and, among
 * equals, the most recent first.
 * @param {Array<object>} history the finished rounds
 * @returns {{items: Misconception[], unrecorded: number}} `unrecorded` counts missed answers
 *   from rounds recorded before misconceptions were stored
 */
export function misconceptionProfile(history) {
  const byText = new Map();
  let unrecorded = 0;
  const newestFirst = [...history].sort((a, b) => Date.parse(b.finished_at) - Date.parse(a.finished_at));
  for (const entry of newestFirst) {
    for (const scenario of entry.scenarios) {
      if (scenario.verdict === 'correct') continue;
      if (!scenario.misconception) {
        unrecorded += 1;
        continue;
      }
      let item = byText.get(scenario.misconception);
      if (!item) {
        item = { text: scenario.misconception, count: 0, lastSeenAt: entry.finished_at, titles: [] };
        byText.set(scenario.misconception, item);
      }
      item.count += 1;
      if (!item.titles.includes(scenario.title)) item.titles.push(scenario.title);
    }
  }
  const items = [...byText.values()].sort(
    (a, b) => b.count - a.count || Date.parse(b.lastSeenAt) - Date.parse(a.lastSeenAt) || a.text.localeCompare(b.text),
  );
  return { items, unrecorded };
}
