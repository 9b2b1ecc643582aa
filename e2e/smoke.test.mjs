// Smoke test: the built game loads in Chromium and renders its heading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseUrl, collectErrors, launch, screenshot } from './browser.mjs';

test('the game page loads and shows the "Quorum Drill" heading', { timeout: 60_000 }, async () => {
  const { page, close } = await launch();
  try {
    const errors = collectErrors(page);
    const response = await page.goto(`${baseUrl()}/`, { waitUntil: 'load' });
    assert.ok(response?.ok(), `GET ${baseUrl()}/ answered ${response?.status()}`);

    const heading = page.getByRole('heading', { level: 1, name: 'Quorum Drill' });
    await heading.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal((await heading.textContent())?.trim(), 'Quorum Drill');

    const file = await screenshot(page, 'smoke');
    console.log(`screenshot: ${file}`);
    assert.deepEqual(errors, [], 'the page logged errors');
  } finally {
    await close();
  }
});
