/**
 * Runs axe-core on every page and every game state, in each colour scheme and width, and
 * checks that no state scrolls sideways, has a table wider than its box or logs an error. A
 * ranked round and a review round are played through the real pages of the server under test.
 */

import { AxeBuilder } from '@axe-core/playwright';

/** The WCAG 2.0, 2.1 and 2.2 success criteria of levels A and AA, as axe-core tags them. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

/** Browser windows each state is checked in. */
export const VIEWS = [
  { name: 'light 1280px', width: 1280, height: 900, colorScheme: 'light' },
  { name: 'dark 1280px', width: 1280, height: 900, colorScheme: 'dark' },
  { name: 'light 360px', width: 360, height: 800, colorScheme: 'light' },
  { name: 'dark 360px', width: 360, height: 800, colorScheme: 'dark' },
];

const GAME_PATH = '/games/idempotency-key-clinic/';
const PROBLEM_PATH = '/problems/idempotency-key-reused';
const NOT_FOUND_PATH = '/no-such-page/';
const NICKNAME = 'Axe Checker';
/** Maximum wait for an element or a navigation, in milliseconds. */
const WAIT_MS = 15_000;

/**
 * Checks every page and game state in every view.
 * @param {import('playwright-core').Browser} browser
 * @param {string} baseUrl such as http://127.0.0.1:PORT
 * @param {{screenshots?: Array<{view: string, state: RegExp, file: string}>, log?: (line: string) => void}} [options]
 *   `screenshots` names the states to save as PNG files of the viewport, each scrolled to the
 *   state's anchor element. Each file shows the first state whose name matches `state`.
 * @returns {Promise<{checks: number, failures: string[]}>}
 */
export async function checkAllStates(browser, baseUrl, { screenshots = [], log = console.log } = {}) {
  const failures = [];
  let checks = 0;

  /** Checks every state in one view, in a browser context of its own. */
  const checkView = async (view) => {
    const context = await browser.newContext({
      viewport: { width: view.width, height: view.height },
      colorScheme: view.colorScheme,
      reducedMotion: 'reduce',
    });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push({ text: error.message, url: null }));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push({ text: message.text(), url: message.location().url });
    });

    /**
     * Audits the page as it is now under the name `state`. With `status`, the page itself was
     * served with that error status, and Chromium's console line about it is expected.
     */
    const audit = async (state, anchor = null, { status = null } = {}) => {
      checks += 1;
      const where = `${view.name}, ${state} (${new URL(page.url()).pathname})`;
      const found = await auditPage(page);
      for (const error of pageErrors.splice(0)) {
        const expected = status !== null && error.url === page.url() && error.text.includes(`status of ${status}`);
        if (!expected) found.push(`the page logged an error: ${error.text}`);
      }
      for (const problem of found) failures.push(`${where}: ${problem}`);
      log(`  ${found.length === 0 ? 'ok  ' : 'FAIL'} ${where}`);
      const shot = screenshots.find(
        (candidate) => !candidate.saved && candidate.view === view.name && candidate.state.test(state),
      );
      if (shot) {
        await saveScreenshot(page, anchor, shot.file);
        shot.saved = true;
      }
    };

    try {
      await walkStates(page, baseUrl, audit);
    } catch (error) {
      failures.push(`${view.name}: the walk through the pages stopped at ${page.url()}: ${error.message}`);
    }
    await context.close();
  };

  // Two views run at a time, each in a browser context with a renderer process of its own.
  const lanes = [VIEWS.filter((_, index) => index % 2 === 0), VIEWS.filter((_, index) => index % 2 === 1)];
  await Promise.all(
    lanes.map(async (views) => {
      for (const view of views) await checkView(view);
    }),
  );
  return { checks, failures };
}

/**
 * Returns one line per axe violation, per sideways scroll and per table that does not fit.
 * @param {import('playwright-core').Page} page
 */
async function auditPage(page) {
  const problems = [];
  // Only violations keep every matching node in the results. The other result types keep one
  // node per rule, which makes each run faster.
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).options({ resultTypes: ['violations'] }).analyze();
  for (const violation of results.violations) {
    const targets = violation.nodes.slice(0, 5).map((node) => `${node.target.join(' ')}: ${node.failureSummary?.split('\n').slice(1).join(' ').trim()}`);
    problems.push(`axe ${violation.id} (${violation.impact}): ${violation.help} [${violation.helpUrl}]\n      ${targets.join('\n      ')}`);
  }

  const layout = await page.evaluate(() => {
    const root = document.documentElement;
    const tables = [...document.querySelectorAll('.table-scroll')]
      .filter((box) => box.offsetParent !== null && box.scrollWidth > box.clientWidth + 1)
      .map((box) => `${box.querySelector('caption')?.textContent ?? 'a table'} needs ${box.scrollWidth} px of ${box.clientWidth} px`);
    return { pageOverflow: root.scrollWidth - root.clientWidth, tables };
  });
  if (layout.pageOverflow > 0) problems.push(`the page scrolls sideways by ${layout.pageOverflow} px`);
  for (const table of layout.tables) problems.push(`table does not fit: ${table}`);
  return problems;
}

