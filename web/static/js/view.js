/**
 * Rendering of the game area: the start panel, one scenario at a time, the feedback for an
 * answer and the round's results. The view decides nothing: it reports clicks as
 * actions to the controller.
 */

import { diagramFigure } from './diagram.js';
import { h, labelledCell, replaceChildren, scrollIntoView, tableBox } from './dom.js';
import { asSentence, categoryLabel, conceptLabel, formatDateTime, formatRelative, plural, verdictInfo } from './format.js';

/**
 * Splits text on backticks into text and <code> elements, so stories can quote headers
 * such as `Idempotency-Key: "k1"` without any HTML in the content.
 */
export function withInlineCode(content) {
  return String(content)
    .split('`')
    .map((part, index) => (index % 2 === 1 ? h('code', {}, part) : part));
}

/** Returns paragraphs for text whose paragraphs are separated by blank lines. */
export function paragraphs(content, attributes = {}) {
  return String(content)
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '')
    .map((paragraph) => h('p', attributes, withInlineCode(paragraph)));
}

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

function button(label, action, { primary = false, keys = null } = {}) {
  return h(
    'button',
    {
      type: 'button',
      class: primary ? 'button button--primary' : 'button',
      'data-action': action,
      'aria-keyshortcuts': keys,
    },
    label,
  );
}

/** Returns a line about the review queue for the start panel, or null when it is empty. */
function reviewHint({ due, nextDueAt }) {
  if (due > 0) {
    return h(
      'p',
      { class: 'hint' },
      `${plural(due, 'scenario')} you missed ${due === 1 ? 'is' : 'are'} due for review. `,
      'A review round deals only those (up to 8), earns XP and stays off the leaderboard.',
    );
  }
  if (!nextDueAt) return null;
  return h(
    'p',
    { class: 'hint' },
    'The next scenario you missed is due for review ',
    h('time', { datetime: nextDueAt, title: formatDateTime(nextDueAt) }, formatRelative(nextDueAt)),
    '.',
  );
}

/**
 * Returns the per-concept table of a round's results, or null when the round has no concept
 * scores.
 * @param {Array<{concept: string, points: number, max_points: number, scenarios: number}>} conceptScores
 */
function conceptScoreTable(conceptScores) {
  if (!conceptScores || conceptScores.length === 0) return null;
  return tableBox(
    h(
      'table',
      { class: 'summary-table stack-table concept-scores', id: 'concept-scores' },
      h('caption', { id: 'concept-scores-caption' }, 'Points by concept in this round'),
      h(
        'thead',
        {},
        h('tr', {}, h('th', { scope: 'col' }, 'Concept'), h('th', { scope: 'col' }, 'Scenarios'),
          h('th', { scope: 'col' }, 'Points'), h('th', { scope: 'col' }, 'Share')),
      ),
      h(
        'tbody',
        {},
        conceptScores.map((score) => {
          const share = score.max_points > 0 ? Math.round((100 * score.points) / score.max_points) : 0;
          return h(
            'tr',
            { 'data-concept': score.concept },
            h('th', { scope: 'row' }, conceptLabel(score.concept)),
            labelledCell('td', { class: 'number' }, 'Scenarios', String(score.scenarios)),
            labelledCell('td', { class: 'number' }, 'Points', `${score.points} / ${score.max_points}`),
            labelledCell('td', { class: 'number' }, 'Share', `${share} %`),
          );
        }),
      ),
    ),
    'concept-scores-caption',
  );
}

/**
 * Returns the mark of an answered option, or null for an option neither chosen nor best. The
 * mark names the verdict in words next to its icon, so it does not rely on colour.
 */
function optionMark({ chosen, best, verdict }) {
  const mark = (tone, icon, text) =>
    h('span', { class: `mark mark--${tone}` }, h('span', { class: 'mark__icon', 'aria-hidden': 'true' }, icon), ' ', text);
  if (chosen && best) return mark('best', verdictInfo('correct').icon, 'Your choice: the best answer');
  if (chosen) return mark(verdict, verdictInfo(verdict).icon, `Your choice: ${verdictInfo(verdict).label.toLowerCase()}`);
  if (best) return mark('best', verdictInfo('correct').icon, 'Best answer');
  return null;
}

/** Returns a scenario's place on the review list after the round, for the results table. */
function reviewStatus({ dueAt, cleared } = {}) {
  if (dueAt) return ['Due ', h('time', { datetime: dueAt, title: formatDateTime(dueAt) }, formatRelative(dueAt))];
  if (cleared) return 'Cleared: right twice in a row';
  return 'Not listed';
}

