/**
 * Checks the pages of a running server: axe-core on every page and game state (WCAG 2.2 A
 * and AA, light and dark, 1280 px and 360 px), the bytes and hosts of the game page's first
 * load, and Lighthouse scores. Exits with 1 when any check fails.
 *
 * Usage: node check.mjs BASE_URL [--screenshots DIR]
 * BASE_URL is the server under test, such as http://127.0.0.1:8080. With --screenshots, PNG
 * files of a few main states are written to DIR.
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { checkAllStates } from './lib/axe-states.mjs';
import { launchChromium } from './lib/chromium.mjs';
import { runLighthouse, CATEGORIES } from './lib/lighthouse.mjs';
import { measureFirstLoad } from './lib/page-weight.mjs';

const GAME_PATH = '/games/idempotency-key-clinic/';
/** Maximum bytes the game page's first load may receive, headers and compressed bodies together. */
const MAX_FIRST_LOAD_BYTES = 60_000;
/** Lowest score, from 0 to 100, each Lighthouse category must reach. */
const MIN_LIGHTHOUSE_SCORE = 95;
const LIGHTHOUSE_PATHS = ['/', GAME_PATH, '/progress/'];
/**
 * Maximum Lighthouse runs per page. The performance score varies with the load on the
 * machine's CPU, so a page below the threshold is audited again and each category keeps its
 * best score.
 */
const MAX_LIGHTHOUSE_RUNS = 3;

/** PNG files written with --screenshots, each of the first state whose name matches `state`. */
const SCREENSHOTS = [
  { view: 'light 360px', state: /^feedback, (unsafe|partial)$/, file: 'feedback-phone-light.png' },
  { view: 'dark 360px', state: /^question$/, file: 'question-phone-dark.png' },
  { view: 'dark 360px', state: /^round end$/, file: 'results-phone-dark.png' },
  { view: 'light 360px', state: /^dashboard with history$/, file: 'progress-phone-light.png' },
  { view: 'light 1280px', state: /^feedback, (unsafe|partial)$/, file: 'feedback-desktop-light.png' },
];

function parseArguments(argv) {
  const [baseUrl, ...rest] = argv;
  if (!baseUrl || !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(baseUrl)) {
    throw new Error(`expected the base URL of a server on loopback, such as http://127.0.0.1:8080, not ${JSON.stringify(baseUrl)}`);
  }
  let screenshots = null;
  for (let index = 0; index < rest.length; index += 1) {
    if (rest[index] === '--screenshots' && rest[index + 1]) {
      screenshots = rest[index + 1];
      index += 1;
    } else {
      throw new Error(`unknown argument ${JSON.stringify(rest[index])}: the only option is --screenshots DIR`);
    }
  }
  return { baseUrl: baseUrl.replace(/\/$/, ''), screenshots };
}

async function main() {
  const { baseUrl, screenshots } = parseArguments(process.argv.slice(2));
  const failures = [];
  const started = Date.now();
  const seconds = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

  const shots = screenshots ? SCREENSHOTS.map((shot) => ({ ...shot, file: join(screenshots, shot.file) })) : [];
  if (screenshots) await mkdir(screenshots, { recursive: true });

  const browser = await launchChromium();
  try {
    console.log('--- axe-core, WCAG 2.2 A and AA, on every page and game state');
    const axe = await checkAllStates(browser, baseUrl, { screenshots: shots });
    failures.push(...axe.failures);
    console.log(`${axe.checks} states checked, ${axe.failures.length} problems (${seconds()})`);
    for (const shot of shots.filter((candidate) => !candidate.saved)) {
      failures.push(`screenshot ${shot.file}: no state matched ${shot.state} in view ${shot.view}; run again`);
    }

    console.log(`--- first load of ${GAME_PATH}`);
    const load = await measureFirstLoad(browser, `${baseUrl}${GAME_PATH}`);
    for (const request of load.requests) console.log(`  ${String(request.bytes).padStart(7)} B  ${request.url.replace(baseUrl, '')}`);
    console.log(`  ${String(load.bytes).padStart(7)} B  in ${load.requests.length} requests (at most ${MAX_FIRST_LOAD_BYTES})`);
    if (load.bytes > MAX_FIRST_LOAD_BYTES) {
      failures.push(`first load of ${GAME_PATH}: ${load.bytes} bytes received, more than ${MAX_FIRST_LOAD_BYTES}`);
    }
    for (const url of load.foreign) failures.push(`first load of ${GAME_PATH}: request to another host: ${url}`);
  } finally {
    await browser.close();
  }

  console.log(`--- Lighthouse 12 (mobile), each category at least ${MIN_LIGHTHOUSE_SCORE}`);
  for (const path of LIGHTHOUSE_PATHS) {
    // A category missing from a report counts as 0.
    const best = Object.fromEntries(CATEGORIES.map((name) => [name, 0]));
    const passes = () => CATEGORIES.every((name) => best[name] >= MIN_LIGHTHOUSE_SCORE);
    for (let run = 1; run <= MAX_LIGHTHOUSE_RUNS && !passes(); run += 1) {
      const { scores, weak, benchmarkIndex } = await runLighthouse(`${baseUrl}${path}`);
      for (const name of CATEGORIES) best[name] = Math.max(best[name], scores[name] || 0);
      const summary = CATEGORIES.map((name) => `${name} ${scores[name]}`).join(', ');
      console.log(`  ${path} run ${run}: ${summary}; CPU benchmark index ${benchmarkIndex} (${seconds()})`);
      for (const line of weak) console.log(`      ${line}`);
    }
    for (const name of CATEGORIES) {
      if (!(best[name] >= MIN_LIGHTHOUSE_SCORE)) {
        failures.push(`Lighthouse ${path}: ${name} scored at most ${best[name]} in ${MAX_LIGHTHOUSE_RUNS} runs, below ${MIN_LIGHTHOUSE_SCORE}`);
      }
    }
  }

  if (failures.length > 0) {
    console.log(`\n${failures.length} checks failed (${seconds()}):`);
    for (const failure of failures) console.log(`- ${failure}`);
    process.exitCode = 1;
  } else {
    console.log(`\nAll checks passed (${seconds()}).`);
  }
}

main().catch((error) => {
  console.error(`error: ${error.stack ?? error.message}`);
  process.exitCode = 2;
});