async function saveScreenshot(page, anchor, file) {
  if (anchor) await page.locator(anchor).first().evaluate((element) => element.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: file });
}

/**
 * Visits the pages, plays a ranked round, submits it, opens the dashboard and plays a review
 * round of the misses, calling `audit(state, anchor)` at each state. A fresh browser context
 * has empty localStorage, so the first pages show their empty states.
 */
async function walkStates(page, baseUrl, audit) {
  const url = (path) => new URL(path, baseUrl).href;

  // The pages as a new visitor sees them.
  for (const [state, path, status] of [
    ['catalogue', '/', 200],
    ['game page', GAME_PATH, 200],
    ['empty dashboard', '/progress/', 200],
    ['empty pattern reference', '/progress/reference/', 200],
    ['not found', NOT_FOUND_PATH, 404],
    ['problem type', PROBLEM_PATH, 200],
  ]) {
    const response = await page.goto(url(path), { waitUntil: 'networkidle' });
    if (response?.status() !== status) throw new Error(`${path} returned status ${response?.status()}, expected ${status}`);
    await audit(state, 'h1', { status: status === 200 ? null : status });
  }

  // A ranked round: the first question, the first feedback of each verdict, the results.
  await page.goto(url(GAME_PATH), { waitUntil: 'networkidle' });
  await page.locator('#game-stage [data-action="start"]').click();
  await playRound(page, { total: 8, audit, label: '', feedback: true });
  await page.locator('#final-score').waitFor();
  await audit('round end', '#results-title');

  // The leaderboard form with a field error, then after a successful submission.
  await page.locator('#submit-button').click();
  await page.locator('#nickname-error:not([hidden])').waitFor();
  await audit('leaderboard form with an error', '#leaderboard-submit');
  await page.locator('#nickname').fill(NICKNAME);
  await page.locator('#submit-button').click();
  await page.locator('#submit-status.form-status--success').waitFor();
  await page.locator('#leaderboard-table tbody tr', { hasText: NICKNAME }).first().waitFor();
  await audit('after submission', '#leaderboard');

  // The dashboard with the round in its history, and its reset dialog.
  await page.goto(url('/progress/'), { waitUntil: 'networkidle' });
  await page.locator('#history-list .history__item').first().waitFor();
  await audit('dashboard with history', '#history-heading');
  await page.locator('#reset-button').click();
  await page.locator('#reset-dialog[open]').waitFor();
  await audit('reset dialog', '#reset-dialog');
  await page.locator('#reset-dialog button[value="cancel"]').click();

  // The misses fall due, as if 10 minutes had passed, and the dashboard deals a review round.
  const missed = await page.evaluate(() => {
    const progress = JSON.parse(localStorage.getItem('ikc.progress'));
    const past = new Date(Date.now() - 60_000).toISOString();
    for (const item of progress.review_queue) item.due_at = past;
    localStorage.setItem('ikc.progress', JSON.stringify(progress));
    return progress.review_queue.length;
  });
  if (missed === 0) throw new Error('every answer of the ranked round was correct, so there is no review round to check; run again');
  await page.reload({ waitUntil: 'networkidle' });
  await page.locator('#review-button:not([disabled])').waitFor();
  await audit('dashboard with reviews due', '#review-heading');
  await page.locator('#review-button').click();
  await page.waitForURL((target) => target.pathname === GAME_PATH);
  await page.locator('.round-status .tag--review').waitFor();
  // Its feedback looks like the ranked round's, so only its question and results are audited.
  await playRound(page, { total: missed, audit, label: 'review ', feedback: false });
  await page.locator('#results-title', { hasText: 'Review round complete' }).waitFor();
  await audit('review round end', '#results-title');

  // The pattern reference with the answered scenarios.
  await page.goto(url('/progress/reference/'), { waitUntil: 'networkidle' });
  await page.locator('.reference-item').first().waitFor();
  await audit('pattern reference with scenarios', '.reference-item');
}

/**
 * Answers every scenario of the round on screen, choosing a different option position each
 * time. Audits the first question and, with `feedback`, the first feedback of each verdict.
 */
async function playRound(page, { total, audit, label, feedback }) {
  const verdictsSeen = new Set();
  for (let position = 1; position <= total; position += 1) {
    await page.locator('#round-position', { hasText: `Scenario ${position} of ${total}` }).waitFor();
    await page.locator('.option:not([disabled])').first().waitFor();
    if (position === 1) await audit(`${label}question`, '.scenario .diagram');

    const options = page.locator('.option');
    await options.nth(position % (await options.count())).click();
    const verdict = await page.locator('#feedback .verdict').getAttribute('class');
    const name = /verdict--(\w+)/.exec(verdict ?? '')?.[1] ?? 'unknown';
    if (feedback && !verdictsSeen.has(name)) {
      verdictsSeen.add(name);
      await audit(`${label}feedback, ${name}`, '.options');
    }
    await page.locator('#feedback [data-action]').click();
  }
}
