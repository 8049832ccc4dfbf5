/** Text shared by several views: verdict labels, dates and counts. */

/**
 * Label, icon and explanation of each verdict. The icon is decorative: the label carries
 * the meaning, so the verdict never depends on colour or a glyph alone.
 */
export const VERDICTS = {
  correct: { label: 'Correct', icon: '✓', summary: 'safe retry behaviour' },
  partial: { label: 'Partial', icon: '◐', summary: 'no duplicate, but the client is left worse off' },
  unsafe: { label: 'Unsafe', icon: '✗', summary: 'duplicates or loses work' },
};

/** Returns the label entry for `verdict`, or a neutral one for an unknown value. */
export function verdictInfo(verdict) {
  return VERDICTS[verdict] ?? { label: String(verdict), icon: '•', summary: '' };
}

const dateTimeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' });

/** Formats an RFC 3339 timestamp as a date and time in the player's time zone. */
export function formatDateTime(timestamp) {
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? String(timestamp) : dateTimeFormat.format(date);
}

/** Formats an RFC 3339 timestamp as a date in the player's time zone. */
export function formatDate(timestamp) {
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? String(timestamp) : dateFormat.format(date);
}

/** Returns `text` with a capital first letter and a closing full stop, for display. */
export function asSentence(text) {
  const trimmed = String(text).trim();
  const capitalised = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** Returns "1 round" or "3 rounds" for `count` and the singular `noun`. */
export function plural(count, noun, pluralNoun = `${noun}s`) {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

/** Words that category ids spell in lower case but English writes otherwise. */
const CATEGORY_WORDS = { put: 'PUT', apis: 'APIs' };

/** Returns the category id as words: "put-updates" becomes "PUT updates". */
export function categoryLabel(category) {
  const words = String(category)
    .split('-')
    .map((word) => CATEGORY_WORDS[word] ?? word);
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Label and summary of each concept tag, in the order the server lists concept scores.
 * The tags and what they train are defined in content/README.md.
 */
export const CONCEPTS = [
  { tag: 'natural-idempotency', label: 'Natural idempotency', summary: 'safe and idempotent methods and what they do not promise' },
  { tag: 'idempotency-keys', label: 'Idempotency keys', summary: 'a client-supplied key whose first result the server stores and replays' },
  { tag: 'request-fingerprints', label: 'Request fingerprints', summary: 'the same key sent with a different payload' },
  { tag: 'in-flight-duplicates', label: 'In-flight duplicates', summary: 'a retry that arrives while the first request is still running' },
  { tag: 'consistency-constraints', label: 'Consistency constraints', summary: 'unique constraints, conditional writes and transactions' },
  { tag: 'async-jobs', label: 'Async jobs', summary: '202 Accepted with a status resource for long-running work' },
  { tag: 'side-effect-dedup', label: 'Side-effect deduplication', summary: 'outbox, inbox and provider keys for emails, messages and charges' },
  { tag: 'key-scope-retention', label: 'Key scope and retention', summary: 'which caller and route a key belongs to and how long it is kept' },
  { tag: 'source-of-truth', label: 'Source of truth', summary: 'server-side state decides, never browser storage or a client address' },
];

/** Returns the label of a concept tag: "idempotency-keys" becomes "Idempotency keys". */
export function conceptLabel(tag) {
  const known = CONCEPTS.find((concept) => concept.tag === tag);
  if (known) return known.label;
  const text = String(tag).split('-').join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const relativeTimeFormat = new Intl.RelativeTimeFormat('en-GB', { numeric: 'auto' });
const RELATIVE_UNITS = [
  ['year', 365 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000],
  ['week', 7 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
];

/**
 * Formats an RFC 3339 timestamp relative to `now`, such as "3 days ago" or "in 10 minutes".
 * The difference is rounded to whole minutes first, so 59 min 59 s reads "in 1 hour", and
 * differences under half a minute read "just now".
 */
export function formatRelative(timestamp, now = Date.now()) {
  const time = Date.parse(timestamp);
  if (Number.isNaN(time)) return String(timestamp);
  const minute = 60_000;
  const difference = Math.round((time - now) / minute) * minute;
  for (const [unit, milliseconds] of RELATIVE_UNITS) {
    if (Math.abs(difference) >= milliseconds) {
      return relativeTimeFormat.format(Math.round(difference / milliseconds), unit);
    }
  }
  return 'just now';
}
