/**
 * The leaderboard: refreshes the top 10, offers the latest finished round for submission,
 * submits it with an Idempotency-Key and shows the player's entry with its rank.
 */

import * as api from './api.js';
import { ApiProblem, NetworkError } from './api.js';
import { h, observeScrollBox, replaceChildren, required, scrollIntoView, setTableRoles } from './dom.js';
import { renderExchange } from './exchange-view.js';
import { formatDate, formatDateTime } from './format.js';
import { RETRY_POLICY, isTransient, withRetries } from './retry.js';

/** Most characters a nickname may have; the server applies the full rules. */
const MAX_NICKNAME_CHARS = 24;

/** Returns a random version 4 UUID, also where crypto.randomUUID is missing (plain HTTP). */
export function newIdempotencyKey() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Returns whether a failed submission may be sent again unchanged with the same key: no
 * response, a transient server status, or 409 because the first attempt is still in flight.
 * A 409 about the round itself (already submitted, expired, not finished) is final.
 */
function shouldResubmit(error) {
  if (isTransient(error)) return true;
  if (!(error instanceof ApiProblem) || error.status !== 409) return false;
  return !['round-already-submitted', 'round-expired', 'round-not-finished'].some((name) => error.is(name));
}

export class LeaderboardController {
  /**
   * @param {{slug: string, store: import('./store.js').ProgressStore}} options
   */
  constructor({ slug, store }) {
    this.slug = slug;
    this.store = store;
    /** The history entry offered for submission, or null. */
    this.offered = null;
    this.inFlight = false;
    /** The player's latest entry as the API returned it, for highlighting it in the table. */
    this.myEntry = null;
    /** The last submission, so it can be sent again to show the replay. */
    this.lastSubmission = null;

    this.table = required('#leaderboard-table');
    this.tableBody = required('#leaderboard-table tbody');
    this.emptyMessage = required('#leaderboard-empty');
    this.boardStatus = required('#leaderboard-status');
    this.submitBox = required('#leaderboard-submit');
    this.roundSummary = required('#submit-round-summary');
    this.form = required('#submit-form');
    this.nickname = required('#nickname');
    this.nicknameError = required('#nickname-error');
    this.submitButton = required('#submit-button');
    this.submitStatus = required('#submit-status');
    this.myEntryBox = required('#my-entry');
    this.exchange = required('#exchange');
    this.replayButton = required('#replay-button');

    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    this.replayButton.addEventListener('click', () => this.replay());
    observeScrollBox(required('#leaderboard-box'));
    document.addEventListener('click', (event) => {
      const link = event.target instanceof Element ? event.target.closest('a[href="#leaderboard-submit"]') : null;
      if (!link || this.submitBox.hidden) return;
      event.preventDefault();
      scrollIntoView(this.submitBox);
      this.nickname.focus({ preventScroll: true });
    });
  }

  /** Loads the board, offers an unsubmitted round and shows the player's latest entry. */
  async init() {
    this.offerLatest();
    const submitted = this.store.progress.history.filter((entry) => entry.leaderboard_entry_id).at(-1);
    if (submitted) await this.showMyEntry(submitted.leaderboard_entry_id, { quietWhenMissing: true });
    await this.refresh();
  }

  /** Reloads the top 10 from the server. After a failure the old rows stay and a status line reports it. */
  async refresh() {
    try {
      const board = await withRetries(() => api.getLeaderboard(this.slug));
      this.#renderBoard(board.entries);
      this.boardStatus.textContent = `Updated at ${new Date().toLocaleTimeString('en-GB')}.`;
    } catch (error) {
      this.boardStatus.textContent = `The leaderboard could not be refreshed: ${error.message}`;
    }
  }

