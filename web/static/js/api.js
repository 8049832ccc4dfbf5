/**
 * The game's HTTP API. A success returns the parsed JSON with status and headers. An error
 * response throws ApiProblem with the RFC 9457 problem details, and a request that gets no
 * response throws NetworkError.
 */

import { asSentence } from './format.js';

/** Milliseconds a request may take before it counts as a network failure. */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * An error response from the API, carrying its RFC 9457 problem details. `detail` is the
 * server's text, and `message` is the same text as a sentence, ready to show to the player.
 */
export class ApiProblem extends Error {
  /**
   * @param {number} status
   * @param {Headers} headers
   * @param {any} body the parsed problem, or null when the body was not JSON
   * @param {string} statusText
   */
  constructor(status, headers, body, statusText = '') {
    const problem = body && typeof body === 'object' ? body : {};
    const detail =
      typeof problem.detail === 'string' && problem.detail !== ''
        ? problem.detail
        : `The server answered ${status}${statusText ? ` ${statusText}` : ''}. Try again in a moment.`;
    super(asSentence(detail));
    this.name = 'ApiProblem';
    this.status = status;
    this.statusText = statusText;
    this.headers = headers;
    this.body = body;
    this.type = typeof problem.type === 'string' ? problem.type : 'about:blank';
    this.title = typeof problem.title === 'string' ? problem.title : statusText;
    this.detail = detail;
  }

  /** Returns whether the problem type ends with `name`, as in "/problems/answer-conflict". */
  is(name) {
    return this.type === name || this.type.endsWith(`/${name}`);
  }
}

/** A request that got no response: offline, connection reset or timed out. */
export class NetworkError extends Error {
  constructor(cause) {
    const timedOut = cause?.name === 'TimeoutError' || cause?.name === 'AbortError';
    super(
      timedOut
        ? `The server did not answer within ${REQUEST_TIMEOUT_MS / 1000} seconds.`
        : 'The request failed before a response arrived; the network may be down.',
    );
    this.name = 'NetworkError';
    this.cause = cause;
  }
}

/**
 * Sends one request. Returns {status, statusText, headers, body} for a 2xx response.
 * @param {string} method
 * @param {string} path
 * @param {{json?: any, headers?: Object<string,string>}} [options]
 * @throws {ApiProblem} for a response outside 2xx
 * @throws {NetworkError} when no response arrived
 */
export async function send(method, path, { json, headers = {} } = {}) {
  const init = {
    method,
    headers: { Accept: 'application/json, application/problem+json', ...headers },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    credentials: 'same-origin',
  };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  }

  let response;
  let body;
  try {
    response = await fetch(path, init);
    body = await readBody(response);
  } catch (error) {
    throw new NetworkError(error);
  }

  if (!response.ok) throw new ApiProblem(response.status, response.headers, body, response.statusText);
  return { status: response.status, statusText: response.statusText, headers: response.headers, body };
}

async function readBody(response) {
  const type = response.headers.get('Content-Type') ?? '';
  const text = await response.text();
  if (text === '' || !type.includes('json')) return text === '' ? null : text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const segment = encodeURIComponent;

/**
 * POST /api/games/{slug}/rounds: deals a new ranked round. The server avoids the scenarios
 * in `seenScenarioIds` while the bank has unseen ones left.
 */
export async function startRound(slug, seenScenarioIds = []) {
  const json = { seen_scenario_ids: seenScenarioIds };
  return (await send('POST', `/api/games/${segment(slug)}/rounds`, { json })).body;
}

/**
 * POST /api/games/{slug}/rounds with review_scenario_ids: deals a review round of exactly
 * these 1 to 8 scenarios. `sourceRoundIds` names finished rounds in which they were
 * answered: the server reviews only scenarios answered in one of them, so that a review
 * cannot reveal the answers of a round still open. Review rounds earn XP but the
 * leaderboard rejects them.
 */
export async function startReviewRound(slug, scenarioIds, sourceRoundIds) {
  const json = { review_scenario_ids: scenarioIds, review_round_ids: sourceRoundIds };
  return (await send('POST', `/api/games/${segment(slug)}/rounds`, { json })).body;
}

/** GET /api/games/{slug}/scenarios: the bank's scenario ids, titles and concept tags, without answers. */
export async function listScenarios(slug) {
  return (await send('GET', `/api/games/${segment(slug)}/scenarios`)).body;
}

/** GET /api/rounds/{round_id}: the dealt scenarios with the answers so far. */
export async function getRound(roundId) {
  return (await send('GET', `/api/rounds/${segment(roundId)}`)).body;
}

/**
 * POST /api/rounds/{round_id}/answers. The server keeps the first answer per scenario, so
 * sending the same answer again is safe and returns the same grade.
 */
export async function answerScenario(roundId, scenarioId, optionId) {
  const json = { scenario_id: scenarioId, option_id: optionId };
  return (await send('POST', `/api/rounds/${segment(roundId)}/answers`, { json })).body;
}

/** GET /api/leaderboards/{slug}: the top entries. */
export async function getLeaderboard(slug) {
  return (await send('GET', `/api/leaderboards/${segment(slug)}`)).body;
}

/** Returns the path of one leaderboard entry's resource. */
export function entryPath(slug, entryId) {
  return `/api/leaderboards/${segment(slug)}/entries/${segment(entryId)}`;
}

/** GET /api/leaderboards/{slug}/entries/{entry_id}: one entry with its current rank. */
export async function getEntry(slug, entryId) {
  return (await send('GET', entryPath(slug, entryId))).body;
}

/** Returns the path that leaderboard submissions are posted to. */
export function entriesPath(slug) {
  return `/api/leaderboards/${segment(slug)}/entries`;
}

/**
 * Formats an idempotency key as the header value. The IETF draft defines the field as a
 * Structured Field String (RFC 9651), which is quoted on the wire. A UUID contains no `"`
 * or `\`, so it needs no escaping.
 */
export function idempotencyKeyHeaderValue(key) {
  return `"${key}"`;
}

/**
 * POST /api/leaderboards/{slug}/entries with an Idempotency-Key. Returns the full response
 * so the page can show its status and headers.
 */
export async function submitEntry(slug, { roundId, nickname }, idempotencyKey) {
  return send('POST', entriesPath(slug), {
    json: { round_id: roundId, nickname },
    headers: { 'Idempotency-Key': idempotencyKeyHeaderValue(idempotencyKey) },
  });
}
