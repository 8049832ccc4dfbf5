/**
 * Rendering of the player's own leaderboard submission as HTTP: the request line, headers
 * and body that were sent, the response status and headers that came back, and each attempt.
 */

import { h, replaceChildren } from './dom.js';

/** Response headers the page shows, in this order. */
const SHOWN_RESPONSE_HEADERS = ['Content-Type', 'Location', 'Idempotent-Replayed', 'Retry-After'];

function formatBody(body) {
  if (body === null || body === undefined) return '(no body)';
  return typeof body === 'string' ? body : JSON.stringify(body, null, 2);
}

function codeBlock(label, text) {
  return h('pre', { class: 'http', tabindex: '0', 'aria-label': label }, h('code', {}, text));
}

/**
 * Returns a one-line description of an attempt for the attempt list.
 * @param {{number: number, status?: number, statusText?: string, replayed?: boolean, error?: Error, waitedMs?: number}} attempt
 */
function describeAttempt(attempt) {
  const outcome =
    attempt.status !== undefined
      ? `${attempt.status} ${attempt.statusText ?? ''}`.trim() + (attempt.replayed ? ', replayed from the stored response' : '')
      : `no response (${attempt.error?.message ?? 'network error'})`;
  const wait =
    attempt.waitedMs !== undefined
      ? ` Waited ${(attempt.waitedMs / 1000).toFixed(1)} s, then sent the same request with the same key.`
      : '';
  return `Attempt ${attempt.number}: ${outcome}.${wait}`;
}

/**
 * Shows one submission. `response` is null when no attempt got a response.
 * @param {HTMLElement} container
 * @param {{method: string, path: string, headers: Object<string,string>, body: any}} request
 * @param {{status: number, statusText: string, headers: Headers, body: any}|null} response
 * @param {Array<object>} attempts
 */
export function renderExchange(container, request, response, attempts) {
  const requestText = [
    `${request.method} ${request.path}`,
    ...Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`),
    '',
    formatBody(request.body),
  ].join('\n');

  let responseBlock;
  if (response) {
    const headerLines = SHOWN_RESPONSE_HEADERS.map((name) => {
      const value = response.headers.get(name);
      return value === null ? `${name}: (not sent)` : `${name}: ${value}`;
    });
    const responseText = [`${response.status} ${response.statusText}`.trim(), ...headerLines, '', formatBody(response.body)].join('\n');
    responseBlock = codeBlock('Response status, headers and body', responseText);
  } else {
    responseBlock = h('p', {}, 'No attempt received a response, so the page cannot tell whether the server saved the entry.');
  }

  replaceChildren(
    container,
    h('h4', {}, 'Request'),
    codeBlock('Request line, headers and body', requestText),
    h('h4', {}, 'Response'),
    responseBlock,
    h('h4', {}, 'Attempts'),
    h('ol', { class: 'attempts' }, attempts.map((attempt) => h('li', {}, describeAttempt(attempt)))),
  );
}
