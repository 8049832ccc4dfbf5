/**
 * Sequence diagrams drawn by the server as SVG markup. The markup is parsed as XML, never as
 * HTML, and only the elements and attributes that the server's diagrams use are copied into
 * the page. So a diagram kept in localStorage or read from an imported file cannot bring a
 * script, an event handler, a style or a link with it.
 */

import { h, observeScrollBox } from './dom.js';

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';

const ALLOWED_ELEMENTS = new Set([
  'svg', 'title', 'desc', 'defs', 'marker', 'g', 'path', 'line', 'polyline', 'polygon', 'rect', 'circle', 'text', 'tspan',
]);

const ALLOWED_ATTRIBUTES = new Set([
  'aria-labelledby', 'class', 'cx', 'cy', 'd', 'fill', 'fill-opacity', 'font-family', 'font-size', 'font-weight',
  'height', 'id', 'marker-end', 'marker-start', 'markerHeight', 'markerWidth', 'orient', 'points', 'r', 'refX', 'refY',
  'role', 'rx', 'ry', 'stroke', 'stroke-dasharray', 'stroke-opacity', 'stroke-width', 'text-anchor', 'viewBox', 'width',
  'x', 'x1', 'x2', 'y', 'y1', 'y2',
]);

/** Attributes whose value refers to an element of the same diagram as url(#id). */
const URL_REFERENCE_ATTRIBUTES = new Set(['marker-end', 'marker-start']);

/**
 * Smallest scale a diagram is drawn at. The server writes 12 px labels, so 0.8 keeps them at
 * about 10 px. A diagram that would need a smaller scale scrolls sideways in its own box.
 */
const MIN_SCALE = 0.8;

/** Largest scale a diagram is drawn at, so a diagram of two participants does not fill a wide column. */
const MAX_SCALE = 1.25;

/** Counts inserted diagrams, so that each copy gets element ids of its own. */
let insertedCount = 0;

/**
 * Parses server SVG markup and returns a clean copy as an element of this document, or null
 * when the markup is not an SVG document.
 * @param {string} markup
 * @returns {SVGSVGElement|null}
 */
export function parseDiagram(markup) {
  if (typeof markup !== 'string' || markup === '') return null;
  const parsed = new DOMParser().parseFromString(markup, 'image/svg+xml');
  const root = parsed.documentElement;
  if (!root || root.namespaceURI !== SVG_NAMESPACE || root.localName !== 'svg') return null;
  if (parsed.getElementsByTagName('parsererror').length > 0) return null;

  // Give every id a suffix, so two copies of one diagram on a page do not share ids.
  insertedCount += 1;
  const suffix = `-d${insertedCount}`;
  const renamed = new Map();
  for (const element of root.querySelectorAll('[id]')) renamed.set(element.id, `${element.id}${suffix}`);
  return copyElement(root, renamed);
}

function copyElement(source, renamed) {
  const copy = document.createElementNS(SVG_NAMESPACE, source.localName);
  for (const attribute of source.attributes) {
    if (attribute.namespaceURI !== null || !ALLOWED_ATTRIBUTES.has(attribute.localName)) continue;
    const value = cleanAttribute(attribute.localName, attribute.value, renamed);
    if (value !== null) copy.setAttribute(attribute.localName, value);
  }
  for (const child of source.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      copy.append(document.createTextNode(child.nodeValue ?? ''));
    } else if (child.nodeType === Node.ELEMENT_NODE && child.namespaceURI === SVG_NAMESPACE && ALLOWED_ELEMENTS.has(child.localName)) {
      copy.append(copyElement(child, renamed));
    }
  }
  return copy;
}

/** Returns the attribute value to keep, with ids renamed, or null to drop the attribute. */
function cleanAttribute(name, value, renamed) {
  if (name === 'id') return renamed.get(value) ?? null;
  if (name === 'aria-labelledby') {
    const ids = value.split(/\s+/).map((id) => renamed.get(id)).filter(Boolean);
    return ids.length > 0 ? ids.join(' ') : null;
  }
  if (URL_REFERENCE_ATTRIBUTES.has(name)) {
    const match = /^url\(#([^)\s]+)\)$/.exec(value.trim());
    const target = match ? renamed.get(match[1]) : undefined;
    return target ? `url(#${target})` : null;
  }
  return value;
}

/**
 * Returns a figure with the diagram, its caption and its text description, or null when
 * `markup` is empty or not a valid diagram.
 * @param {string|null|undefined} markup the server's SVG
 * @param {{caption: string, tone?: string}} options `tone` adds a class such as diagram--correct
 * @returns {HTMLElement|null}
 */
export function diagramFigure(markup, { caption, tone = null }) {
  const svg = markup ? parseDiagram(markup) : null;
  if (!svg) return null;

  // Scale to the width available, between MIN_SCALE and MAX_SCALE. The limits are set
  // through the CSSOM, which the page's Content-Security-Policy allows, unlike style attributes.
  const width = svg.viewBox?.baseVal?.width || Number.parseFloat(svg.getAttribute('width') ?? '');
  if (Number.isFinite(width) && width > 0) {
    svg.style.minWidth = `${Math.round(width * MIN_SCALE)}px`;
    svg.style.maxWidth = `${Math.round(width * MAX_SCALE)}px`;
  }
  const description = svg.querySelector('desc')?.textContent?.trim() ?? '';

  // A box that scrolls becomes a region named after the diagram's title, such as "Retry
  // story: Charge retried". Captions repeat on the pattern reference, and regions need unique names.
  const title = svg.querySelector('title')?.textContent?.trim() || caption;
  const box = h('div', { class: 'diagram__scroll', 'data-label': title }, svg);
  const figure = h(
    'figure',
    { class: tone ? `diagram diagram--${tone}` : 'diagram' },
    h('figcaption', { class: 'diagram__caption' }, caption),
    box,
    description
      ? h('details', { class: 'diagram__text' }, h('summary', {}, 'Read the diagram as text'), h('p', {}, description))
      : null,
  );
  observeScrollBox(box);
  return figure;
}
