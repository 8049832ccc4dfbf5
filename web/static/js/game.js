/**
 * The game's controller: starts or resumes a round, sends answers, walks through the
 * scenarios and records the finished round in local progress.
 */

import * as api from './api.js';
import { ApiProblem } from './api.js';
import { hasNativeEnterAction, isTypingTarget, showNotice } from './dom.js';
import { RETRY_POLICY, isTransient, withRetries } from './retry.js';

/** Most seen scenario ids sent when a round starts; the server accepts up to 500. */
const MAX_SEEN_SCENARIO_IDS = 500;

/** Returns whether a request was rejected before the server did anything (429 or 503). */
function rejectedBeforeProcessing(error) {
  return error instanceof ApiProblem && (error.status === 429 || error.status === 503);
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
    this.view.renderStart({ message });
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
      const seen = this.store.recentScenarioIds(MAX_SEEN_SCENARIO_IDS);
      round = await withRetries(() => api.startRound(this.slug, seen), { shouldRetry: rejectedBeforeProcessing });
    } catch (error) {
      this.phase = 'error';
      this.view.renderError(`The round could not be started. ${error.message}`, { retryLabel: 'Start round', retryAction: 'start' });
      return;
    }
    this.store.recordRoundStarted(round.round_id);
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
    if (!round.finished) {
      const position = round.scenarios.findIndex((scenario) => !round.answers.some((answer) => answer.scenario_id === scenario.id));
      showNotice(`Welcome back: your round continues at scenario ${position + 1} of ${round.scenarios.length}.`, 'info');
    }
    this.#load(round);
  }

  #load(round) {
    this.round = round;
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
      return { ...answer, round_score: round.score };
    } catch (error) {
      this.phase = 'question';
      this.view.renderAnswerFailed(`This scenario was already answered elsewhere, and that answer could not be loaded. ${error.message}`);
      return null;
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

  /** Builds the history entry of the finished round and records it once. */
  #recordFinished() {
    if (this.recorded) return this.recorded;
    const entry = {
      round_id: this.round.round_id,
      finished_at: new Date().toISOString(),
      expires_at: this.round.expires_at,
      score: this.score,
      max_score: this.round.max_score,
      scenarios: this.round.scenarios.map((scenario) => {
        const answer = this.answers.get(scenario.id);
        const chosen = scenario.options.find((option) => option.id === answer.option_id);
        return {
          id: scenario.id,
          title: scenario.title,
          category: scenario.category,
          chosen_text: chosen ? chosen.text : answer.option_id,
          verdict: answer.verdict,
          points: answer.points,
        };
      }),
    };
    const result = this.store.recordFinishedRound(entry);
    this.recorded = { ...result, entry: this.store.findRound(entry.round_id) ?? entry };
    this.onRoundFinished(this.recorded.entry);
    return this.recorded;
  }

  /** Shows the score, XP and a per-scenario summary of the finished round. */
  showResults() {
    if (!this.round || this.answers.size < this.round.scenarios.length) return;
    const recorded = this.#recordFinished();
    this.phase = 'results';
    this.view.renderResults({
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
        };
      }),
    });
    if (recorded.entry.leaderboard_entry_id) this.view.hideSubmitLink();
  }
}
