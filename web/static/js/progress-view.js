/**
 * Rendering of the progress page: totals, the review history of finished rounds and the
 * data set aside because it could not be read.
 */

import { h, replaceChildren, required } from './dom.js';
import { categoryLabel, formatDateTime, plural, verdictInfo } from './format.js';

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

/** Shows XP, games played, completed rounds and the best score. */
export function renderTotals(progress, maxScore) {
  required('#stat-xp').textContent = String(progress.xp);
  required('#stat-played').textContent = String(progress.games_played);
  required('#stat-completed').textContent = String(progress.completed);
  required('#stat-best').textContent = progress.completed > 0 ? `${progress.best_score} / ${maxScore}` : 'None yet';
}

function historyItem(entry, number, open) {
  const tableId = `round-${number}-caption`;
  return h(
    'li',
    { class: 'history__item', 'data-round-id': entry.round_id },
    h(
      'details',
      { open },
      h(
        'summary',
        {},
        h('span', { class: 'history__date' }, h('time', { datetime: entry.finished_at }, formatDateTime(entry.finished_at))),
        ' · ',
        h('span', { class: 'history__score' }, `Score ${entry.score} / ${entry.max_score}`),
        entry.leaderboard_entry_id ? h('span', { class: 'tag tag--quiet' }, 'On the leaderboard') : null,
      ),
      h(
        'div',
        { class: 'table-scroll', role: 'region', 'aria-labelledby': tableId, tabindex: '0' },
        h(
          'table',
          { class: 'summary-table' },
          h('caption', { id: tableId, class: 'visually-hidden' }, `Answers of round ${number}, finished ${formatDateTime(entry.finished_at)}`),
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
                h('td', {}, categoryLabel(scenario.category)),
                h('td', {}, scenario.chosen_text),
                h('td', {}, verdictBadge(scenario.verdict)),
                h('td', { class: 'number' }, String(scenario.points)),
              ),
            ),
          ),
        ),
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