  #renderBoard(entries) {
    const rows = entries.map((entry) => {
      const mine = this.myEntry && entry.rank === this.myEntry.rank && entry.nickname === this.myEntry.nickname;
      return h(
        'tr',
        { class: mine ? 'is-you' : null },
        h('td', { class: 'number' }, String(entry.rank)),
        h('th', { scope: 'row' }, entry.nickname, mine ? h('span', { class: 'you' }, ' (you)') : null),
        h('td', { class: 'number' }, `${entry.score} / ${entry.max_score}`),
        h(
          'td',
          {},
          h('span', { class: 'cell-label', 'aria-hidden': 'true' }, 'Submitted'),
          ' ',
          h('time', { datetime: entry.submitted_at }, formatDate(entry.submitted_at)),
        ),
      );
    });
    replaceChildren(this.tableBody, rows);
    setTableRoles(this.table);
    this.emptyMessage.hidden = entries.length > 0;
  }

  /** Offers the newest finished ranked round that is not on the board and has not expired. */
  offerLatest() {
    const now = Date.now();
    const candidate = this.store.progress.history
      .filter((entry) => entry.kind === 'ranked' && !entry.leaderboard_entry_id)
      .filter((entry) => entry.expires_at === undefined || Date.parse(entry.expires_at) > now)
      .at(-1);
    if (candidate) this.offerRound(candidate);
    else this.submitBox.hidden = true;
  }

  /**
   * Shows the submission form for one finished round, unless it is a review round (the
   * leaderboard rejects those) or already on the board. Either of those hides the form.
   */
  offerRound(entry) {
    if (entry.kind !== 'ranked' || entry.leaderboard_entry_id) {
      this.offered = null;
      this.submitBox.hidden = true;
      return;
    }
    this.offered = entry;
    this.roundSummary.textContent =
      `Your round finished ${formatDateTime(entry.finished_at)} with ${entry.score} / ${entry.max_score}. ` +
      'Submit it under a nickname to see where it ranks.';
    this.submitStatus.textContent = '';
    this.submitStatus.className = 'form-status';
    this.submitButton.disabled = false;
    this.form.hidden = false;
    this.submitBox.hidden = false;
  }

  #setFieldError(message) {
    this.nicknameError.textContent = message ?? '';
    this.nicknameError.hidden = !message;
    if (message) this.nickname.setAttribute('aria-invalid', 'true');
    else this.nickname.removeAttribute('aria-invalid');
  }

  #setStatus(message, tone = 'info') {
    this.submitStatus.textContent = message;
    this.submitStatus.className = `form-status form-status--${tone}`;
  }

  /**
   * Sets the final message of a submission and moves focus to it. The button that had focus
   * was disabled during the request, and a successful submission also hides the form, so
   * focus would otherwise fall back to the page body.
   */
  #finish(message, tone) {
    this.#setStatus(message, tone);
    this.submitStatus.focus();
  }

  /**
   * Submits the offered round. One key is made per press of the button and reused for
   * every retry of that submission, so a retry after a lost response cannot add a second
   * entry. The button stays disabled while the request is in flight.
   */
  async submit() {
    if (this.inFlight || !this.offered) return;
    const nickname = this.nickname.value.normalize('NFC').trim();
    const length = [...nickname].length;
    if (length === 0) {
      this.#setFieldError('Enter a nickname of 1 to 24 characters.');
      this.nickname.focus();
      return;
    }
    if (length > MAX_NICKNAME_CHARS) {
      this.#setFieldError(`The nickname has ${length} characters; at most ${MAX_NICKNAME_CHARS} are allowed.`);
      this.nickname.focus();
      return;
    }
    this.#setFieldError(null);

    this.inFlight = true;
    this.submitButton.disabled = true;
    const submission = {
      roundId: this.offered.round_id,
      nickname,
      key: newIdempotencyKey(),
    };
    this.#setStatus('Submitting…');
    try {
      await this.#send(submission, { retry: true });
    } finally {
      this.inFlight = false;
      if (!this.submitBox.hidden) this.submitButton.disabled = false;
    }
  }

  /** Sends the last submission once more with the same key, to show the stored response replayed. */
  async replay() {
    if (this.inFlight || !this.lastSubmission) return;
    this.inFlight = true;
    this.replayButton.disabled = true;
    try {
      await this.#send(this.lastSubmission, { retry: false });
    } finally {
      this.inFlight = false;
      this.replayButton.disabled = false;
    }
  }

  async #send(submission, { retry }) {
    const request = {
      method: 'POST',
      path: api.entriesPath(this.slug),
      headers: {
        'Content-Type': 'application/json',
        'Idempotency-Key': api.idempotencyKeyHeaderValue(submission.key),
      },
      body: { round_id: submission.roundId, nickname: submission.nickname },
    };
    const attempts = [];
    let response = null;
    try {
      response = await withRetries(
        async (number) => {
          try {
            const result = await api.submitEntry(this.slug, submission, submission.key);
            attempts.push({
              number,
              status: result.status,
              statusText: result.statusText,
              replayed: result.headers.get('Idempotent-Replayed') === 'true',
            });
            return result;
          } catch (error) {
            attempts.push(error instanceof ApiProblem ? { number, status: error.status, statusText: error.statusText } : { number, error });
            throw error;
          }
        },
        {
          shouldRetry: retry ? shouldResubmit : () => false,
          onRetry: ({ error, attempt, delayMs }) => {
            attempts.at(-1).waitedMs = delayMs;
            const reason = error instanceof NetworkError ? 'No response arrived' : `The server answered ${error.status}`;
            this.#setStatus(
              `${reason}. Retrying in ${(delayMs / 1000).toFixed(1)} s with the same Idempotency-Key ` +
                `(attempt ${attempt + 1} of ${RETRY_POLICY.attempts}).`,
            );
          },
        },
      );
    } catch (error) {
      this.lastSubmission = submission;
      renderExchange(this.exchange, request, error instanceof ApiProblem ? error : null, attempts);
      this.replayButton.hidden = !(error instanceof ApiProblem);
      await this.#handleFailure(error, submission);
      return;
    }

    this.lastSubmission = submission;
    renderExchange(this.exchange, request, response, attempts);
    this.replayButton.hidden = false;
    const entry = response.body;
    this.#accept(submission.roundId, entry);
    const replayed = response.headers.get('Idempotent-Replayed') === 'true';
    this.#finish(
      replayed
        ? `The server replayed the stored response: your entry is number ${entry.rank}, and no second entry was created.`
        : `Submitted. Your entry is number ${entry.rank} on the leaderboard.`,
      'success',
    );
    await this.refresh();
  }

  async #handleFailure(error, submission) {
    if (error instanceof ApiProblem && error.is('round-already-submitted') && typeof error.body?.entry_id === 'string') {
      this.store.recordSubmission(submission.roundId, error.body.entry_id);
      this.#finish(`${error.message} A round keeps its first entry, shown below.`, 'success');
      this.form.hidden = true;
      await this.showMyEntry(error.body.entry_id);
      await this.refresh();
      return;
    }
    if (error instanceof ApiProblem && error.is('invalid-nickname')) {
      this.#setFieldError(error.message);
      this.#setStatus('The nickname was rejected; change it and submit again.', 'error');
      this.nickname.focus();
      return;
    }
    if (error instanceof ApiProblem && error.is('review-round-not-ranked')) {
      this.#finish(`${error.message} Play a ranked round to get on the leaderboard.`, 'error');
      this.form.hidden = true;
      return;
    }
    if (error instanceof ApiProblem && (error.is('round-expired') || error.is('unknown-round'))) {
      this.#finish(`${error.message} This round can no longer be submitted.`, 'error');
      this.form.hidden = true;
      return;
    }
    if (error instanceof NetworkError) {
      this.#finish(
        `No response after ${RETRY_POLICY.attempts} attempts. The server may or may not have saved your entry. ` +
          'Submit again: if it was saved, the server says so and shows the entry instead of adding a second one.',
        'error',
      );
      return;
    }
    this.#finish(error.message, 'error');
  }

  /** Records an accepted entry and replaces the form with the entry. */
  #accept(roundId, entry) {
    this.store.recordSubmission(roundId, entry.entry_id);
    this.form.hidden = true;
    this.roundSummary.textContent = `Your round with ${entry.score} / ${entry.max_score} is on the leaderboard as ${entry.nickname}.`;
    this.#renderMyEntry(entry);
  }

  /**
   * Loads one entry with its current rank, which may be outside the top 10.
   * With `quietWhenMissing`, an entry the server no longer shows is not reported.
   */
  async showMyEntry(entryId, { quietWhenMissing = false } = {}) {
    try {
      const entry = await withRetries(() => api.getEntry(this.slug, entryId));
      this.#renderMyEntry(entry);
    } catch (error) {
      if (quietWhenMissing && error instanceof ApiProblem && error.status === 404) return;
      this.myEntryBox.hidden = false;
      replaceChildren(this.myEntryBox, h('p', {}, `Your entry could not be loaded: ${error.message}`));
    }
  }

  #renderMyEntry(entry) {
    this.myEntry = entry;
    this.myEntryBox.hidden = false;
    replaceChildren(
      this.myEntryBox,
      h('h3', {}, 'Your latest entry'),
      h(
        'p',
        {},
        'Rank ',
        h('strong', { id: 'my-entry-rank' }, `#${entry.rank}`),
        ': ',
        h('span', { class: 'nickname' }, entry.nickname),
        ` with ${entry.score} / ${entry.max_score}, submitted `,
        h('time', { datetime: entry.submitted_at }, formatDateTime(entry.submitted_at)),
        '. ',
        h('a', { href: api.entryPath(this.slug, entry.entry_id) }, 'Open the entry as JSON'),
      ),
    );
  }
}
