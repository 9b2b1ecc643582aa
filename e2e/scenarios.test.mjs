// The scenario pack is data the game fetches at start (scenarios-<hash>.txt): a loading
// state, an error screen with a retry when the fetch fails, and the drill in progress
// resumed only once the scenarios are installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseUrl, collectErrors, launch, screenshot } from './browser.mjs';

const PACK = '**/scenarios-*.txt';

test('the pack is preloaded once, served precompressed, cached as immutable, and fetched under the CSP', { timeout: 60_000 }, async () => {
  const { page, close } = await launch();
  try {
    const errors = collectErrors(page);
    const packs = [];
    const warnings = [];
    page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    page.on('response', (r) => {
      if (/\/scenarios-[0-9a-f]{16}\.txt$/.test(new URL(r.url()).pathname)) packs.push(r);
    });
    await page.goto(`${baseUrl()}/`, { waitUntil: 'load' });
    await page.locator('[data-scenario="seed-ami-trap"] button:not([disabled])').first().waitFor({ timeout: 30_000 });
    assert.equal(packs.length, 1, 'one fetch of the pack: the game uses the preload');
    assert.deepEqual(warnings.filter((w) => /scenarios-/.test(w)), [], 'the preload is used');
    const headers = await packs[0].allHeaders();
    assert.equal(packs[0].status(), 200);
    assert.equal(headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(headers['content-encoding'], 'br', 'the precompressed .br copy');
    assert.deepEqual(errors, [], 'no CSP violation or other error');
  } finally {
    await close();
  }
});

test('a failed scenario fetch shows the error and Retry loads the game and resumes the drill', { timeout: 90_000 }, async () => {
  const { page, close } = await launch();
  try {
    // A drill in progress, stored by the game.
    await page.goto(`${baseUrl()}/`, { waitUntil: 'load' });
    await page.locator('[data-scenario="seed-ami-trap"]').getByRole('button', { name: 'Start', exact: true }).click();
    await page.getByRole('button', { name: 'Acknowledge and open the console' }).click();
    await page.locator('.instances-table').waitFor();
    await page.waitForFunction(() => localStorage.getItem('qd.v1.drill') !== null);

    // The next load: the pack's first request hangs (the loading state), then fails.
    let release;
    const held = new Promise((r) => (release = r));
    await page.route(PACK, async (route) => {
      await held;
      await route.fulfill({ status: 503, contentType: 'text/plain', body: 'unavailable' });
    });
    await page.reload({ waitUntil: 'load' });
    const loading = page.locator('[data-boot="loading"]');
    await loading.waitFor({ timeout: 30_000 });
    assert.match(await loading.innerText(), /Loading scenarios/);
    release();
    const failed = page.getByRole('alert').filter({ hasText: 'The scenarios could not be loaded' });
    await failed.waitFor();
    assert.match(await failed.innerText(), /HTTP 503/);
    assert.equal(await page.locator('.instances-table').count(), 0, 'no drill before the scenarios');
    assert.notEqual(await page.evaluate(() => localStorage.getItem('qd.v1.drill')), null, 'the stored drill is kept');
    await screenshot(page, 'scenarios-failed');

    // The server is back: Retry fetches the pack, and the drill resumes, paused.
    await page.unroute(PACK);
    await failed.getByRole('button', { name: /Retry/ }).click();
    await page.locator('.instances-table').waitFor({ timeout: 30_000 });
    await page.getByText(/Resumed your drill in progress at/).waitFor();
    assert.equal(await page.locator('[data-boot]').count(), 0);
  } finally {
    await close();
  }
});