/** The game area's DOM. */
export class GameView {
  /** @param {HTMLElement} stage the element the game renders into */
  constructor(stage) {
    this.stage = stage;
    this.feedback = null;
  }

  /**
   * Calls `handler(action, element)` for clicks on elements with a data-action attribute:
   * start, resume, choose, next and results.
   */
  onAction(handler) {
    this.stage.addEventListener('click', (event) => {
      const target = event.target instanceof Element ? event.target.closest('[data-action]') : null;
      if (!target || !this.stage.contains(target) || target.disabled) return;
      handler(target.dataset.action, target);
    });
  }

  /**
   * Shows the start panel, with an optional message above the buttons. `review` tells how
   * many missed scenarios are due for review and when the next one falls due.
   * @param {{message?: string|null, label?: string, review?: {due: number, nextDueAt: string|null}}} [options]
   */
  renderStart({ message = null, label = 'Start round', review = { due: 0, nextDueAt: null } } = {}) {
    replaceChildren(
      this.stage,
      h(
        'div',
        { class: 'panel panel--start' },
        message ? h('p', {}, message) : null,
        h(
          'p',
          { class: 'actions' },
          button(label, 'start', { primary: true, keys: 'Enter' }),
          review.due > 0 ? button(`Review mistakes (${review.due} due)`, 'review') : null,
        ),
        reviewHint(review),
        h(
          'p',
          { class: 'hint' },
          'Keyboard: press ',
          h('kbd', {}, 'Enter'),
          ' to start, ',
          h('kbd', {}, '1'),
          ' to ',
          h('kbd', {}, '5'),
          ' to choose an option, and ',
          h('kbd', {}, 'Enter'),
          ' to continue.',
        ),
      ),
    );
  }

  /** Shows a short busy message, such as "Dealing scenarios…". */
  renderBusy(message) {
    replaceChildren(this.stage, h('p', { class: 'panel panel--busy', role: 'status' }, message));
  }

  /** Shows an error with one button, labelled `retryLabel`, that sends `retryAction`. */
  renderError(message, { retryLabel, retryAction }) {
    replaceChildren(
      this.stage,
      h(
        'div',
        { class: 'panel panel--error', role: 'alert' },
        h('p', {}, h('strong', {}, 'Error: '), message),
        h('p', { class: 'actions' }, button(retryLabel, retryAction, { primary: true })),
      ),
    );
  }

