// End-to-end: the disk-full drill as a trainee plays it — the runbook's log cleanup from the
// Actions menu and Storage → Modify volume, then Storage → Extend file system — in Debian's
// Chromium against the served dist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseUrl, collectErrors, launch, screenshot } from './browser.mjs';

test('disk-full: clean the runaway log in time and grow the volume; writes never fail', { timeout: 90_000 }, async () => {
  const b = await launch();
  const { page } = b;
  const errors = collectErrors(page);
  try {
    await page.goto(`${baseUrl()}/`, { waitUntil: 'load' });
    await page.getByRole('heading', { level: 1, name: 'Quorum Drill' }).waitFor({ timeout: 30_000 });
    await page.locator('#seed-input').fill('7');
    await page.getByRole('radio', { name: /^Exam/ }).click();
    await page.locator('[data-scenario="disk-full"]').getByRole('button', { name: 'Start' }).click();
    await page.getByRole('heading', { level: 2, name: 'The disk that filled up' }).waitFor();
    await page.getByRole('button', { name: 'Acknowledge and open the console' }).click();
    await page.locator('.instances-table').waitFor();

    // Skip ahead until the runaway log starts (02:00), as a trainee watching the clock would.
    const runaway = page.locator('.log-rows').getByText('A runaway log on node-2').first();
    for (let i = 0; i < 30 && !(await runaway.isVisible()); i++) {
      await page.getByRole('button', { name: /Skip to next event/ }).click();
    }
    await runaway.waitFor();
    await page.getByRole('checkbox', { name: 'Select node-2' }).check();
    await page.getByRole('button', { name: 'Actions' }).click();
    await page.getByRole('menuitem', { name: 'Run log cleanup (runbook)' }).click();
    await page.locator('.log-rows').getByText('log cleanup started').first().waitFor();

    await page.getByRole('button', { name: 'Actions' }).click();
    await page.getByRole('menuitem', { name: 'Storage' }).click();
    await page.getByRole('menuitem', { name: 'Modify volume…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Modify volume' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /100 GiB/);
    await page.locator('#mv-size').fill('50');
    await dialog.getByRole('button', { name: 'Modify' }).click();
    await dialog.getByRole('alert').waitFor();
    await page.locator('#mv-size').fill('200');
    await dialog.getByRole('button', { name: 'Modify' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('.log-rows').getByText('volume modification to 200 GiB').first().waitFor();
    await screenshot(page, 'disk-full-console');

    // ModifyVolume grows the volume, not the file system: the runbook extends it.
    const unchanged = page.locator('.log-rows').getByText('the file system is still 100 GiB').first();
    for (let i = 0; i < 30 && !(await unchanged.isVisible()); i++) {
      await page.getByRole('button', { name: /Skip to next event/ }).click();
    }
    await unchanged.waitFor();
    await page.getByRole('button', { name: 'Actions' }).click();
    await page.getByRole('menuitem', { name: 'Storage' }).click();
    await page.getByRole('menuitem', { name: 'Extend file system (runbook)' }).click();
    await page.locator('.log-rows').getByText('grow-filesystem started').first().waitFor();

    await page.locator('.drill-end').getByRole('button', { name: 'End drill' }).click();
    await page.getByRole('alertdialog', { name: 'End the drill now?' }).getByRole('button', { name: 'End drill' }).click();
    await page.locator('[data-screen="debrief"]').waitFor();
    const text = await page.locator('[data-screen="debrief"]').innerText();
    assert.match(text, /Failed writes\s*0\s*\//, 'the index never turned read-only');
    assert.doesNotMatch(text, /read_only_allow_delete/);
    await screenshot(page, 'disk-full-debrief');
    assert.deepEqual(errors, []);
  } finally {
    await b.close();
  }
});
