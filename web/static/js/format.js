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
