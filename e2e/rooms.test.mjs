// End-to-end: a team drill (issue 14) in four browsers against the real `drill serve`
// (QD_BASE_URL; `cargo xtask test` starts it). The host opens a room for seed-ami-trap on
// boards.html#room and takes the game master's seat; a commander, an operator and
// communications join by the room's code. The operator's risky Create image (without No
// reboot) waits for the commander, who declines it; the same image with No reboot applies
// at once; a risky reboot is approved and applies on every client at the same tick.
// The commander, the second person, acts from their own console (a datastore API call, then
// a reboot the two-person rule would hold for the operator): it applies at once on every
// client, with no approval. Communications answers the product manager with a status
// update, the game master injects one of the scenario's faults. The operator's browser goes
// offline for 30 s and comes back in sync; meanwhile the server's messages to
// communications stop (the socket stays open, silent: page.routeWebSocket holds them) and
// the page drops the silent link after 5 s, reconnects by itself and catches up. A
// spectator joins late; the commander reloads the page and is back in the seat. With the
// clock paused every client is at the same tick with the same checkpoint hash. The commander
// declares the incident resolved: every client shows the server's verified result.
// Screenshots of each role mid-drill, in English and Japanese: artifacts/screens/room-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { baseUrl, collectErrors, latinWords as latinWordsOn, launch, screenshot } from './browser.mjs';

async function requireServer() {
  let status;
  try {
    status = (await fetch(`${baseUrl()}/api/version`)).status;
  } catch (e) {
    assert.fail(`no leaderboard server at ${baseUrl()} (GET /api/version: ${e.message}); run the e2e tests through \`cargo xtask test\`, which starts \`drill serve\``);
  }
  assert.equal(status, 200, `GET ${baseUrl()}/api/version answered ${status}: QD_BASE_URL is not a leaderboard server`);
}

async function open(path) {
  const b = await launch({ viewport: { width: 1440, height: 900 } });
  const errors = collectErrors(b.page);
  await b.page.goto(`${baseUrl()}/${path}`, { waitUntil: 'load' });
  await b.page.getByRole('heading', { level: 1, name: 'Quorum Drill' }).waitFor({ timeout: 30_000 });
  return { ...b, errors };
}

/** Takes a seat on the room page: name and role, then waits for the room's screen. */
async function takeSeat(page, name, role) {
  await page.locator('.room-pick input[name="name"]').fill(name);
  await page.locator(`.room-pick input[name="role"][value="${role}"]`).check();
  await page.locator('[data-action="take-seat"]').click();
  await page.locator(`.room-screen [data-my-role="${role}"]`).waitFor({ timeout: 30_000 });
  await page.locator('.room-screen [data-link="open"]').waitFor({ timeout: 30_000 });
}

/** The team log's entries of one kind, as their texts. */
async function entries(page, kind) {
  return page.locator(`.room-log .room-entry[data-kind="${kind}"] .entry-text`).allInnerTexts();
}

/** Latin words a Japanese screen may show (as e2e/ja.test.mjs), plus the members' names. */
const ALLOWED = new Set([
  'Quorum', 'Drill', 'EC2', 'AWS', 'Health', 'CloudWatch', 'ALARM', 'OK', 'PAGER', 'HTTP', 'API', 'JSON',
  'EBS', 'AMI', 'AZ', 'IP', 'OS', 'SSH', 'GiB', 'MiB', 'KiB', 'TiB', 'ms', 'green', 'yellow', 'red', 'search', 'cluster',
  'Elasticsearch', 'curl', 'via', 'GET', 'PUT', 'POST', 'DELETE', 'StatusCheckFailed_System', 'StatusCheckFailed_Instance',
  'StatusCheckFailed', 'rate', 'x', 'No', 'ID', 'IPv4', 'English', 'drill', 'setup', 'runbook',
  'Name', 'REST', 'Web', 'p99', 'p', 'r', 'none', '5xx', 'Amazon', 'Linux', 'fsck',
  'v', 'all', 'primaries', 'S', 'A', 'B', 'C', 'D', 'F', 'CPU', 'vCPU', 'Enter', 'Esc', 'Tab', 'WARN', 'clean', 'logs',
  'disk_used_percent', 'stopping', 'reboot', 'stop', 'start', 'terminate', 'launch', 'health', 'wait', '4xx',
  'Trainer', 'Ines', 'Oskar', 'Chiara', 'Sam',
]);
const ID = /^(node-\d+-\w+|search-5xx-rate|node-\d+|i-[0-9a-f…]+|ami-[0-9a-z…]+|ap-northeast-1[a-d]?|m5\.x?large|[a-z]+(-[a-z]+)+|_[\w/.]+|[\w.]+\.[\w.]+|[a-z]+_[a-z_]+|[a-z]+=[a-z]+|\d+[pr]|\d+(\.\d+)?(ms|s)|[A-Z0-9]{6})$/;

