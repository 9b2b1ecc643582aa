// End-to-end: every screen in 日本語 has no English left outside an allow-list (ids, names,
// API paths, product names, Elasticsearch's own log lines and API bodies), with screenshots
// at 1280×800 and 1920×1080 (Debian's fonts-noto-cjk draws the glyphs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseUrl, collectErrors, latinWords as latinWordsOn, launch, screenshot } from './browser.mjs';

/** Latin words a Japanese EC2 / Elasticsearch console shows as they are. */
const ALLOWED = new Set([
  'Quorum', 'Drill', 'EC2', 'AWS', 'Health', 'CloudWatch', 'ALARM', 'OK', 'PAGER', 'HTTP', 'API', 'JSON',
  'EBS', 'AMI', 'AZ', 'IP', 'OS', 'SSH', 'GiB', 'MiB', 'KiB', 'TiB', 'ms', 'green', 'yellow', 'red', 'search', 'cluster',
  'Elasticsearch', 'curl', 'via', 'GET', 'PUT', 'POST', 'DELETE', 'StatusCheckFailed_System', 'StatusCheckFailed_Instance',
  'StatusCheckFailed', 'disk_used_percent', 'rate', 'x', 'S', 'A', 'B', 'C', 'D', 'F', 'No', 'ID', 'IPv4', 'vCPU', 'CPU',
  'Enter', 'Esc', 'Tab', 'English', 'drill', 'WARN', 'clean', 'logs', 'setup', 'runbook',
  // As the Japanese EC2 console and Elasticsearch show them: the Name tag column, REST API,
  // Web アプリ, p99 latency, _cat/shards' p/r, the allocation setting's values.
  'Name', 'REST', 'Web', 'p99', 'p', 'r', 'v', 'all', 'primaries', 'none',
  // The EC2 state name in the scenario's Japanese title 「stopping のまま動かない」 (scenario data:
  // rewording it would change the scenario's hash).
  'stopping',
  // The drill's script commands, quoted like API paths ("reboot node-3").
  'reboot', 'stop', 'start', 'terminate', 'launch', 'health', 'wait',
  // HTTP status classes.
  '5xx', '4xx',
  // Product names the Japanese EC2 console writes in Latin letters ("Amazon EC2",
  // the base image "Amazon Linux").
  'Amazon', 'Linux',
  // The file-system check a reboot can hang in, named in the scenarios' branch cases
  // (scenario data, shown in the coverage matrix and the debrief).
  'fsck',
]);
/** Tokens that are ids, names, paths or settings (matched whole); `search-01`: the
 * wrong-instance scenario's host names. */
const ID = /^(node-\d+|search-\d+|i-[0-9a-f…]+|ami-[0-9a-z…]+|vol-[0-9a-f…]+|ap-northeast-1[a-d]?|m5\.x?large|m5\.\d?xlarge|seed-[\w-]+|[a-z]+(-[a-z]+)+|_[\w/.]+|[\w.]+\.[\w.]+|[a-z]+_[a-z_]+|v\d+|search-5xx-rate|node-\d+-\w+|\d+[pr]|\d+(\.\d+)?(ms|s|gb|mb|GiB|MiB|KiB|TiB))$/;

/** The Latin words visible on the page outside allowed regions. */
const SKIP = 'code, pre, .api-body, .api-line, .log-row[data-source="datastore"], .mono:not(.notif-page), script, style, [aria-hidden="true"], .lang-switch, select.api-via, .visually-hidden';
function latinWords(page) {
  return latinWordsOn(page, { skip: SKIP, allowed: (w) => ALLOWED.has(w) || ID.test(w) });
}

async function expectJapanese(page, screen, found) {
  const words = await latinWords(page);
  if (words.length) found.push(`${screen}: ${words.join(' ')}`);
}

