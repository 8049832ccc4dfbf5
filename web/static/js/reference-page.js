/**
 * Entry point of the pattern reference: every scenario the player has answered, with its
 * story diagram, the best option, why it works and the safe pattern, read from local
 * progress and filtered by concept.
 */

import { diagramFigure } from './diagram.js';
import { h, replaceChildren, required, showNotice } from './dom.js';
import { CONCEPTS, categoryLabel, conceptLabel, formatDateTime, plural } from './format.js';
import { ProgressStore } from './store.js';
import { paragraphs, withInlineCode } from './view.js';

const store = new ProgressStore({ onNotice: showNotice });
const filter = required('#concept-filter');

/** Returns the concept tags used by `items`, in the order of CONCEPTS and then by name. */
function usedConcepts(items) {
  const used = new Set(items.flatMap((item) => item.concepts));
  const known = CONCEPTS.map((concept) => concept.tag).filter((tag) => used.has(tag));
  const others = [...used].filter((tag) => !known.includes(tag)).sort();
  return [...known, ...others];
}

function renderFilter(items) {
  const selected = filter.value;
  const concepts = usedConcepts(items);
  replaceChildren(
    filter,
    h('option', { value: '' }, 'All concepts'),
    concepts.map((tag) => h('option', { value: tag, selected: tag === selected }, conceptLabel(tag))),
  );
  if (!concepts.includes(selected)) filter.value = '';
}

function referenceArticle(item) {
  return h(
    'article',
    { class: 'reference-item', id: `scenario-${item.scenario_id}`, 'data-scenario-id': item.scenario_id, 'aria-labelledby': `title-${item.scenario_id}` },
    h('h4', { id: `title-${item.scenario_id}` }, item.title),
    h('p', { class: 'scenario__meta' }, item.concepts.map((tag) => [h('span', { class: 'tag' }, conceptLabel(tag)), ' '])),
    diagramFigure(item.timeline_svg, { caption: 'The retry story as a sequence diagram' }),
    h('h5', {}, 'Best option'),
    h('p', {}, withInlineCode(item.best_option_text)),
    h('h5', {}, 'Why it works'),
    paragraphs(item.correct_explanation),
    h('h5', {}, 'Safe pattern'),
    paragraphs(item.safer_pattern),
    h(
      'p',
      { class: 'feedback__source' },
      `Contract: ${item.contract}. Source: ${item.source}. Last answered `,
      h('time', { datetime: item.updated_at }, formatDateTime(item.updated_at)),
      '.',
    ),
  );
}

/** Lists the saved scenarios grouped by category, then scenarios answered before saving began. */
function render() {
  const items = [...store.progress.reference].sort(
    (a, b) => categoryLabel(a.category).localeCompare(categoryLabel(b.category)) || a.title.localeCompare(b.title),
  );
  renderFilter(items);
  const concept = filter.value;
  const shown = concept ? items.filter((item) => item.concepts.includes(concept)) : items;

  const byCategory = new Map();
  for (const item of shown) {
    if (!byCategory.has(item.category)) byCategory.set(item.category, []);
    byCategory.get(item.category).push(item);
  }
  replaceChildren(
    required('#reference-list'),
    [...byCategory].map(([category, categoryItems]) =>
      h('section', { class: 'reference-category' }, h('h3', {}, categoryLabel(category)), categoryItems.map(referenceArticle)),
    ),
  );
  required('#reference-empty').hidden = items.length > 0;
  required('#reference-count').textContent =
    items.length === 0
      ? ''
      : concept
        ? `Showing ${shown.length} of ${plural(items.length, 'saved scenario')}: those that train ${conceptLabel(concept).toLowerCase()}.`
        : `${plural(items.length, 'saved scenario')}, grouped by category.`;

  // Scenarios in the history that were answered before the reference was saved.
  const saved = new Set(items.map((item) => item.scenario_id));
  const older = new Map();
  for (const entry of store.progress.history) {
    for (const scenario of entry.scenarios) {
      if (!saved.has(scenario.id)) older.set(scenario.id, scenario.title);
    }
  }
  required('#reference-older').hidden = older.size === 0;
  replaceChildren(
    required('#reference-older-list'),
    [...older].sort((a, b) => a[1].localeCompare(b[1])).map(([, title]) => h('li', {}, title)),
  );
}

required('#concept-filter-field').hidden = false;
filter.addEventListener('change', render);
render();
store.subscribe(render);
