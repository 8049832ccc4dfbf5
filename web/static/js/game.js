/**
 * The game's controller: starts or resumes a round, sends answers, walks through the
 * scenarios and records the finished round in local progress.
 */

import * as api from './api.js';
import { ApiProblem } from './api.js';
import { hasNativeEnterAction, isTypingTarget, showNotice } from './dom.js';
import { MAX_REVIEW_ROUND_SIZE } from './review-schedule.js';
import { RETRY_POLICY, isTransient, rejectedBeforeProcessing, withRetries } from './retry.js';

/** Finished rounds whose scenarios a new ranked round avoids while the bank has others left. */
const RECENT_ROUNDS_AVOIDED = 5;

/** Raised when no missed scenario is due for review, so no review round can be dealt. */
export class NothingDueError extends Error {
  constructor() {
    super('No missed scenario is due for review right now.');
    this.name = 'NothingDueError';
  }
}

/** Tells the player that a scenario left the review list because the server cannot deal it. */
export function reportDroppedReview(title) {
  showNotice(
    `"${title}" left your review list: the server has no finished round of yours with it, so it cannot deal it for review.`,
    'warning',
  );
}

/** Maximum source rounds a review request may name. The server rejects more. */
const MAX_REVIEW_SOURCE_ROUNDS = 200;

/**
 * Deals a review round of the missed scenarios that are due, the longest overdue first and
 * at most 8, and remembers it as the round in progress. The request names the finished
 * rounds in which those scenarios were answered, which the server requires.
 *
 * Scenarios the bank no longer holds leave the review list first. When the server rejects a
 * scenario and names it in the problem's `scenario_id` member (because it has no finished
 * round of this player with it), that scenario leaves the list too and the request is sent
 * again without it; a 422 changed nothing on the server. Otherwise creating a round is not
 * idempotent, so the request is repeated only when the server rejected it before
 * processing it (429 or 503).
 * @param {{store: import('./store.js').ProgressStore, slug: string, onDropped?: (title: string) => void}} options
 * @returns {Promise<object>} the dealt round
 * @throws {NothingDueError} when nothing is due
 */
export async function dealReviewRound({ store, slug, onDropped = () => {} }) {
  const bank = await withRetries(() => api.listScenarios(slug));
  store.dropRetiredFromReview(new Set(bank.scenarios.map((scenario) => scenario.id)));

  for (;;) {
    const due = store.dueReviewItems().slice(0, MAX_REVIEW_ROUND_SIZE);
    if (due.length === 0) throw new NothingDueError();
    const scenarioIds = due.map((item) => item.scenario_id);
    const sourceRoundIds = store.roundIdsWithScenarios(scenarioIds, MAX_REVIEW_SOURCE_ROUNDS);
    try {
      const round = await withRetries(() => api.startReviewRound(slug, scenarioIds, sourceRoundIds), {
        shouldRetry: rejectedBeforeProcessing,
      });
      store.recordRoundStarted(round.round_id);
      return round;
    } catch (error) {
      const rejected = error instanceof ApiProblem && error.is('invalid-review-round') ? error.body?.scenario_id : undefined;
      const item = due.find((candidate) => candidate.scenario_id === rejected);
      if (!item) throw error;
      store.dropFromReview(item.scenario_id);
      onDropped(item.title);
    }
  }
}

/**
 * Returns what the pattern reference keeps about an answered scenario: the story diagram,
 * the best option and the safe pattern.
 */
function referenceItem(scenario, answer) {
  const best = scenario.options.find((option) => option.id === answer.correct_option_id);
  return {
    scenario_id: scenario.id,
    title: scenario.title,
    category: scenario.category,
    concepts: scenario.concepts ?? [],
    best_option_text: best ? best.text : answer.correct_option_id,
    safer_pattern: answer.safer_pattern,
    correct_explanation: answer.correct_explanation,
    contract: answer.contract,
    source: answer.source,
    timeline_svg: scenario.timeline_svg ?? null,
    updated_at: new Date().toISOString(),
  };
}

