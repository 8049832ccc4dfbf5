/**
 * Rendering of the progress page: totals, the review list, mastery by concept, the
 * misconception profile, the history of finished rounds and the data set aside because it
 * could not be read.
 */

import { h, labelledCell, replaceChildren, required, setTableRoles, tableBox } from './dom.js';
import { CONCEPTS, asSentence, categoryLabel, conceptLabel, formatDateTime, formatRelative, plural, verdictInfo } from './format.js';

function verdictBadge(verdict) {
  const info = verdictInfo(verdict);
  return h(
    'span',
    { class: `verdict verdict--${verdict}` },
    h('span', { class: 'verdict__icon', 'aria-hidden': 'true' }, info.icon),
    ' ',
    info.label,
  );
}

/** Returns a <time> element showing `timestamp` relative to now, with the full date as its title. */
function relativeTime(timestamp) {
  return h('time', { datetime: timestamp, title: formatDateTime(timestamp) }, formatRelative(timestamp));
}

/** Shows XP, games played, completed rounds and the best score of a ranked round. */
export function renderTotals(progress, maxScore) {
  const hasRanked = progress.best_score > 0 || progress.history.some((entry) => entry.kind === 'ranked');
  required('#stat-xp').textContent = String(progress.xp);
  required('#stat-played').textContent = String(progress.games_played);
  required('#stat-completed').textContent = String(progress.completed);
  required('#stat-best').textContent = hasRanked ? `${progress.best_score} / ${maxScore}` : 'None yet';
}

/**
 * Shows the review list: the button with the number of due scenarios, a summary line and a
 * table of every queued scenario. While a round is in progress the button stays disabled
 * and a link leads back to that round, so a review round never replaces it unseen.
 * @param {{queue: Array<object>, due: number, nextDue: object|null, roundInProgress: boolean, busy: boolean}} state
 */
export function renderReview({ queue, due, nextDue, roundInProgress, busy }) {
  required('#review-actions').hidden = false;
  const button = required('#review-button');
  button.textContent = `Review mistakes (${due} due)`;
  button.disabled = busy || due === 0 || roundInProgress;
  required('#review-continue').hidden = !roundInProgress;

  const summary = required('#review-summary');
  if (queue.length === 0) {
    replaceChildren(summary, 'Your review list is empty. Scenarios you miss appear here.');
  } else if (roundInProgress) {
    replaceChildren(summary, `${plural(due, 'scenario')} due. You have an unfinished round: finish it first, then start the review.`);
  } else if (due > 0) {
    replaceChildren(summary, `${plural(due, 'scenario')} of ${queue.length} on your list ${due === 1 ? 'is' : 'are'} due for review now.`);
  } else {
    replaceChildren(
      summary,
      `${plural(queue.length, 'scenario')} on your list, none due yet. The next one is due `,
      nextDue ? relativeTime(nextDue.due_at) : 'later',
      '.',
    );
  }

  required('#review-queue').hidden = queue.length === 0;
  const now = Date.now();
  replaceChildren(
    required('#review-queue-body'),
    queue.map((item) =>
      h(
        'tr',
        { 'data-scenario-id': item.scenario_id },
        h('th', { scope: 'row' }, item.title),
        labelledCell('td', {}, 'Due', Date.parse(item.due_at) <= now ? h('strong', {}, 'Due now') : relativeTime(item.due_at)),
        labelledCell('td', { class: 'number' }, 'Misses', String(item.misses)),
        labelledCell('td', { class: 'number' }, 'Right in a row', String(item.right_in_a_row)),
      ),
    ),
  );
  setTableRoles(required('#review-queue table'));
}

/**
 * Shows answers per concept. A concept never answered reads "Not practised yet".
 * @param {{rows: Array<import('./mastery.js').ConceptMastery>, unmapped: number}} mastery
 */
export function renderMastery({ rows }) {
  required('#mastery-table-box').hidden = false;
  const summaries = new Map(CONCEPTS.map((concept) => [concept.tag, concept.summary]));
  replaceChildren(
    required('#mastery-body'),
    rows.map((row) => {
      const share = row.answered > 0 ? Math.round((100 * row.correct) / row.answered) : null;
      return h(
        'tr',
        { 'data-concept': row.concept, class: row.answered === 0 ? 'is-unpractised' : null },
        h(
          'th',
          { scope: 'row' },
          conceptLabel(row.concept),
          summaries.has(row.concept) ? h('span', { class: 'concept-summary' }, summaries.get(row.concept)) : null,
        ),
        labelledCell('td', { class: 'number' }, 'Answered', String(row.answered)),
        labelledCell('td', { class: 'number' }, 'Correct', share === null ? '–' : `${row.correct} (${share} %)`),
        labelledCell('td', { class: 'number' }, 'Missed', String(row.missed)),
        labelledCell('td', {}, 'Last missed', lastMissed(row)),
      );
    }),
  );
  setTableRoles(required('#mastery-table'));
}

