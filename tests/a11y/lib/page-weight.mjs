/**
 * Measures the first load of a page in a fresh browser context: every response, counted in
 * bytes received over the network (headers and compressed body), and the hosts contacted.
 */

/**
 * Loads `url` with an empty cache until the network is idle and returns the bytes received
 * and every request that went to another origin.
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @returns {Promise<{bytes: number, requests: Array<{url: string, bytes: number}>, foreign: string[]}>}
 */
export async function measureFirstLoad(browser, url) {
  const origin = new URL(url).origin;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();

  // Chromium's DevTools protocol reports encodedDataLength: the bytes received for a
  // response, headers included, before decompression.
  const session = await context.newCDPSession(page);
  await session.send('Network.enable');
  await session.send('Network.setCacheDisabled', { cacheDisabled: true });
  const urls = new Map();
  const sizes = new Map();
  session.on('Network.requestWillBeSent', (event) => urls.set(event.requestId, event.request.url));
  session.on('Network.loadingFinished', (event) => sizes.set(event.requestId, event.encodedDataLength));
  session.on('Network.loadingFailed', (event) => sizes.set(event.requestId, sizes.get(event.requestId) ?? 0));

  const foreign = [];
  page.on('request', (request) => {
    const target = new URL(request.url());
    if (target.protocol !== 'data:' && target.origin !== origin) foreign.push(request.url());
  });

  await page.goto(url, { waitUntil: 'networkidle' });
  await context.close();

  const requests = [...sizes].map(([id, bytes]) => ({ url: urls.get(id) ?? id, bytes }));
  const bytes = requests.reduce((sum, request) => sum + request.bytes, 0);
  return { bytes, requests, foreign };
}