for (const viewport of [{ width: 1280, height: 800 }, { width: 1920, height: 1080 }]) {
  const size = `${viewport.width}x${viewport.height}`;
  test(`日本語 at ${size}: every screen, no English outside ids, paths and log lines`, { timeout: 120_000 }, async () => {
    const { page, close } = await launch({ viewport });
    const errors = collectErrors(page);
    const found = [];
    try {
      await page.goto(`${baseUrl()}/`, { waitUntil: 'load' });
      await page.getByRole('heading', { level: 1, name: 'Quorum Drill' }).waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: '日本語' }).click();
      await page.getByRole('heading', { name: 'シナリオ' }).waitFor();
      await page.locator('#seed-input').fill('3');
      await page.getByRole('radio', { name: /^試験/ }).click();
      await expectJapanese(page, 'home', found);
      await screenshot(page, `ja-home-${size}`);
      await page.locator('[data-scenario="seed-ami-trap"]').getByRole('button', { name: '開始' }).click();
      await page.getByTestId('briefing-text').waitFor();
      await expectJapanese(page, 'briefing', found);
      await screenshot(page, `ja-briefing-${size}`);
      await page.getByRole('button', { name: '了解してコンソールを開く' }).click();
      await page.locator('.instances-table').waitFor();
      await page.locator('.clock-controls [data-speed="60"]').click();
      await page.waitForFunction(() => Number(document.querySelector(".clock-now")?.dataset.nowMs ?? 0) >= 90_000, null, { timeout: 30_000 });
      await page.waitForTimeout(4000);
      await expectJapanese(page, 'console', found);
      // The datastore's log lines stay in English, as Elasticsearch writes them: the console says so.
      assert.match(await page.locator('[data-log-lang-note]').innerText(), /英語のまま/);
      await screenshot(page, `ja-console-${size}`);
      await page.getByRole('checkbox', { name: /node-3/ }).check();
      await page.locator('#instance-state-button').click();
      await page.locator('[data-id="stop"]').click();
      const stop = page.getByRole('alertdialog', { name: 'インスタンスを停止しますか?' });
      await stop.waitFor();
      await expectJapanese(page, 'stop dialog', found);
      await screenshot(page, `ja-stop-dialog-${size}`);
      await stop.getByRole('button', { name: 'キャンセル' }).click();
      await page.locator('#instance-state-button').click();
      await page.locator('[data-id="reboot"]').click();
      await page.getByRole('alertdialog', { name: 'インスタンスを再起動しますか?' }).getByRole('button', { name: '再起動', exact: true }).click();
      await page.locator('.drill-end').getByRole('button', { name: '訓練を終了' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: '訓練を終了' }).click();
      await page.locator('[data-screen="debrief"]').waitFor();
      await expectJapanese(page, 'debrief', found);
      await screenshot(page, `ja-debrief-${size}`);
      await page.getByRole('button', { name: 'ホーム' }).click();
      await page.locator('[data-scenario="seed-ami-trap"]').getByRole('button', { name: 'リーダーボード' }).click();
      await page.locator('[data-screen="leaderboard"]').waitFor();
      await expectJapanese(page, 'leaderboard', found);
      await screenshot(page, `ja-leaderboard-${size}`);
      assert.deepEqual(found, [], 'English left in the Japanese UI');
      assert.deepEqual(errors, []);
    } finally {
      await close();
    }
  });
}

test('日本語 at 1280x800: the console\'s dialogs, the Mentor warning and Saved runs', { timeout: 120_000 }, async () => {
  const { page, close } = await launch({ viewport: { width: 1280, height: 800 } });
  const errors = collectErrors(page);
  const found = [];
  try {
    await page.goto(`${baseUrl()}/`, { waitUntil: 'load' });
    await page.getByRole('heading', { level: 1, name: 'Quorum Drill' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: '日本語' }).click();
    await page.locator('#seed-input').fill('7');
    await page.getByRole('radio', { name: /^メンター/ }).click();
    await page.locator('[data-scenario="seed-ami-trap"]').getByRole('button', { name: '開始' }).click();
    await page.getByRole('button', { name: '了解してコンソールを開く' }).click();
    await page.locator('.instances-table').waitFor();
    // Launch instances.
    await page.getByRole('button', { name: 'インスタンスを起動' }).click();
    const launchDialog = page.locator('#launch-dialog');
    await launchDialog.waitFor();
    await expectJapanese(page, 'launch dialog', found);
    await screenshot(page, 'ja-launch-dialog-1280x800');
    await launchDialog.getByRole('button', { name: 'キャンセル' }).click();
    // Actions → Image and templates → Create image, then the Mentor's warning.
    await page.getByRole('checkbox', { name: /node-2/ }).check();
    await page.getByRole('button', { name: 'アクション' }).click();
    await page.getByRole('menuitem', { name: 'イメージとテンプレート' }).click();
    await expectJapanese(page, 'actions menu', found);
    await page.getByRole('menuitem', { name: 'イメージを作成' }).click();
    const image = page.locator('#create-image-dialog');
    await image.waitFor();
    await expectJapanese(page, 'create image dialog', found);
    await screenshot(page, 'ja-create-image-1280x800');
    await page.locator('#ci-name').fill('node-2-backup');
    await image.getByRole('button', { name: 'イメージを作成' }).click();
    const mentor = page.getByRole('alertdialog', { name: 'メンター: 予測される影響' });
    await mentor.waitFor();
    await expectJapanese(page, 'mentor warning', found);
    await screenshot(page, 'ja-mentor-warning-1280x800');
    await mentor.getByRole('button', { name: 'キャンセル' }).click();
    // End the drill: Home lists it under Saved runs.
    await page.locator('.drill-end').getByRole('button', { name: '訓練を終了' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: '訓練を終了' }).click();
    await page.locator('[data-screen="debrief"]').waitFor();
    await page.getByRole('button', { name: 'ホーム' }).click();
    await page.getByRole('heading', { name: 'シナリオ' }).waitFor();
    await expectJapanese(page, 'home with saved runs', found);
    await screenshot(page, 'ja-home-saved-1280x800');
    assert.deepEqual(found, [], 'English left in the Japanese UI');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