/** Returns the "Last missed" cell of a mastery row. */
function lastMissed(row) {
  if (row.answered === 0) return 'Not practised yet';
  if (row.lastMissedAt === null) return 'Never';
  return relativeTime(row.lastMissedAt);
}

/** Sets the line under the mastery table, for example about scenarios without known concepts. */
export function renderMasteryStatus(message) {
  required('#mastery-status').textContent = message;
}

/**
 * Shows the misconceptions behind missed answers with their counts and when each was last seen.
 * @param {{items: Array<import('./mastery.js').Misconception>, unrecorded: number}} profile
 */
export function renderMisconceptions({ items, unrecorded }) {
  required('#misconception-empty').hidden = items.length > 0;
  replaceChildren(
    required('#misconception-list'),
    items.map((item) =>
      h(
        'li',
        { class: 'misconception' },
        h('p', { class: 'misconception__text' }, h('strong', {}, asSentence(item.text))),
        h(
          'p',
          { class: 'misconception__facts' },
          `${plural(item.count, 'time')}, last seen `,
          relativeTime(item.lastSeenAt),
          `, in ${item.titles.join('; ')}.`,
        ),
      ),
    ),
  );
  required('#misconception-note').textContent =
    unrecorded > 0
      ? `${plural(unrecorded, 'missed answer')} from rounds played before misconceptions were saved ${unrecorded === 1 ? 'is' : 'are'} not in this list.`
      : '';
}

/** Shows how many scenarios the pattern reference holds. */
export function renderReferenceCount(count) {
  required('#reference-count').textContent = count > 0 ? `It holds ${plural(count, 'scenario')}.` : 'It fills up as you answer scenarios.';
}

function historyItem(entry, number, open) {
  const tableId = `round-${number}-caption`;
  return h(
    'li',
    { class: 'history__item', 'data-round-id': entry.round_id, 'data-round-kind': entry.kind },
    h(
      'details',
      { open },
      h(
        'summary',
        {},
        h('span', { class: 'history__date' }, h('time', { datetime: entry.finished_at }, formatDateTime(entry.finished_at))),
        ' · ',
        h('span', { class: 'history__score' }, `Score ${entry.score} / ${entry.max_score}`),
        entry.kind === 'review' ? h('span', { class: 'tag tag--review' }, 'Review round') : null,
        entry.leaderboard_entry_id ? h('span', { class: 'tag tag--quiet' }, 'On the leaderboard') : null,
      ),
      tableBox(
        h(
          'table',
          { class: 'summary-table stack-table' },
          h(
            'caption',
            { id: tableId, class: 'visually-hidden' },
            `Answers of ${entry.kind === 'review' ? 'review' : 'ranked'} round ${number}, finished ${formatDateTime(entry.finished_at)}`,
          ),
          h(
            'thead',
            {},
            h('tr', {}, h('th', { scope: 'col' }, 'Scenario'), h('th', { scope: 'col' }, 'Category'),
              h('th', { scope: 'col' }, 'Your choice'), h('th', { scope: 'col' }, 'Verdict'),
              h('th', { scope: 'col' }, 'Points')),
          ),
          h(
            'tbody',
            {},
            entry.scenarios.map((scenario) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, scenario.title),
                labelledCell('td', {}, 'Category', categoryLabel(scenario.category)),
                labelledCell('td', {}, 'Your choice', scenario.chosen_text),
                labelledCell('td', {}, 'Verdict', verdictBadge(scenario.verdict)),
                labelledCell('td', { class: 'number' }, 'Points', String(scenario.points)),
              ),
            ),
          ),
        ),
        tableId,
      ),
    ),
  );
}

/** Shows every finished round, newest first, with the newest one expanded. */
export function renderHistory(history) {
  const list = required('#history-list');
  const newestFirst = history.map((entry, index) => ({ entry, number: index + 1 })).reverse();
  replaceChildren(list, newestFirst.map(({ entry, number }, position) => historyItem(entry, number, position === 0)));
  required('#history-empty').hidden = history.length > 0;
  required('#history-count').textContent = history.length > 0 ? `${plural(history.length, 'finished round')}, newest first.` : '';
}

/**
 * Lists data set aside under quarantine keys, each with a download and a delete button
 * carrying the key in data-quarantine-key.
 * @param {Array<{key: string, savedAt: Date|null, text: string}>} items
 */
export function renderQuarantine(items) {
  const section = required('#quarantine');
  section.hidden = items.length === 0;
  replaceChildren(
    required('#quarantine-list'),
    items.map((item) =>
      h(
        'li',
        {},
        h('code', {}, item.key),
        item.savedAt ? ` (set aside ${formatDateTime(item.savedAt.toISOString())}, ${item.text.length} characters) ` : ' ',
        h('button', { type: 'button', class: 'button', 'data-quarantine-download': item.key }, 'Download'),
        ' ',
        h('button', { type: 'button', class: 'button button--danger', 'data-quarantine-delete': item.key }, 'Delete'),
      ),
    ),
  );
}
