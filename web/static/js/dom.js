/**
 * DOM helpers. Every string given to `h` becomes a text node, so player text, imported
 * data and API text never reach the page as HTML.
 */

/**
 * Creates an element. `attributes` maps names to values: `class`, `data-*`, `aria-*`,
 * `hidden` and other plain attributes are set with setAttribute (false and null skip the
 * attribute, true sets it empty). Children may be nodes, strings, numbers, arrays or null.
 * @param {string} tag
 * @param {Object<string, string|number|boolean|null|undefined>} [attributes]
 * @param {...(Node|string|number|null|undefined|Array)} children
 * @returns {HTMLElement}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

/** Appends children to `parent`, with strings and numbers as text nodes. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces every child of `parent` with `children`. */
export function replaceChildren(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/**
 * Returns a table cell whose content follows a label that only the stacked layout of narrow
 * tables shows (see .cell-label in app.css). The label is aria-hidden, because screen readers
 * already announce the column header with the cell.
 * @param {'td'|'th'} tag
 * @param {Object<string, string|null>} attributes
 * @param {string} label the column header's text
 */
export function labelledCell(tag, attributes, label, ...content) {
  return h(
    tag,
    attributes,
    h('span', { class: 'cell-label', 'aria-hidden': 'true' }, label),
    h('span', { class: 'cell-value' }, content),
  );
}

/** ARIA roles of table parts by tag name. A `th` gets its role from its scope instead. */
const TABLE_ROLES = { TABLE: 'table', THEAD: 'rowgroup', TBODY: 'rowgroup', TFOOT: 'rowgroup', TR: 'row', TD: 'cell' };

/**
 * Sets explicit ARIA roles on `table` and all its parts, because the stacked layout of narrow
 * tables changes the CSS display of rows and cells. A browser that derives table semantics
 * from the display value would otherwise stop exposing them as a table. Call it again after
 * replacing rows.
 * @param {HTMLTableElement} table
 */
export function setTableRoles(table) {
  for (const element of [table, ...table.querySelectorAll('thead, tbody, tfoot, tr, th, td')]) {
    let role = TABLE_ROLES[element.tagName];
    if (element.tagName === 'TH') role = element.scope === 'row' ? 'rowheader' : 'columnheader';
    if (role) element.setAttribute('role', role);
  }
}

/**
 * Returns `table`, with explicit ARIA roles, in a .table-scroll box that is a focusable region
 * only while the table overflows it. `captionId` is the id of the table's caption.
 * @param {HTMLTableElement} table
 * @param {string} captionId
 */
export function tableBox(table, captionId) {
  setTableRoles(table);
  const box = h('div', { class: 'table-scroll', 'data-labelledby': captionId }, table);
  observeScrollBox(box);
  return box;
}

/** Returns the first element matching `selector`, or throws naming the selector. */
export function required(selector, root = document) {
  const element = root.querySelector(selector);
  if (!element) throw new Error(`The page has no element matching ${selector}.`);
  return element;
}

/**
 * Returns whether a key press comes from a field where typing must not trigger shortcuts:
 * inputs, text areas, selects and editable content.
 * @param {EventTarget|null} target
 */
export function isTypingTarget(target) {
  if (!(target instanceof Element)) return false;
  if (target.closest('[contenteditable=""], [contenteditable="true"]')) return true;
  return target.matches('input, textarea, select');
}

/**
 * Returns whether Enter on `target` already has a native action (a button, link or form
 * control), so a page-wide Enter shortcut must leave it alone.
 * @param {EventTarget|null} target
 */
export function hasNativeEnterAction(target) {
  if (!(target instanceof Element)) return false;
  return isTypingTarget(target) || target.matches('button, a[href], summary, [role="button"]');
}

/** Updates the scroll boxes that `observeScrollBox` watches whenever their size changes. */
const scrollBoxObserver =
  typeof ResizeObserver === 'function'
    ? new ResizeObserver((entries) => {
        for (const entry of entries) updateScrollBox(entry.target);
      })
    : null;

/**
 * Keeps a box that may scroll sideways reachable by keyboard. While its content overflows, the
 * box is a focusable region named by its data-labelledby id, or else by its data-label text
 * followed by "(scrolls sideways)". While it fits, it is a plain box outside the tab order.
 * @param {HTMLElement} box
 */
export function observeScrollBox(box) {
  updateScrollBox(box);
  scrollBoxObserver?.observe(box);
}

function updateScrollBox(box) {
  const scrolls = box.scrollWidth > box.clientWidth + 1;
  const { label, labelledby } = box.dataset;
  if (scrolls) {
    box.setAttribute('tabindex', '0');
    box.setAttribute('role', 'region');
    if (labelledby) box.setAttribute('aria-labelledby', labelledby);
    else if (label) box.setAttribute('aria-label', `${label} (scrolls sideways)`);
  } else {
    for (const name of ['tabindex', 'role', 'aria-labelledby', 'aria-label']) box.removeAttribute(name);
  }
}

/** Returns whether the player asked the system for reduced motion. */
export function prefersReducedMotion() {
  return window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/** Scrolls `element` into view, without smooth scrolling when reduced motion is set. */
export function scrollIntoView(element) {
  element.scrollIntoView({ block: 'start', behavior: prefersReducedMotion() ? 'auto' : 'smooth' });
}

/**
 * Shows a notice in the page's notice area, which is a polite live region. `tone` is
 * "info", "warning" or "error". Errors get role="alert", so screen readers announce them at once.
 * @returns {HTMLElement} the notice, so a caller can remove it later
 */
export function showNotice(message, tone = 'info', { actions = [] } = {}) {
  const area = document.getElementById('notices');
  const labels = { info: 'Note', warning: 'Warning', error: 'Error' };
  const notice = h(
    'div',
    { class: `notice notice--${tone}`, role: tone === 'error' ? 'alert' : null },
    h('p', {}, h('strong', {}, `${labels[tone] ?? 'Note'}: `), message),
  );
  if (actions.length > 0) notice.append(h('p', { class: 'notice__actions' }, actions));
  const dismiss = h('button', { type: 'button', class: 'button button--quiet notice__dismiss' }, 'Dismiss');
  dismiss.addEventListener('click', () => notice.remove());
  notice.append(dismiss);
  if (area) area.append(notice);
  return notice;
}

/** Triggers a download of `text` as a file named `filename`. */
export function downloadText(filename, text, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // Chromium starts the download asynchronously, so revoking the URL at once can cancel it.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
