/**
 * Runs the Lighthouse command line tool on one page and reads the category scores from its
 * JSON report. Lighthouse exits with 0 whatever the scores, so the report decides.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { CHROMIUM_FLAGS, CHROMIUM_PATH } from './chromium.mjs';

const run = promisify(execFile);

export const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];

const LIGHTHOUSE = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.bin', 'lighthouse');

/** Maximum time one Lighthouse run may take before it is stopped. */
const RUN_TIMEOUT_MS = 120_000;

/**
 * Audits `url` with Lighthouse's default mobile settings (simulated slow 4G and a mid-range
 * phone CPU) and returns each category's score from 0 to 100, the audits that lost points and
 * Lighthouse's benchmark index of the machine's CPU speed.
 * @param {string} url
 * @returns {Promise<{scores: Object<string, number>, weak: string[], benchmarkIndex: number}>}
 */
export async function runLighthouse(url) {
  const folder = await mkdtemp(join(tmpdir(), 'a11y-lighthouse-'));
  const report = join(folder, 'report.json');
  try {
    await run(
      LIGHTHOUSE,
      [
        url,
        '--output=json',
        `--output-path=${report}`,
        `--only-categories=${CATEGORIES.join(',')}`,
        `--chrome-flags=--headless ${CHROMIUM_FLAGS.join(' ')} --user-data-dir=${join(folder, 'profile')}`,
        '--quiet',
      ],
      { env: { ...process.env, CHROME_PATH: CHROMIUM_PATH }, timeout: RUN_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
    );
    const result = JSON.parse(await readFile(report, 'utf8'));
    if (result.runtimeError) throw new Error(`Lighthouse failed on ${url}: ${result.runtimeError.code} ${result.runtimeError.message}`);

    const scores = {};
    const weak = [];
    for (const name of CATEGORIES) {
      const category = result.categories[name];
      scores[name] = category?.score === null || category?.score === undefined ? NaN : Math.round(category.score * 100);
      for (const reference of category?.auditRefs ?? []) {
        const audit = result.audits[reference.id];
        if (reference.weight > 0 && audit && audit.score !== null && audit.score < 1) {
          weak.push(`${name}: ${audit.id} (${Math.round(audit.score * 100)}) ${audit.title}${audit.displayValue ? `: ${audit.displayValue}` : ''}`);
        }
      }
    }
    return { scores, weak, benchmarkIndex: Math.round(result.environment?.benchmarkIndex ?? NaN) };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
