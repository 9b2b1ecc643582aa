// End-to-end: a trainee plays the game in Debian's Chromium (playwright-core), against the
// built dist/ served at QD_BASE_URL. Screenshots of every screen go to artifacts/screens/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { baseUrl, collectErrors, launch, screenshot, screensDir } from './browser.mjs';

/** A screenshot of what the viewport shows (for dialogs and menus, which float over it). */
async function viewShot(page, name) {
  await mkdir(screensDir, { recursive: true });
  await page.screenshot({ path: path.join(screensDir, `${name}.png`) });
}

const SEED = '4242';

/** Opens the game on a fresh profile; returns { page, errors, close }. */
async function open(opts) {
  const b = await launch(opts);
  const errors = collectErrors(b.page);
  await b.page.goto(`${baseUrl()}/`, { waitUntil: 'load' });
  await b.page.getByRole('heading', { level: 1, name: 'Quorum Drill' }).waitFor({ timeout: 30_000 });
  return { ...b, errors };
}

/** Home → fixed seed, mode → scenario briefing → console. */
async function startDrill(page, { scenario = 'seed-ami-trap', mode = 'exam', seed = SEED, shot } = {}) {
  await page.locator('#seed-input').fill(seed);
  await page.getByRole('radio', { name: mode === 'exam' ? /^Exam/ : /^Mentor/ }).click();
  assert.equal(await page.getByRole('radio', { name: mode === 'exam' ? /^Exam/ : /^Mentor/ }).getAttribute('aria-checked'), 'true');
  await page.locator(`[data-scenario="${scenario}"]`).getByRole('button', { name: 'Start' }).click();
  await page.getByRole('heading', { level: 2, name: 'One down, two to go' }).waitFor();
  await assert.doesNotReject(page.getByTestId('briefing-text').filter({ hasText: /^00:00 — / }).waitFor());
  if (shot) await screenshot(page, shot);
  await page.getByRole('button', { name: 'Acknowledge and open the console' }).click();
  await page.locator('.instances-table').waitFor();
}