/** The Latin words on a Japanese page outside code, what members wrote and the event log
 * (the drill's own panel, which e2e/ja.test.mjs checks; its EC2 instance lines and action
 * scripts stay as the sim writes them). */
const SKIP = 'code, pre, .api-body, .api-line, .log-row[data-source="datastore"], .mono:not(.notif-page), script, style, [aria-hidden="true"], .lang-switch, select.api-via, .visually-hidden, .room-entries .entry-text, .chat-text, .stakeholder-msg span, .room-chat input, .area-log';
function latinWords(page) {
  return latinWordsOn(page, { skip: SKIP, allowed: (w) => ALLOWED.has(w) || ID.test(w) });
}

async function nowMs(page) {
  return Number(await page.locator('.room-bar [data-now-ms]').getAttribute('data-now-ms'));
}

/** The last checkpoint a member's sim reported, "tick:hash". */
async function checkpoint(page) {
  return page.locator('.room-bar [data-checkpoint]').getAttribute('data-checkpoint');
}

/** The client's silent-link rule (src/room/view.rs SILENT_MS). */
const SILENT_MS = 5_000;

/**
 * Routes a page's room WebSockets through Playwright (`page.routeWebSocket`): each one is
 * connected to the real server and forwarded both ways, until `silence()`: from then on
 * what the server sends on the sockets open so far is held back (the page's messages still
 * go through), as a half-open link leaves it. Sockets opened after that are forwarded.
 */
async function relaySockets(page) {
  const relay = { opened: [], held: 0 };
  await page.routeWebSocket(/\/api\/rooms\/[^/]+\/ws$/, (ws) => {
    const conn = { at: Date.now(), silent: false };
    relay.opened.push(conn);
    const server = ws.connectToServer();
    server.onMessage((message) => {
      if (conn.silent) relay.held += 1;
      else ws.send(message);
    });
  });
  relay.silence = () => {
    for (const conn of relay.opened) conn.silent = true;
    return Date.now();
  };
  return relay;
}

/** Records every state the link indicator takes from now on (its `data-link` values). */
async function watchLink(page) {
  await page.evaluate(() => {
    window.linkStates = [document.querySelector('.room-bar [data-link]').dataset.link];
    const observer = new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === 'attributes' && r.target.matches('.room-bar [data-link]')) {
          window.linkStates.push(r.target.getAttribute('data-link'));
        } else {
          const now = document.querySelector('.room-bar [data-link]');
          if (now) window.linkStates.push(now.dataset.link);
        }
      }
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-link'] });
  });
}