export class GameController {
  /**
   * @param {{view: import('./view.js').GameView, store: import('./store.js').ProgressStore,
   *          slug: string, metric: string, onRoundFinished?: (entry: object) => void}} options
   */
  constructor({ view, store, slug, metric, onRoundFinished = () => {} }) {
    this.view = view;
    this.store = store;
    this.slug = slug;
    this.metric = metric;
    this.onRoundFinished = onRoundFinished;

    /** One of idle, busy, question, answering, feedback, results, error. */
    this.phase = 'idle';
    this.round = null;
    /** "ranked" or "review"; only ranked rounds may go on the leaderboard. */
    this.kind = 'ranked';
    /** The latest per-concept points of the current round, as the server reported them. */
    this.conceptScores = [];
    /** The graded answers of the current round, by scenario id. */
    this.answers = new Map();
    this.score = 0;
    this.index = 0;
    /** What recording the finished round returned, so the results report it correctly. */
    this.recorded = null;

    view.onAction((action, element) => this.#handleAction(action, element));
  }

  #handleAction(action, element) {
    switch (action) {
      case 'start':
        this.start();
        break;
      case 'review':
        this.startReview();
        break;
      case 'resume':
        this.resume();
        break;
      case 'choose':
        this.choose(element.dataset.optionId);
        break;
      case 'next':
        this.next();
        break;
      case 'results':
        this.showResults();
        break;
      default:
        break;
    }
  }

  /** Resumes the round this browser remembers, or shows the start panel. */
  async init() {
    if (this.store.progress.current_round_id) {
      await this.resume();
    } else {
      this.#showStart();
    }
  }

  #showStart(message = null) {
    this.phase = 'idle';
    this.round = null;
    this.view.renderStart({ message, review: this.#reviewState() });
  }

  /** Returns how many missed scenarios are due for review and when the next one falls due. */
  #reviewState() {
    return {
      due: this.store.dueReviewItems().length,
      nextDueAt: this.store.nextReviewItem()?.due_at ?? null,
    };
  }

  /**
   * Keyboard shortcuts: 1 to 5 choose an option, Enter starts a round or continues.
   * Keys typed into a field, and Enter on a button or link, keep their usual meaning.
   * @param {KeyboardEvent} event
   */
  handleKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (isTypingTarget(event.target)) return;

