// The game runs under the Content-Security-Policy `drill serve` sends: Chromium loads it,
// a trainee plays a few actions through to the debrief and the leaderboard, and no policy
// violation is reported — neither a `securitypolicyviolation` event in the page nor a CSP
// message on the console. A policy that blocked the module loader, the wasm compile, a
// stylesheet, a style attribute or an API call would fail here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseUrl, launch, screenshot } from './browser.mjs';

test('the game plays under its CSP with no violation reported', { timeout: 120_000 }, async () => {
  const { context, page, close } = await launch();
  try {
    // Before any script of the page runs: record every violation the document sees.
    await context.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
      });
    });
    const consoleCsp = [];
    const errors = [];
    page.on('console', (msg) => {
      const text = msg.text();
      if (/Content Security Policy|Content-Security-Policy/i.test(text)) consoleCsp.push(text);
      if (msg.type() === 'error') errors.push(text);
    });
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));

    const response = await page.goto(`${baseUrl()}/`, { waitUntil: 'load' });
    const csp = response.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/, 'the policy is sent');
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /'unsafe-eval'|script-src[^;]*'unsafe-inline'/, 'no script escape hatch');

    // The wasm app started: its heading renders (it would not under a blocking policy).
    await page.getByRole('heading', { level: 1, name: 'Quorum Drill' }).waitFor({ timeout: 30_000 });

    // A few actions: start a drill, reboot node-3, let time run, end it, see the debrief.
    await page.locator('#seed-input').fill('4242');
    await page.getByRole('radio', { name: /^Exam/ }).click();
    await page.locator('[data-scenario="seed-ami-trap"]').getByRole('button', { name: 'Start', exact: true }).click();
    await page.getByRole('button', { name: 'Acknowledge and open the console' }).click();
    await page.locator('.instances-table').waitFor();
    await page.getByRole('checkbox', { name: 'Select node-3' }).check();
    await page.getByRole('button', { name: 'Instance state' }).click();
    await page.getByRole('menuitem', { name: 'Reboot instance' }).click();
    await page.getByRole('alertdialog', { name: 'Reboot instance?' }).getByRole('button', { name: 'Reboot', exact: true }).click();
    await page.locator('.flash-ok').first().waitFor();
    await page.locator('.clock-controls [data-speed="16"]').click();
    // The clock's progress bar is drawn with a style attribute: let it move.
    await page.waitForTimeout(1500);
    await page.locator('.drill-end').getByRole('button', { name: 'End drill' }).click();
    await page.getByRole('alertdialog', { name: 'End the drill now?' }).getByRole('button', { name: 'End drill' }).click();
    await page.locator('[data-screen="debrief"]').waitFor();
    await screenshot(page, 'csp-debrief');

    // The page may call the API (connect-src 'self').
    assert.equal(await page.evaluate(() => fetch('/api/health').then((r) => r.status)), 200);

    const violations = await page.evaluate(() => window.__cspViolations);
    assert.deepEqual(violations, [], 'securitypolicyviolation events');
    assert.deepEqual(consoleCsp, [], 'CSP messages on the console');
    assert.deepEqual(errors, [], 'the page logged errors');
  } finally {
    await close();
  }
});

// The same listener catches a real violation: an inline script that the policy does not
// list is blocked and reported. Without this, an empty list above could mean the listener
// never ran.
test('a script the policy does not allow is reported', { timeout: 60_000 }, async () => {
  const { context, page, close } = await launch();
  try {
    await context.addInitScript(() => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective));
    });
    await page.goto(`${baseUrl()}/`, { waitUntil: 'load' });
    await page.getByRole('heading', { level: 1, name: 'Quorum Drill' }).waitFor({ timeout: 30_000 });
    const ran = await page.evaluate(() => {
      window.__injected = false;
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true;';
      document.body.appendChild(s);
      return window.__injected;
    });
    await page.waitForTimeout(200);
    assert.equal(ran, false, 'the injected inline script must not run');
    const violations = await page.evaluate(() => window.__cspViolations);
    assert.ok(violations.some((d) => d.startsWith('script-src')), `reported: ${JSON.stringify(violations)}`);
  } finally {
    await close();
  }
});