test('four roles play one drill in lockstep: approvals, the commander acting unapproved, a status update, an injected fault, an offline and a silent link, the verified result', { timeout: 300_000 }, async () => {
  await requireServer();
  const gm = await open('boards.html#room');
  const contexts = [gm];
  try {
    // The host opens the room and is the game master.
    const gp = gm.page;
    await gp.locator('select[name="scenario"]').selectOption('seed-ami-trap');
    await gp.locator('input[name="seed"]').fill('3');
    await gp.locator('[data-action="open-room"]').click();
    await gp.locator('[data-room-code]').waitFor({ timeout: 30_000 });
    const code = await gp.locator('[data-room-code]').getAttribute('data-room-code');
    assert.match(code, /^[A-Z0-9]{4,16}$/, `a room code: ${code}`);
    assert.equal(new URL(gp.url()).hash, `#room=${code}`, 'the room has an address');
    await takeSeat(gp, 'Trainer', 'game-master');
    assert.match(await gp.getByTestId('hidden-branches').innerText(), /=/, 'the game master sees the branch case drawn');

    // The others join by the code (the operator types it on the lobby).
    const ic = await open(`boards.html#room=${code}`);
    contexts.push(ic);
    assert.equal(await ic.page.locator('input[name="role"][value="game-master"]').isDisabled(), true, 'only the host may be the game master');
    await takeSeat(ic.page, 'Ines', 'commander');
    const op = await open('boards.html#room');
    contexts.push(op);
    await op.page.locator('input[name="code"]').fill(code.toLowerCase());
    await op.page.locator('[data-action="join-room"]').click();
    await takeSeat(op.page, 'Oskar', 'operator');
    const comms = await open(`boards.html#room=${code}`);
    contexts.push(comms);
    const relay = await relaySockets(comms.page);
    await takeSeat(comms.page, 'Chiara', 'communications');
    assert.equal(relay.opened.length, 1, 'communications\' socket goes through the relay');
    assert.equal(await ic.page.getByTestId('hidden-branches').count(), 0, 'the commander does not see the hidden branches');
    // A taken seat is refused.
    const second = await open(`boards.html#room=${code}`);
    contexts.push(second);
    await second.page.locator('.room-pick input[name="name"]').fill('Ada');
    await second.page.locator('.room-pick input[name="role"][value="commander"]').check();
    await second.page.locator('[data-action="take-seat"]').click();
    await second.page.locator('[data-refusal]').filter({ hasText: /commander is taken/ }).waitFor({ timeout: 15_000 });
    await second.close();
    contexts.pop();

    // Everyone sees the four members.
    for (const c of [gm, ic, op, comms]) {
      await c.page.locator('.room-members .member').nth(3).waitFor({ timeout: 15_000 });
    }

    // The operator's risky Create image waits for the commander, who declines it.
    const opp = op.page;
    await opp.getByRole('checkbox', { name: 'Select node-2' }).check();
    await opp.locator('#actions-button').click();
    await opp.locator('[data-id="images"]').click();
    await opp.locator('[data-id="create-image"]').click();
    await opp.locator('#ci-name').fill('node-2-backup');
    await opp.locator('#create-image-dialog button[type="submit"]').click();
    const icp = ic.page;
    const proposal = icp.getByTestId('approvals').locator('.proposal').first();
    await proposal.waitFor({ timeout: 15_000 });
    assert.match(await proposal.innerText(), /create-image node-2/);
    await opp.getByTestId('approvals').locator('.proposal').first().waitFor({ timeout: 15_000 });
    assert.equal(await opp.getByTestId('approvals').locator('[data-action="approve"]').count(), 0, 'the operator cannot approve');
    await screenshot(icp, 'room-commander-approval-en');
    // In Japanese the risk is the commander's own sim's forecast, in Japanese.
    await icp.getByRole('button', { name: '日本語' }).click();
    const riskJa = await icp.getByTestId('approvals').locator('.proposal-risk').first().innerText();
    assert.match(riskJa, /[\u3040-\u30ff\u4e00-\u9fff]/, `the risk in Japanese: ${riskJa}`);
    await screenshot(icp, 'room-commander-approval-ja');
    await icp.getByRole('button', { name: 'English' }).click();
    await icp.locator('input[name="decline-reason"]').fill('take it with No reboot');
    await proposal.locator('[data-action="decline"]').click();
    await icp.getByTestId('approvals').locator('.proposal').waitFor({ state: 'detached', timeout: 15_000 });
    await opp.locator('.room-log .room-entry[data-kind="declined"]').filter({ hasText: /declined #\d+: take it with No reboot/ }).waitFor({ timeout: 15_000 });

    // With No reboot it is not risky: it applies at once, on both clients.
    await opp.getByRole('checkbox', { name: 'Select node-2' }).check();
    await opp.locator('#actions-button').click();
    await opp.locator('[data-id="images"]').click();
    await opp.locator('[data-id="create-image"]').click();
    await opp.locator('#ci-name').fill('node-2-safe');
    await opp.locator('#ci-no-reboot').check();
    await opp.locator('#create-image-dialog button[type="submit"]').click();
    for (const p of [opp, icp]) {
      await p.locator('.room-log .room-entry[data-kind="action"]').filter({ hasText: /create-image node-2 .*--no-reboot/ }).waitFor({ timeout: 15_000 });
    }

    // The commander, the second person, acts from their own console too. A datastore API
    // call: it runs at once, and its answer shows in the commander's API console and in the
    // operator's.
    assert.equal(await icp.locator('.area-api').getAttribute('inert'), null, 'the commander\'s API console works');
    await icp.locator('select.api-call').selectOption('health');
    await icp.locator('.api-send').click();
    const applied = '.room-log .room-entry[data-kind="action"]';
    const ran = (p, script) => p.locator(`${applied}.role-commander`).filter({ has: p.locator('.entry-text', { hasText: new RegExp(`^ran ${script}$`) }) });
    for (const c of [gm, ic, op, comms]) {
      await ran(c.page, 'health').waitFor({ timeout: 15_000 });
    }
    for (const p of [icp, opp]) {
      await p.locator('.api-responses > li.api-exchange:not(.is-pending)').first().waitFor({ timeout: 15_000 });
    }
    // A risky reboot, approved: it applies on every client at the tick the server stamped.
    await opp.getByRole('checkbox', { name: 'Select node-2' }).uncheck();
    await opp.getByRole('checkbox', { name: 'Select node-3' }).check();
    await opp.locator('#instance-state-button').click();
    await opp.locator('[data-id="reboot"]').click();
    await opp.getByRole('alertdialog', { name: 'Reboot instance?' }).getByRole('button', { name: 'Reboot', exact: true }).click();
    const reboot = icp.getByTestId('approvals').locator('.proposal').filter({ hasText: 'reboot node-3' });
    await reboot.waitFor({ timeout: 15_000 });
    await reboot.locator('[data-action="approve"]').click();
    for (const c of [gm, ic, op, comms]) {
      await c.page.locator(applied).filter({ hasText: /reboot node-3 \(proposal #\d+, approved\)/ }).waitFor({ timeout: 15_000 });
    }
    const ticks = [];
    for (const c of [gm, ic, op, comms]) {
      ticks.push(await c.page.locator(applied).filter({ hasText: 'reboot node-3' }).locator('time').innerText());
    }
    assert.deepEqual(new Set(ticks).size, 1, `one tick for the reboot everywhere: ${ticks}`);

    // The commander acts again, with the scenario's trap itself: with node-1 down and node-3
    // rebooting, the forecast calls a reboot of node-2 risky (it takes node-2 away while the
    // quorum needs it: some 4,000 more failed requests), so the operator's would wait. The
    // commander's applies at once, on every client, and the log has no proposal or approval
    // for it.
    await icp.getByRole('checkbox', { name: 'Select node-2' }).check();
    await icp.locator('#instance-state-button').click();
    await icp.locator('[data-id="reboot"]').click();
    await icp.getByRole('alertdialog', { name: 'Reboot instance?' }).getByRole('button', { name: 'Reboot', exact: true }).click();
    for (const c of [gm, ic, op, comms]) {
      await ran(c.page, 'reboot node-2').waitFor({ timeout: 15_000 });
      assert.equal(await c.page.locator('.room-log .room-entry[data-kind="proposed"]').filter({ hasText: 'reboot node-2' }).count(), 0, 'the commander\'s reboot was not proposed');
      assert.equal(await c.page.getByTestId('approvals').locator('.proposal').count(), 0, 'nothing waits for the commander');
    }
    assert.equal((await entries(icp, 'approved')).length, 1, 'one approval in the log: the operator\'s reboot of node-3, none for the commander\'s');
    await icp.getByRole('checkbox', { name: 'Select node-2' }).uncheck();
    await screenshot(icp, 'room-commander-console-en');
    await icp.getByRole('button', { name: '日本語' }).click();
    await icp.locator('.room-log .room-entry.role-commander[data-kind="action"]').filter({ hasText: /実行: reboot node-2/ }).waitFor({ timeout: 15_000 });
    assert.match(await icp.getByTestId('commander-acts').innerText(), /承認なし/);
    await screenshot(icp, 'room-commander-console-ja');
    await icp.getByRole('button', { name: 'English' }).click();

    // The commander speeds the clock up; the product manager writes at 00:45.
    await icp.locator('.room-bar [data-speed="4"]').click();
    const cp = comms.page;
    await cp.getByTestId('stakeholders').locator('.stakeholder-msg').first().waitFor({ timeout: 60_000 });
    await cp.locator('textarea[name="status"]').fill('We are degraded on two nodes and working on it; no data is lost.');
    await cp.locator('[data-action="post-status"]').click();
    for (const c of [gm, ic, op, comms]) {
      await c.page.locator('.room-log .room-entry[data-kind="status"]').waitFor({ timeout: 15_000 });
    }
    await screenshot(cp, 'room-communications-en');

    // Chat, in the speaker's role colour.
    await icp.locator('.room-chat input').fill('Oskar, watch node-3 come back before anything else.');
    await icp.locator('[data-action="chat"]').click();
    const said = opp.locator('.room-log .room-entry.role-commander[data-kind="chat"]');
    await said.waitFor({ timeout: 15_000 });
    const colour = await said.locator('.entry-by').evaluate((el) => getComputedStyle(el).color);
    assert.equal(colour, 'rgb(140, 27, 214)', 'the commander speaks in the commander\'s colour');

    // The operator's browser goes offline for 30 s (the page drops its socket on the
    // browser's `offline` event: Chromium's offline emulation leaves WebSockets open);
    // meanwhile the game master injects a fault. Back online, the page rejoins its seat
    // with the last entry it holds and catches up from the log.
    await op.context.setOffline(true);
    const offlineAt = Date.now();
    await opp.locator('.room-bar [data-link="closed"]').waitFor({ timeout: 15_000 });
    // Meanwhile communications' link goes silent: the socket stays open, but nothing the
    // server sends reaches the page.
    await watchLink(cp);
    const silentAt = relay.silence();
    await gp.locator('select[name="instance"]').selectOption('node-2');
    await gp.locator('[data-action="inject"]').click();
    await icp.locator(applied).filter({ hasText: /inject .* node-2/ }).waitFor({ timeout: 15_000 });
    await screenshot(gp, 'room-game-master-en');
    await screenshot(opp, 'room-operator-offline-en');
    assert.equal(await opp.locator(applied).filter({ hasText: /inject / }).count(), 0, 'offline, the operator has not seen it');
    assert.equal(await opp.locator('#actions-button').isDisabled(), true, 'offline, the console waits for the link');
    const frozen = await nowMs(opp);
    const cpFrozen = await nowMs(cp);
    await cp.waitForTimeout(Math.max(0, silentAt + 3_000 - Date.now()));
    assert.equal(await nowMs(cp), cpFrozen, 'silent, communications\' sim waits for the room\'s clock');
    assert.equal(await cp.locator('.room-bar [data-link]').getAttribute('data-link'), 'open', 'a 3-second silence is not a lost link yet');
    assert.equal(relay.opened.length, 1, 'no new socket within 3 s');
    assert.equal(await cp.locator(applied).filter({ hasText: /inject / }).count(), 0, 'silent, communications has not seen the injection');
    // Past SILENT_MS the page drops the link and opens a new socket by itself (its watch
    // ticks each second), which the relay forwards: it rejoins and catches up from the log.
    await cp.locator('.room-bar [data-link="open"]').waitFor({ timeout: 15_000 });
    const deadline = silentAt + SILENT_MS + 8_000;
    while (relay.opened.length < 2 && Date.now() < deadline) await cp.waitForTimeout(100);
    assert.equal(relay.opened.length, 2, 'communications opened a second socket by itself');
    const after = relay.opened[1].at - silentAt;
    assert.ok(after >= SILENT_MS - 500 && after <= SILENT_MS + 3_000, `reconnected ${after} ms into the silence (SILENT_MS ${SILENT_MS}, checked each second)`);
    assert.ok(relay.held > 0, 'the server kept talking on the silent socket');
    console.log(`silent link: a new socket ${after} ms into the silence, ${relay.held} server messages held back`);
    await cp.locator(applied).filter({ hasText: /inject .* node-2/ }).waitFor({ timeout: 15_000 });
    await cp.locator('.room-bar [data-link="open"]').waitFor({ timeout: 15_000 });
    const states = await cp.evaluate(() => window.linkStates);
    assert.ok(states.includes('closed') || states.includes('connecting'), `the link showed it was lost: ${states}`);
    assert.equal(states.at(-1), 'open', `then open again: ${states}`);
    assert.deepEqual(await entries(cp, 'action'), await entries(icp, 'action'), 'communications caught up: the same actions');
    assert.ok(await nowMs(cp) > cpFrozen, 'and runs on with the room');
    await opp.waitForTimeout(Math.max(0, offlineAt + 30_000 - Date.now()));
    assert.equal(await nowMs(opp), frozen, 'offline, the operator\'s sim waits for the room\'s clock');
    await op.context.setOffline(false);
    await opp.locator('.room-bar [data-link="open"]').waitFor({ timeout: 30_000 });
    await opp.locator(applied).filter({ hasText: /inject / }).waitFor({ timeout: 15_000 });
    assert.deepEqual(await entries(opp, 'action'), await entries(icp, 'action'), 'the operator caught up: the same actions');
    assert.ok(await nowMs(opp) > frozen, 'and runs on with the room');
    await screenshot(opp, 'room-operator-en');

    // A spectator joins late: the whole log, the same drill.
    const late = await open(`boards.html#room=${code}`);
    contexts.push(late);
    await takeSeat(late.page, 'Sam', 'spectator');
    await late.page.locator(applied).filter({ hasText: /inject .* node-2/ }).waitFor({ timeout: 15_000 });
    assert.deepEqual(await entries(late.page, 'action'), await entries(icp, 'action'), 'the late spectator has the same actions');
    assert.equal(await late.page.locator('.room-main .api-console').count(), 0, 'a spectator has no console');
    await screenshot(late.page, 'room-spectator-en');

    // The commander reloads the page: the tab takes its seat again and replays the log.
    await icp.reload({ waitUntil: 'load' });
    await icp.locator('.room-screen [data-my-role="commander"]').waitFor({ timeout: 30_000 });
    await icp.locator('.room-screen [data-link="open"]').waitFor({ timeout: 30_000 });
    await icp.locator(applied).filter({ hasText: /inject .* node-2/ }).waitFor({ timeout: 15_000 });
    assert.deepEqual(await entries(icp, 'action'), await entries(opp, 'action'), 'the reloaded commander has the same actions');
    await screenshot(icp, 'room-commander-en');

    // The clocks agree within the server's clock step (one message is 100 ms at 1×).
    const clocks = await Promise.all([gm, ic, op, comms, late].map((c) => nowMs(c.page)));
    assert.ok(Math.max(...clocks) - Math.min(...clocks) <= 4_000, `clocks in step: ${clocks}`);
    // Paused, every client stops at the same tick with the same checkpoint hash: the one
    // whose link went silent and the one that went offline too.
    await icp.locator('.room-bar [data-speed="0"]').click();
    const everyone = [gm, ic, op, comms, late];
    for (const c of [gm, op, comms, late]) {
      await c.page.locator('.room-bar [data-room-speed="0"]').waitFor({ timeout: 15_000 });
    }
    let paused = [];
    for (let i = 0; i < 50; i += 1) {
      paused = await Promise.all(everyone.map((c) => nowMs(c.page)));
      if (new Set(paused).size === 1) break;
      await icp.waitForTimeout(100);
    }
    assert.equal(new Set(paused).size, 1, `one tick when paused: ${paused}`);
    const hashes = await Promise.all(everyone.map((c) => checkpoint(c.page)));
    assert.match(hashes[0], /^\d+:[0-9a-f]{64}$/, `a checkpoint: ${hashes[0]}`);
    assert.equal(new Set(hashes).size, 1, `one checkpoint hash: ${hashes}`);
    await icp.locator('.room-bar [data-speed="4"]').click();

    // The same screens in Japanese.
    for (const [c, name] of [[gm, 'game-master'], [ic, 'commander'], [op, 'operator'], [comms, 'communications']]) {
      await c.page.getByRole('button', { name: '日本語' }).click();
      await c.page.locator('.room-screen').waitFor();
      await screenshot(c.page, `room-${name}-ja`);
      assert.deepEqual(await latinWords(c.page), [], `no English on the ${name}'s Japanese screen`);
    }
    assert.match(await icp.locator('.room-bar').innerText(), /インシデントコマンダー/);
    for (const c of [gm, ic, op, comms]) {
      await c.page.getByRole('button', { name: 'English' }).click();
    }

    // The commander declares resolved: the drill runs to its end and the server's verified
    // result reaches everyone, the same for all.
    await icp.locator('[data-action="resolve"]').click();
    const scores = [];
    for (const c of [gm, ic, op, comms, late]) {
      const result = c.page.getByTestId('team-result');
      await result.waitFor({ timeout: 60_000 });
      scores.push(await result.locator('[data-team-score]').getAttribute('data-team-score'));
      assert.equal(await c.page.locator('[data-divergence]').count(), 0, 'no client diverged');
    }
    assert.equal(new Set(scores).size, 1, `one score: ${scores}`);
    assert.match(await icp.getByTestId('team-result').innerText(), /divergences 0/);
    await screenshot(icp, 'room-result-en');
    // The team's replay: the applied actions only (the declined create-image is not in it).
    const [download] = await Promise.all([
      icp.waitForEvent('download'),
      icp.locator('[data-action="export-replay"]').click(),
    ]);
    const replay = JSON.parse(await readFile(await download.path(), 'utf8'));
    assert.equal(replay.scenario_id, 'seed-ami-trap');
    assert.equal(replay.seed, 3);
    const types = replay.actions.map((a) => a.action.type);
    assert.ok(types.includes('inject') && types.includes('reboot'), `the replay's actions: ${types}`);
    assert.deepEqual(replay.actions.filter((a) => a.action.type === 'create-image').map((a) => a.action.no_reboot), [true], 'only the No reboot image');
    assert.match(await icp.getByTestId('team-result').innerText(), /Game master\s+1\b/, 'the injection is counted');
    for (const c of [gm, ic, op, comms, late]) {
      assert.deepEqual(c.errors, [], 'no page errors');
    }
  } catch (e) {
    // What each page showed when it failed: its team log and screen.
    for (const [i, c] of contexts.entries()) {
      const log = await c.page.locator('.room-log').innerText().catch(() => '(no log)');
      console.log(`--- page ${i}: ${c.page.url()}\n${log}`);
      await screenshot(c.page, `room-failure-${i}`).catch(() => {});
    }
    throw e;
  } finally {
    for (const c of contexts) await c.close();
  }
});