    if (/^[1-5]$/.test(event.key) && this.phase === 'question') {
      const optionId = this.view.optionIds()[Number(event.key) - 1];
      if (optionId) {
        event.preventDefault();
        this.choose(optionId);
      }
      return;
    }
    if (event.key !== 'Enter' || hasNativeEnterAction(event.target)) return;
    if (this.phase === 'idle') {
      event.preventDefault();
      this.start();
    } else if (this.phase === 'feedback') {
      event.preventDefault();
      this.next();
    }
  }

  /**
   * Deals a new round. Creating a round is not idempotent, so the page retries only when
   * the server rejected the request before processing it (429 or 503). After a network
   * error the player decides whether to try again.
   */
  async start() {
    if (this.phase === 'busy' || this.phase === 'answering') return;
    this.phase = 'busy';
    this.view.renderBusy('Dealing scenarios…');
    let round;
    try {
      const seen = this.store.recentScenarioIds(RECENT_ROUNDS_AVOIDED);
      round = await withRetries(() => api.startRound(this.slug, seen), { shouldRetry: rejectedBeforeProcessing });
    } catch (error) {
      this.phase = 'error';
      this.view.renderError(`The round could not be started. ${error.message}`, { retryLabel: 'Start round', retryAction: 'start' });
      return;
    }
    this.store.recordRoundStarted(round.round_id);
    this.#load(round);
  }

  /** Deals a review round of the missed scenarios that are due. */
  async startReview() {
    if (this.phase === 'busy' || this.phase === 'answering') return;
    this.phase = 'busy';
    this.view.renderBusy('Dealing the scenarios you missed…');
    let round;
    try {
      round = await dealReviewRound({ store: this.store, slug: this.slug, onDropped: reportDroppedReview });
    } catch (error) {
      if (error instanceof NothingDueError) {
        this.#showStart(`${error.message} Missed scenarios come back 10 minutes after the miss.`);
        return;
      }
      this.phase = 'error';
      this.view.renderError(`The review round could not be started. ${error.message}`, {
        retryLabel: 'Start the review round',
        retryAction: 'review',
      });
      return;
    }
    this.#load(round);
  }

  /** Loads the remembered round from the server and continues at its first unanswered scenario. */
  async resume() {
    const roundId = this.store.progress.current_round_id;
    if (!roundId) {
      this.#showStart();
      return;
    }
    this.phase = 'busy';
    this.view.renderBusy('Resuming your round…');
    let round;
    try {
      round = await withRetries(() => api.getRound(roundId));
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 404) {
        this.store.forgetCurrentRound();
        const message = 'The server no longer has your unfinished round, so this browser forgot it. Start a new round to play again.';
        showNotice(message, 'warning');
        this.#showStart(message);
        return;
      }
      this.phase = 'error';
      this.view.renderError(`Your unfinished round could not be loaded. ${error.message}`, {
        retryLabel: 'Try loading it again',
        retryAction: 'resume',
      });
      return;
    }

    if (round.game !== this.slug || (!round.finished && Date.parse(round.expires_at) <= Date.now())) {
      this.store.forgetCurrentRound();
      const message = 'Your unfinished round expired, so this browser forgot it. Start a new round to play again.';
      showNotice(message, 'warning');
      this.#showStart(message);
      return;
    }
    if (!round.finished && round.answers.length > 0) {
      const position = round.scenarios.findIndex((scenario) => !round.answers.some((answer) => answer.scenario_id === scenario.id));
      showNotice(`Welcome back: your round continues at scenario ${position + 1} of ${round.scenarios.length}.`, 'info');
    }
    this.#load(round);
  }

  #load(round) {
    this.round = round;
    this.kind = round.kind === 'review' ? 'review' : 'ranked';
    this.conceptScores = round.concept_scores ?? [];
    this.answers = new Map(round.answers.map((answer) => [answer.scenario_id, answer]));
    this.score = round.score;
    this.recorded = null;
    const first = this.#nextUnanswered(-1);
    if (first === -1) {
      this.#recordFinished();
      this.showResults();
      return;
    }
    this.index = first;
    this.#showScenario();
  }

  /** Returns the index of the first unanswered scenario after `from`, wrapping around, or -1. */
  #nextUnanswered(from) {
    const scenarios = this.round.scenarios;
    for (let step = 1; step <= scenarios.length; step += 1) {
      const index = (from + step) % scenarios.length;
      if (!this.answers.has(scenarios[index].id)) return index;
    }
    return -1;
  }

  #showScenario() {
    this.phase = 'question';
    this.view.renderScenario(this.round.scenarios[this.index], {
      index: this.index,
      total: this.round.scenarios.length,
      score: this.score,
      maxScore: this.round.max_score,
      kind: this.kind,
    });
    this.view.focusScenario();
  }

  /**
   * Sends the chosen option. The server keeps the first answer per scenario and returns
   * the same grade for the same answer, so a request without response is sent again as is.
   */
  async choose(optionId) {
    if (this.phase !== 'question' || !optionId) return;
    this.phase = 'answering';
    const scenario = this.round.scenarios[this.index];
    this.view.renderAnswering(optionId);

    let outcome;
    let note = null;
    try {
      outcome = await withRetries(() => api.answerScenario(this.round.round_id, scenario.id, optionId), {
        shouldRetry: isTransient,
        onRetry: ({ attempt }) =>
          showNotice(`No answer from the server yet; sending the same answer again (attempt ${attempt + 1} of ${RETRY_POLICY.attempts}).`, 'info'),
      });
    } catch (error) {
      if (error instanceof ApiProblem && error.is('answer-conflict')) {
        outcome = await this.#storedAnswer(scenario);
        if (!outcome) return;
        const number = scenario.options.findIndex((option) => option.id === outcome.option_id) + 1;
        note = `This scenario was already answered with option ${number}, perhaps in another tab. A round keeps the first answer, so that answer counts.`;
      } else if (error instanceof ApiProblem && (error.status === 404 || error.is('round-expired'))) {
        this.store.forgetCurrentRound();
        this.#showStart(`${error.message} This browser forgot the round; start a new one to play again.`);
        return;
      } else {
        this.phase = 'question';
        this.view.renderAnswerFailed(`Your answer was not saved. ${error.message} Choose an option to try again.`);
        return;
      }
    }

    this.answers.set(scenario.id, outcome);
    this.score = outcome.round_score ?? this.#sumPoints();
    if (outcome.concept_scores) this.conceptScores = outcome.concept_scores;
    this.#saveReference(scenario, outcome);
    const finished = this.answers.size === this.round.scenarios.length;
    if (finished) this.#recordFinished();
    this.phase = 'feedback';
    this.view.renderFeedback(scenario, outcome, { isLast: finished, score: this.score, note });
  }

  /** Reads the stored answer of `scenario` after a conflict; returns null after a failure. */
  async #storedAnswer(scenario) {
    try {
      const round = await withRetries(() => api.getRound(this.round.round_id));
      const answer = round.answers.find((candidate) => candidate.scenario_id === scenario.id);
      if (!answer) throw new Error('The server reported an earlier answer but did not return it.');
      return { ...answer, round_score: round.score, concept_scores: round.concept_scores };
    } catch (error) {
      this.phase = 'question';
      this.view.renderAnswerFailed(`This scenario was already answered elsewhere, and that answer could not be loaded. ${error.message}`);
      return null;
    }
  }

  /** Saves the scenario for the pattern reference. A failure there must not stop the game. */
  #saveReference(scenario, answer) {
    try {
      this.store.recordReference(referenceItem(scenario, answer));
    } catch (error) {
      console.warn(`The pattern reference could not save scenario ${scenario.id}: ${error.message}`);
    }
  }

  #sumPoints() {
    let sum = 0;
    for (const answer of this.answers.values()) sum += answer.points;
    return sum;
  }

  /** Moves on to the next unanswered scenario, or to the results. */
  next() {
    if (this.phase !== 'feedback') return;
    const index = this.#nextUnanswered(this.index);
    if (index === -1) {
      this.showResults();
      return;
    }
    this.index = index;
    this.#showScenario();
  }

  /**
   * Builds the history entry of the finished round and records it once, with each
   * scenario's concepts and the misconception behind a missed answer. Also notes each
   * scenario's place on the review list afterwards, for the results.
   */
  #recordFinished() {
    if (this.recorded) return this.recorded;
    const entry = {
      round_id: this.round.round_id,
      kind: this.kind,
      finished_at: new Date().toISOString(),
      expires_at: this.round.expires_at,
      score: this.score,
      max_score: this.round.max_score,
      scenarios: this.round.scenarios.map((scenario) => {
        const answer = this.answers.get(scenario.id);
        const chosen = scenario.options.find((option) => option.id === answer.option_id);
        const recorded = {
          id: scenario.id,
          title: scenario.title,
          category: scenario.category,
          concepts: scenario.concepts ?? [],
          chosen_text: chosen ? chosen.text : answer.option_id,
          verdict: answer.verdict,
          points: answer.points,
        };
        if (answer.misconception) recorded.misconception = answer.misconception;
        return recorded;
      }),
    };
    const queuedBefore = new Set(this.store.progress.review_queue.map((item) => item.scenario_id));
    const result = this.store.recordFinishedRound(entry);
    const queuedAfter = new Map(this.store.progress.review_queue.map((item) => [item.scenario_id, item]));
    const reviewStatus = new Map(
      entry.scenarios.map(({ id }) => [
        id,
        { dueAt: queuedAfter.get(id)?.due_at, cleared: result.added && queuedBefore.has(id) && !queuedAfter.has(id) },
      ]),
    );
    this.recorded = { ...result, entry: this.store.findRound(entry.round_id) ?? entry, reviewStatus };
    this.onRoundFinished(this.recorded.entry);
    return this.recorded;
  }

  /** Shows the score, XP and a per-scenario summary of the finished round. */
  showResults() {
    if (!this.round || this.answers.size < this.round.scenarios.length) return;
    const recorded = this.#recordFinished();
    this.phase = 'results';
    this.view.renderResults({
      kind: this.kind,
      conceptScores: this.conceptScores,
      reviewDue: this.store.dueReviewItems().length,
      score: this.score,
      maxScore: this.round.max_score,
      metric: this.metric,
      xpEarned: recorded.xpEarned,
      newlyRecorded: recorded.added,
      rows: this.round.scenarios.map((scenario) => {
        const answer = this.answers.get(scenario.id);
        const chosen = scenario.options.find((option) => option.id === answer.option_id);
        return {
          title: scenario.title,
          chosenText: chosen ? chosen.text : answer.option_id,
          verdict: answer.verdict,
          points: answer.points,
          maxPoints: answer.max_points,
          review: recorded.reviewStatus.get(scenario.id),
        };
      }),
    });
    if (recorded.entry.leaderboard_entry_id) this.view.hideSubmitLink();
  }
}