  /**
   * Shows one scenario with its options, numbered from 1.
   * @param {object} scenario a dealt scenario from the API
   * @param {{index: number, total: number, score: number, maxScore: number, kind: string}} position
   *   `kind` is the round's kind, "ranked" or "review"
   */
  renderScenario(scenario, { index, total, score, maxScore, kind }) {
    const options = scenario.options.map((option, optionIndex) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'option',
            'data-action': 'choose',
            'data-option-id': option.id,
            'aria-keyshortcuts': optionIndex < 9 ? String(optionIndex + 1) : null,
          },
          h('span', { class: 'option__key' }, String(optionIndex + 1)),
          h('span', { class: 'option__text' }, withInlineCode(option.text)),
          h('span', { class: 'option__marks' }),
        ),
      ),
    );

    this.feedback = h('div', { class: 'feedback', id: 'feedback', 'aria-live': 'polite' });
    replaceChildren(
      this.stage,
      h(
        'div',
        { class: 'round-status' },
        kind === 'review' ? h('p', { class: 'round-status__kind' }, h('span', { class: 'tag tag--review' }, 'Review round')) : null,
        h('p', { class: 'round-status__position', id: 'round-position' }, `Scenario ${index + 1} of ${total}`),
        h('progress', { class: 'round-status__bar', max: total, value: index, 'aria-labelledby': 'round-position' }),
        h('p', { class: 'round-status__score' }, 'Score ', h('strong', { id: 'round-score' }, String(score)), ` / ${maxScore}`),
      ),
      h(
        'article',
        { class: 'scenario', 'aria-labelledby': 'scenario-title', 'data-scenario-id': scenario.id },
        h(
          'p',
          { class: 'scenario__meta' },
          h('span', { class: 'tag' }, categoryLabel(scenario.category)),
          ' ',
          h('span', { class: 'tag tag--quiet' }, `Tier ${scenario.tier}`),
        ),
        h('h3', { id: 'scenario-title', tabindex: '-1' }, scenario.title),
        h(
          'p',
          { class: 'operation' },
          h('span', { class: 'visually-hidden' }, 'Operation: '),
          h('code', {}, `${scenario.operation.method} ${scenario.operation.path}`),
        ),
        paragraphs(scenario.story, { class: 'scenario__story' }),
        diagramFigure(scenario.timeline_svg, { caption: 'The retry story as a sequence diagram' }),
        h('p', { class: 'scenario__question', id: 'scenario-question' }, h('strong', {}, withInlineCode(scenario.question))),
        h('ol', { class: 'options', 'aria-labelledby': 'scenario-question' }, options),
      ),
      this.feedback,
    );
  }

  /** Moves focus to the scenario title, so keyboard and screen reader users start there. */
  focusScenario() {
    this.stage.querySelector('#scenario-title')?.focus();
  }

  /** Disables the options while an answer is being graded and marks the chosen one. */
  renderAnswering(optionId) {
    for (const option of this.stage.querySelectorAll('.option')) {
      option.disabled = true;
      if (option.dataset.optionId === optionId) option.classList.add('option--pending');
    }
    if (this.feedback) replaceChildren(this.feedback, h('p', { class: 'busy' }, 'Checking your answer…'));
  }

  /** Enables the options again after a failed answer request. */
  renderAnswerFailed(message) {
    for (const option of this.stage.querySelectorAll('.option')) {
      option.disabled = false;
      option.classList.remove('option--pending');
    }
    if (this.feedback) {
      replaceChildren(
        this.feedback,
        h('div', { class: 'notice notice--error', role: 'alert' }, h('p', {}, h('strong', {}, 'Error: '), message)),
      );
    }
  }

  /**
   * Shows the grade of an answer: verdict, points, why, the misconception, the safer
   * pattern, the best option and the source.
   * @param {object} scenario
   * @param {object} answer the API's answer grade
   * @param {{isLast: boolean, score: number, note?: string}} context
   */
  renderFeedback(scenario, answer, { isLast, score, note = null }) {
    const optionNumber = (optionId) => scenario.options.findIndex((option) => option.id === optionId) + 1;
    const correctNumber = optionNumber(answer.correct_option_id);
    const correctOption = scenario.options.find((option) => option.id === answer.correct_option_id);

    for (const option of this.stage.querySelectorAll('.option')) {
      option.disabled = true;
      option.classList.remove('option--pending');
      const chosen = option.dataset.optionId === answer.option_id;
      const best = option.dataset.optionId === answer.correct_option_id;
      option.classList.toggle('option--best', best);
      option.classList.toggle('option--chosen', chosen);
      option.classList.toggle(`option--${answer.verdict}`, chosen && !best);
      replaceChildren(option.querySelector('.option__marks'), optionMark({ chosen, best, verdict: answer.verdict }));
    }
    const scoreElement = this.stage.querySelector('#round-score');
    if (scoreElement) scoreElement.textContent = String(score);
    const bar = this.stage.querySelector('.round-status__bar');
    if (bar) bar.value = Number(bar.value) + 1;

    const chosenBest = answer.option_id === answer.correct_option_id;
    const content = h(
      'div',
      { class: `feedback__body feedback__body--${answer.verdict}` },
      h('h4', { class: 'visually-hidden' }, 'Feedback'),
      note ? h('p', { class: 'notice notice--info' }, note) : null,
      h(
        'p',
        { class: 'feedback__verdict' },
        verdictBadge(answer.verdict),
        ' ',
        h('span', { class: 'feedback__points' }, `${answer.points} of ${answer.max_points} points`),
      ),
      h('h5', {}, 'Why'),
      paragraphs(answer.explanation),
      diagramFigure(answer.outcome_svg, { caption: 'What happens next with your choice', tone: answer.verdict }),
      answer.misconception ? [h('h5', {}, 'The misconception'), h('p', {}, withInlineCode(asSentence(answer.misconception)))] : null,
      h('h5', {}, chosenBest ? 'The pattern you applied' : 'Safer pattern'),
      paragraphs(answer.safer_pattern),
      chosenBest
        ? null
        : [
            h('h5', {}, 'Best option'),
            h(
              'p',
              {},
              h('strong', {}, `Option ${correctNumber}: `),
              correctOption ? withInlineCode(correctOption.text) : '',
            ),
            paragraphs(answer.correct_explanation),
            diagramFigure(answer.best_outcome_svg, { caption: 'With the best choice', tone: 'correct' }),
          ],
      h(
        'p',
        { class: 'feedback__source' },
        h('span', {}, `Contract: ${answer.contract}. `),
        h('span', {}, `Source: ${answer.source}.`),
      ),
      h(
        'p',
        { class: 'actions' },
        isLast
          ? button('See results', 'results', { primary: true, keys: 'Enter' })
          : button('Next scenario', 'next', { primary: true, keys: 'Enter' }),
      ),
    );
    replaceChildren(this.feedback, content);
    this.feedback.querySelector('[data-action]')?.focus({ preventScroll: true });
    scrollIntoView(this.feedback);
  }

  /**
   * Shows the round's results: the score, XP, each answer with its place on the review list,
   * and the points by concept. A review round offers no leaderboard submission.
   * @param {{kind: string, score: number, maxScore: number, metric: string, xpEarned: number, newlyRecorded: boolean,
   *          conceptScores: Array<object>, reviewDue: number,
   *          rows: Array<{title: string, chosenText: string, verdict: string, points: number, maxPoints: number,
   *                       review: {dueAt?: string, cleared?: boolean}}>}} results
   */
  renderResults({ kind, score, maxScore, metric, xpEarned, newlyRecorded, conceptScores, reviewDue, rows }) {
    const tally = { correct: 0, partial: 0, unsafe: 0 };
    for (const row of rows) if (row.verdict in tally) tally[row.verdict] += 1;
    const review = kind === 'review';

    replaceChildren(
      this.stage,
      h(
        'div',
        { class: `panel panel--results${review ? ' panel--review' : ''}`, 'data-round-kind': kind },
        h('h3', { id: 'results-title', tabindex: '-1' }, review ? 'Review round complete' : 'Round complete'),
        review
          ? h(
              'p',
              { class: 'notice notice--info', id: 'review-round-note' },
              h('strong', {}, 'Review round: '),
              'practice with the scenarios you missed. It earns XP and counts as a played and completed game, ' +
                'but it is not ranked, so it cannot go on the leaderboard and does not change your best score.',
            )
          : null,
        h(
          'p',
          { class: 'final-score' },
          h('span', { class: 'final-score__metric' }, review ? 'Review score' : metric),
          ' ',
          h('strong', { class: 'final-score__value', id: 'final-score' }, String(score)),
          ` / ${maxScore}`,
        ),
        h(
          'p',
          {},
          `${plural(tally.correct, 'correct answer')}, ${tally.partial} partial, ${tally.unsafe} unsafe. `,
          newlyRecorded
            ? `You earned ${xpEarned} XP, saved in this browser.`
            : `This round was already saved in this browser, so its ${xpEarned} XP were not added again.`,
        ),
        tableBox(
          h(
            'table',
            { class: 'summary-table stack-table' },
            h('caption', { id: 'results-caption' }, 'Your answers in this round'),
            h(
              'thead',
              {},
              h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'Scenario'),
                h('th', { scope: 'col' }, 'Your choice'), h('th', { scope: 'col' }, 'Verdict'),
                h('th', { scope: 'col' }, 'Points'), h('th', { scope: 'col' }, 'Review list')),
            ),
            h(
              'tbody',
              {},
              rows.map((row, index) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'cell-lead' }, String(index + 1)),
                  h('th', { scope: 'row' }, row.title),
                  labelledCell('td', {}, 'Your choice', withInlineCode(row.chosenText)),
                  labelledCell('td', {}, 'Verdict', verdictBadge(row.verdict)),
                  labelledCell('td', { class: 'number' }, 'Points', `${row.points} / ${row.maxPoints}`),
                  labelledCell('td', {}, 'Review list', reviewStatus(row.review)),
                ),
              ),
            ),
          ),
          'results-caption',
        ),
        conceptScoreTable(conceptScores),
        h(
          'p',
          { class: 'actions' },
          review
            ? null
            : h('a', { class: 'button button--primary', href: '#leaderboard-submit', 'data-submit-link': '' }, 'Submit to the leaderboard'),
          button(review ? 'Play a ranked round' : 'Play another round', 'start', { primary: review }),
          reviewDue > 0 ? button(`Review mistakes (${reviewDue} due)`, 'review') : null,
          h('a', { class: 'button', href: '/progress/' }, 'See your progress'),
        ),
      ),
    );
    const title = this.stage.querySelector('#results-title');
    title?.focus({ preventScroll: true });
    if (title) scrollIntoView(title);
  }

  /** Hides the "Submit to the leaderboard" link once the round is on the board. */
  hideSubmitLink() {
    this.stage.querySelector('[data-submit-link]')?.remove();
  }

  /** Returns the option ids of the scenario on screen, in display order. */
  optionIds() {
    return [...this.stage.querySelectorAll('.option')].map((option) => option.dataset.optionId);
  }
}