/** Selects node-2 and opens Actions → Image and templates → Create image. */
async function openCreateImage(page) {
  await page.getByRole('checkbox', { name: 'Select node-2' }).check();
  await page.getByRole('button', { name: 'Actions' }).click();
  await page.getByRole('menuitem', { name: 'Image and templates' }).click();
  await page.getByRole('menuitem', { name: 'Create image' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create image' });
  await dialog.waitFor();
  return dialog;
}

async function endDrill(page) {
  await page.locator('.drill-end').getByRole('button', { name: 'End drill' }).click();
  await page.getByRole('alertdialog', { name: 'End the drill now?' }).getByRole('button', { name: 'End drill' }).click();
  await page.locator('[data-screen="debrief"]').waitFor();
}

test('trap: Create image without No reboot loses the quorum; the debrief names it; rewind compares', { timeout: 90_000 }, async () => {
  const { page, errors, close } = await open();
  try {
    await screenshot(page, 'home');
    await startDrill(page, { mode: 'exam', shot: 'briefing' });
    await screenshot(page, 'console');

    const dialog = await openCreateImage(page);
    const noReboot = dialog.getByRole('checkbox', { name: /No reboot/ });
    assert.equal(await noReboot.isChecked(), false, 'No reboot is unchecked by default');
    await assert.doesNotReject(dialog.getByText(/does not shut down the instance before creating the image/).waitFor());
    await dialog.getByLabel('Image name').fill('node-2-backup');
    await viewShot(page, 'create-image-dialog');
    await dialog.getByRole('button', { name: 'Create image' }).click();
    assert.equal(await page.locator('#mentor-dialog').count(), 0, 'exam mode shows no warning');

    // Advance time: the cluster loses its master.
    await page.locator('.clock-controls [data-speed="16"]').click();
    const badge = page.locator('.health-badge');
    await page.locator('.health-badge[data-health="no-master"]').waitFor({ timeout: 30_000 });
    assert.match(await badge.innerText(), /no master/i);

    // The outage timer runs.
    const timer = page.locator('.outage-timer.running .outage-clock');
    await timer.waitFor();
    const t1 = await timer.innerText();
    await page.waitForTimeout(1500);
    const t2 = await timer.innerText();
    assert.notEqual(t1, t2, `the outage timer runs (${t1} → ${t2})`);
    await screenshot(page, 'console-outage');

    await endDrill(page);
    const expl = page.locator('.outage-expl .explanation').first();
    assert.match(await expl.innerText(), /create-image node-2/, 'the debrief names the create-image action');
    assert.notEqual(await page.locator('.debrief-score').getAttribute('data-outage-ms'), '0');
    await screenshot(page, 'debrief');

    // Export the replay file.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export replay (JSON)' }).click(),
    ]);
    const replay = JSON.parse(await readFile(await download.path(), 'utf8'));
    assert.equal(replay.scenario_id, 'seed-ami-trap');
    assert.equal(replay.seed, Number(SEED));
    assert.equal(replay.actions.length, 1);
    assert.equal(replay.actions[0].action.type, 'create-image');
    assert.equal(replay.actions[0].action.no_reboot, false);

    // What-if: rewind to just before the action, wait instead, finish, compare.
    await page.locator('button.rewind[data-action="0"]').click();
    await page.locator('[data-screen="drill"]').waitFor();
    assert.match(await page.locator('.banner').innerText(), /What-if run/);
    await screenshot(page, 'console-what-if');
    await endDrill(page);
    assert.equal(await page.locator('.debrief-score').getAttribute('data-outage-ms'), '0', 'waiting causes no outage');
    const compare = page.locator('.compare-table');
    await compare.waitFor();
    assert.ok(await compare.isVisible(), 'the comparison is visible');
    await screenshot(page, 'debrief-compare');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('clean path: waiting to the end causes no outage', { timeout: 60_000 }, async () => {
  const { page, errors, close } = await open();
  try {
    await startDrill(page, { mode: 'exam', seed: '7' });
    await page.locator('.clock-controls [data-speed="60"]').click();
    await page.waitForTimeout(1000);
    await endDrill(page);
    assert.equal(await page.locator('.debrief-score').getAttribute('data-outage-ms'), '0');
    assert.match(await page.locator('.debrief-score').innerText(), /no outage/i);
    // Home shows the best score for the scenario.
    await page.getByRole('button', { name: 'Home' }).click();
    const best = page.locator('[data-scenario="seed-ami-trap"] [data-best-score]');
    await best.waitFor();
    assert.ok(Number(await best.getAttribute('data-best-score')) > 0);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('mentor mode warns before the trap, with the predicted impact', { timeout: 60_000 }, async () => {
  const { page, errors, close } = await open();
  try {
    await startDrill(page, { mode: 'mentor' });
    const dialog = await openCreateImage(page);
    await dialog.getByLabel('Image name').fill('node-2-backup');
    await dialog.getByRole('button', { name: 'Create image' }).click();
    const mentor = page.getByRole('alertdialog', { name: 'Mentor: predicted impact' });
    await mentor.waitFor();
    const text = await mentor.innerText();
    assert.match(text, /create-image node-2/);
    assert.match(text, /quorum/i);
    await viewShot(page, 'mentor-warning');
    // The clock stands still while the mentor asks.
    const now1 = await page.locator('.clock-now').getAttribute('data-now-ms');
    await page.waitForTimeout(500);
    assert.equal(await page.locator('.clock-now').getAttribute('data-now-ms'), now1);
    await page.keyboard.press('Escape');
    await mentor.waitFor({ state: 'detached' });
    assert.match(await page.locator('#tab-images').innerText(), /\(0\)/, 'nothing was applied');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('keyboard only: menus open with ArrowDown, close with Escape; dialogs close with Escape', { timeout: 60_000 }, async () => {
  const { page, errors, close } = await open();
  try {
    await startDrill(page, { mode: 'exam' });
    await page.getByRole('checkbox', { name: 'Select node-2' }).focus();
    await page.keyboard.press('Space');
    await page.locator('#actions-button').focus();
    await page.keyboard.press('ArrowDown');
    await page.getByRole('menu').first().waitFor();
    // Focus starts on the first enabled item; walk down to "Image and templates".
    for (let i = 0; i < 6; i++) {
      if ((await page.evaluate(() => document.activeElement?.getAttribute('data-id'))) === 'images') break;
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-id')), 'create-image');
    await viewShot(page, 'actions-menu');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Create image' });
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'ci-name', 'focus moves into the dialog');
    // Tab stays inside the dialog.
    for (let i = 0; i < 8; i++) await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => !!document.activeElement?.closest('[role="dialog"]')), 'focus is trapped');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'actions-button', 'focus returns to the menu button');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a corrupt localStorage value does not break start-up', { timeout: 60_000 }, async () => {
  const { page, errors, close } = await open();
  try {
    await page.evaluate(() => {
      localStorage.setItem('qd.v1.settings', '{"lang":');
      localStorage.setItem('qd.v1.best', 'not json at all');
      localStorage.setItem('qd.v1.drill', '{"replay":{}}');
    });
    await page.reload({ waitUntil: 'load' });
    await page.getByRole('heading', { level: 1, name: 'Quorum Drill' }).waitFor();
    const notices = page.locator('[data-notice]');
    await notices.first().waitFor();
    const text = (await notices.allInnerTexts()).join('\n');
    assert.match(text, /settings could not be read/);
    assert.match(text, /best scores could not be read/);
    await screenshot(page, 'home-corrupt-storage');
    // The game still works.
    assert.ok((await page.locator('li.scenario').count()) >= 4);
    await startDrill(page, { mode: 'exam' });
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('home: the scenarios in course order, grouped sandbox → basics → the seed → harder', { timeout: 60_000 }, async () => {
  const { page, errors, close } = await open();
  try {
    await page.locator('[data-unit="harder"] [data-scenario]').first().waitFor();
    const units = await page.$$eval('[data-unit]', (us) => us.map((u) => u.dataset.unit));
    assert.deepEqual(units, ['sandbox', 'basics', 'seed', 'harder']);
    const inUnit = (unit) =>
      page.$$eval(`[data-unit="${unit}"] [data-scenario]`, (ss) => ss.map((s) => s.dataset.scenario));
    assert.deepEqual(await inUnit('sandbox'), ['sandbox']);
    assert.equal((await inUnit('basics'))[0], 'node-hang');
    assert.deepEqual(await inUnit('seed'), ['seed-ami-trap']);
    assert.ok((await inUnit('harder')).includes('wrong-instance'));
    await screenshot(page, 'home-course');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('replay viewer: import a file, watch it read-only; a bad file shows an error', { timeout: 60_000 }, async () => {
  const { page, errors, close } = await open();
  try {
    // A bad file first.
    await page.locator('#replay-file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"format_version":1,"seed":"x"}') });
    const err = page.locator('#import-error');
    await err.waitFor();
    assert.match(await err.innerText(), /malformed replay/);
    await screenshot(page, 'replay-import-error');

    // A real replay: make one by playing, exporting, and coming back home.
    await startDrill(page, { mode: 'exam', seed: '99' });
    await page.getByRole('checkbox', { name: 'Select node-3' }).check();
    await page.getByRole('button', { name: 'Instance state' }).click();
    await page.getByRole('menuitem', { name: 'Reboot instance' }).click();
    await page.getByRole('alertdialog', { name: 'Reboot instance?' }).getByRole('button', { name: 'Reboot', exact: true }).click();
    await endDrill(page);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export replay (JSON)' }).click(),
    ]);
    const json = await readFile(await download.path());
    await page.getByRole('button', { name: 'Home' }).click();
    await page.locator('#replay-file').setInputFiles({ name: 'run.json', mimeType: 'application/json', buffer: json });
    await page.locator('[data-screen="drill"]').waitFor();
    assert.match(await page.locator('.banner').innerText(), /Replay viewer/);
    assert.ok(await page.locator('#actions-button').isDisabled(), 'read-only');
    await page.locator('.clock-controls [data-speed="60"]').click();
    await page.waitForTimeout(1200);
    await screenshot(page, 'replay-viewer');
    await endDrill(page);
    assert.match(await page.locator('.debrief-head').innerText(), /replay/i);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('日本語: every UI string switches, and the layout holds at 1920×1080 without jumps', { timeout: 60_000 }, async () => {
  const { page, errors, close } = await open({ viewport: { width: 1920, height: 1080 } });
  try {
    await page.getByRole('button', { name: '日本語' }).click();
    await page.getByRole('heading', { name: 'シナリオ' }).waitFor();
    assert.match(await page.locator('[data-scenario="seed-ami-trap"]').innerText(), /1台ダウン、残り2台/);
    await screenshot(page, 'home-ja');
    await page.locator('#seed-input').fill(SEED);
    await page.locator('[data-scenario="seed-ami-trap"]').getByRole('button', { name: '開始' }).click();
    await page.getByTestId('briefing-text').filter({ hasText: /^00:00 — / }).waitFor();
    await page.getByRole('button', { name: '了解してコンソールを開く' }).click();
    await page.locator('.instances-table').waitFor();
    assert.match(await page.locator('.instances-table').innerText(), /実行中/);
    await page.locator('.clock-controls [data-speed="60"]').click();
    // No layout jumps while ticking: the areas keep their boxes.
    const boxes = () => page.evaluate(() =>
      [...document.querySelectorAll('.console-grid .area')].map((el) => {
        const r = el.getBoundingClientRect();
        return `${el.className}:${Math.round(r.x)},${Math.round(r.y)},${Math.round(r.width)},${Math.round(r.height)}`;
      }));
    await page.waitForTimeout(800);
    const before = await boxes();
    await page.waitForTimeout(2500);
    const after = await boxes();
    assert.deepEqual(after, before, 'panels keep their positions and sizes while the drill ticks');
    await screenshot(page, 'console-ja-1920');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('issue 9: Stop asks as EC2 does; node cards show id, AZ and status whole at 1280 px; the debrief survives a reload', { timeout: 90_000 }, async () => {
  const { page, errors, close } = await open({ viewport: { width: 1280, height: 800 } });
  try {
    await startDrill(page, { mode: 'exam' });
    // Node cards: nothing cut with an ellipsis or overflowing its card.
    const cut = await page.evaluate(() =>
      [...document.querySelectorAll('.node-card .node-sub > span')]
        .filter((el) => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > el.closest('.node-card').getBoundingClientRect().right + 1)
        .map((el) => el.textContent));
    assert.deepEqual(cut, [], 'no node card truncates its id, AZ or status');
    assert.match(await page.locator('.node-card .node-az').first().innerText(), /^ap-northeast-1[a-d]$/);
    await screenshot(page, 'console-1280');

    // Stop: "Stop instance?" with the instance id, Cancel does nothing.
    await page.getByRole('checkbox', { name: 'Select node-3' }).check();
    await page.getByRole('button', { name: 'Instance state' }).click();
    await page.getByRole('menuitem', { name: 'Stop instance', exact: true }).click();
    const stop = page.getByRole('alertdialog', { name: 'Stop instance?' });
    await stop.waitFor();
    assert.match(await stop.innerText(), /i-0[0-9a-f]+ \(node-3\)/);
    await viewShot(page, 'stop-dialog');
    await stop.getByRole('button', { name: 'Cancel' }).click();
    await stop.waitFor({ state: 'detached' });
    assert.equal(await page.locator('.flash').count(), 0, 'nothing was done');

    await endDrill(page);
    assert.equal(await page.locator('.debrief-head [data-mode]').getAttribute('data-mode'), 'exam');
    const score = await page.locator('.debrief-score').getAttribute('data-score');
    // Reload on the debrief: the same run's debrief, not Home.
    await page.reload({ waitUntil: 'load' });
    await page.locator('[data-screen="debrief"]').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.debrief-score').getAttribute('data-score'), score);
    await page.getByRole('button', { name: 'Home' }).click();
    const row = page.locator('table tr', { has: page.getByRole('button', { name: 'Debrief and submit' }) });
    await row.first().waitFor();
    assert.match(await row.first().innerText(), /Exam/);
    await page.reload({ waitUntil: 'load' });
    await page.getByRole('heading', { level: 1, name: 'Quorum Drill' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('[data-screen="debrief"]').count(), 0, 'left the debrief: a reload lands on Home');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('English at 1920×1080: console and debrief fit the window, nothing cut', { timeout: 90_000 }, async () => {
  const { page, errors, close } = await open({ viewport: { width: 1920, height: 1080 } });
  try {
    await startDrill(page, { mode: 'exam' });
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.equal(await overflow(), 0, 'the console needs no horizontal scrolling');
    const cut = await page.evaluate(() =>
      [...document.querySelectorAll('.node-card .node-sub > span, .instances-table td')]
        .filter((el) => el.scrollWidth > el.clientWidth + 1)
        .map((el) => el.textContent));
    assert.deepEqual(cut, [], 'no node card or instance cell truncates its text');
    await screenshot(page, 'console-en-1920');
    await endDrill(page);
    assert.equal(await overflow(), 0, 'the debrief needs no horizontal scrolling');
    await screenshot(page, 'debrief-en-1920');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
