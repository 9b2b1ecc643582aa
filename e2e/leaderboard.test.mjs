// End-to-end: the leaderboard, against the real `drill serve` that `cargo xtask test` starts
// (QD_BASE_URL, a temporary database, and QD_ADMIN_TOKEN to create competitions).
// Submit from the debrief, see the run ranked with the server's score, watch it as a ghost;
// join a competition by code, play one of its fixed seeds, see the individual and team
// tables; team drills opened for the competition, played over the room's WebSocket, in
// its team-drill table with who held which seat; and, with /api answered by a static
// host's 404, the local leaderboard.
// Screenshots: artifacts/screens/leaderboard-*.png, comp-team-drills-{en,ja}.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseUrl, collectErrors, launch, screenshot } from './browser.mjs';
import { playTeamDrill, pollJson, postFrom as postFromTo } from './teamdrill.mjs';

const ADMIN_TOKEN = process.env.QD_ADMIN_TOKEN ?? '';
/** Distinct per run, so re-running against a long-lived dev server still creates runs. */
const RUN = String(Date.now() % 1_000_000);

/** A browser on `path`: the trainee's page (index.html) unless told otherwise. */
async function open(opts, path = '/') {
  const b = await launch(opts);
  const errors = collectErrors(b.page);
  await b.page.goto(`${baseUrl()}${path}`, { waitUntil: 'load' });
  await b.page.getByRole('heading', { level: 1, name: 'Quorum Drill' }).waitFor({ timeout: 30_000 });
  return { ...b, errors };
}

async function api(path, init = {}) {
  const res = await fetch(`${baseUrl()}${path}`, init);
  const body = await res.json();
  return { status: res.status, body };
}

/** Submits `body` through the API as a new player identity (as another browser would). */
async function submitAsNewPlayer(body) {
  const minted = await api('/api/identities', { method: 'POST' });
  assert.equal(minted.status, 201, JSON.stringify(minted.body));
  return api('/api/runs', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${minted.body.token}` },
    body: JSON.stringify(body),
  });
}

/**
 * Fails the test unless QD_BASE_URL answers as the leaderboard server (`drill serve`, which
 * `cargo xtask test` starts) and, with `admin`, QD_ADMIN_TOKEN is set. A test that cannot
 * reach its server fails rather than skips: a skipped test would let a broken build pass.
 */
async function requireServer({ admin = false } = {}) {
  let status;
  try {
    status = (await api('/api/version')).status;
  } catch (e) {
    assert.fail(`no leaderboard server at ${baseUrl()} (GET /api/version: ${e.message}); run the e2e tests through \`cargo xtask test\`, which starts \`drill serve\``);
  }
  assert.equal(status, 200, `GET ${baseUrl()}/api/version answered ${status}: QD_BASE_URL is not a leaderboard server`);
  if (admin) assert.ok(ADMIN_TOKEN, 'QD_ADMIN_TOKEN is not set: competitions cannot be created (cargo xtask test sets it)');
}

/** Waits for the server's verdict on a submission; fails with the server's error if it refused. */
async function submitResult(page) {
  const result = page.locator('.submit-result');
  const error = page.locator('#submit-error');
  await result.or(error).first().waitFor({ timeout: 30_000 });
  if (await error.count()) assert.fail(`the server refused the run: ${await error.innerText()}`);
  return result;
}

async function endDrill(page) {
  await page.locator('.drill-end').getByRole('button', { name: 'End drill' }).click();
  await page.getByRole('alertdialog', { name: 'End the drill now?' }).getByRole('button', { name: 'End drill' }).click();
  await page.locator('[data-screen="debrief"]').waitFor();
}

/** Home → seed, exam mode → briefing → console. */
async function startDrill(page, { scenario = 'seed-ami-trap', seed }) {
  await page.locator('#seed-input').fill(String(seed));
  await page.getByRole('radio', { name: /^Exam/ }).click();
  await page.locator(`[data-scenario="${scenario}"]`).getByRole('button', { name: 'Start', exact: true }).click();
  await page.getByRole('button', { name: 'Acknowledge and open the console' }).click();
  await page.locator('.instances-table').waitFor();
}

async function rebootNode3(page) {
  await page.getByRole('checkbox', { name: 'Select node-3' }).check();
  await page.getByRole('button', { name: 'Instance state' }).click();
  await page.getByRole('menuitem', { name: 'Reboot instance' }).click();
  await page.getByRole('alertdialog', { name: 'Reboot instance?' }).getByRole('button', { name: 'Reboot', exact: true }).click();
  await page.locator('.flash-ok').first().waitFor();
}

test('submit from the debrief, see the run ranked with the server score, watch it as a ghost', { timeout: 120_000 }, async () => {
  await requireServer();
  const { page, errors, close } = await open();
  try {
    const player = `Aiko ${RUN}`;
    await startDrill(page, { seed: 31337 });
    await rebootNode3(page);
    await endDrill(page);
    const localScore = Number(await page.locator('.debrief-score').getAttribute('data-score'));

    const card = page.locator('.submit-card[data-availability="ready"]');
    await card.waitFor();
    // Client-side validation, with the server's rules and sentence.
    await page.locator('#submit-player').fill('<b>x</b>');
    await card.getByRole('button', { name: 'Submit to leaderboard' }).click();
    assert.match(await page.locator('#submit-player-hint').innerText(), /player name contains the character U\+003C/);
    assert.equal(await page.locator('#submit-player').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'submit-player', 'focus goes to the bad field');
    await screenshot(page, 'leaderboard-submit-invalid');

    await page.locator('#submit-player').fill(player);
    await page.locator('#submit-team').fill('SRE Tokyo');
    await card.getByRole('button', { name: 'Submit to leaderboard' }).click();
    const result = await submitResult(page);
    const serverScore = Number(await result.getAttribute('data-server-score'));
    const runId = await result.getAttribute('data-run-id');
    assert.equal(serverScore, localScore, 'the server re-simulates to the same score');
    assert.match(await result.innerText(), /The server re-ran your replay: score -?\d+ \(grade [SABCDF]\), rank #\d+/);
    assert.equal(await page.locator('[data-score-differs]').count(), 0);
    await screenshot(page, 'leaderboard-submitted');

    // The names are remembered in the settings.
    const settings = JSON.parse(await page.evaluate(() => localStorage.getItem('qd.v1.settings')));
    assert.equal(settings.player, player);
    assert.equal(settings.team, 'SRE Tokyo');

    // The first submission got this browser a player identity from the server: its key is
    // shown once, with the run, and kept in localStorage.
    const key = await page.evaluate(() => localStorage.getItem('qd.v1.identity'));
    assert.match(key, /^qd1_[A-Za-z0-9_-]{43}$/);
    assert.equal(await page.locator('#identity-new').innerText(), key);
    assert.ok(Number.isInteger((await api(`/api/runs/${runId}`)).body.player_id), "the run is an identity's");

    // The scenario leaderboard lists it, highlighted, with the server's score.
    await result.getByRole('button', { name: 'View leaderboard' }).click();
    await page.locator('[data-screen="leaderboard"]').waitFor();
    const row = page.locator(`table[data-board="server"] tr[data-run-id="${runId}"]`);
    await row.waitFor();
    assert.match(await row.getAttribute('class'), /highlight/);
    const cells = await row.locator('td').allInnerTexts();
    assert.equal(cells[1], player);
    assert.equal(cells[2], 'SRE Tokyo');
    assert.equal(Number(cells[3]), serverScore);
    assert.equal(cells[7], '31337');
    // The mode column: the run's recorded mode, on the Exam board it was ranked on.
    assert.equal(cells[8], 'Exam');
    assert.match(cells[9], /^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    await screenshot(page, 'leaderboard-scenario');

    // Export: the leaderboard shows the key on demand, to copy to another browser.
    await page.getByRole('button', { name: 'Export key' }).click();
    assert.equal(await page.locator('#identity-token').inputValue(), key);

    // Watch: the ghost replay plays read-only in the console.
    await row.getByRole('button', { name: `Watch run ${runId} by ${player}` }).click();
    await page.locator('[data-screen="drill"]').waitFor();
    const banner = await page.locator('.banner').innerText();
    assert.match(banner, /Ghost replay/);
    assert.ok(banner.includes(player), banner);
    assert.ok(await page.locator('#actions-button').isDisabled(), 'read-only');
    await page.locator('.clock-controls [data-speed="60"]').click();
    const now = async () => Number(await page.locator('.clock-now').getAttribute('data-now-ms'));
    const t0 = await now();
    await page.waitForTimeout(1500);
    assert.ok((await now()) > t0, 'the ghost replay plays');
    await screenshot(page, 'leaderboard-ghost');
    await endDrill(page);
    assert.equal(await page.locator('.debrief-score').getAttribute('data-score'), String(serverScore), 'the ghost reproduces the run');
    assert.equal(await page.locator('.submit-card').getAttribute('data-availability'), 'replay', 'a replay cannot be submitted');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('a player key exported from one browser and imported in another submits as the same player', { timeout: 150_000 }, async () => {
  await requireServer();
  const player = `Kai ${RUN}`;
  const first = await open();
  let key, firstRun;
  try {
    await startDrill(first.page, { seed: 4242 });
    await endDrill(first.page);
    await first.page.locator('.submit-card[data-availability="ready"]').waitFor();
    await first.page.locator('#submit-player').fill(player);
    await first.page.locator('.submit-card').getByRole('button', { name: 'Submit to leaderboard' }).click();
    firstRun = await (await submitResult(first.page)).getAttribute('data-run-id');
    await first.page.locator('.submit-result').getByRole('button', { name: 'View leaderboard' }).click();
    await first.page.getByRole('button', { name: 'Export key' }).click();
    key = await first.page.locator('#identity-token').inputValue();
    assert.match(key, /^qd1_/);
    assert.deepEqual(first.errors, []);
  } finally {
    await first.close();
  }

  // Another browser (empty storage): without the key, the name is someone else's.
  const second = await open();
  try {
    const { page, errors } = second;
    await page.locator('.topnav').getByRole('button', { name: 'Leaderboard' }).click();
    await page.locator('[data-screen="leaderboard"]').waitFor();
    // The trainee's page has no board screens: the board opened on boards.html, which
    // names it in its address (a reload or a shared link shows the same board).
    assert.match(page.url(), /\/boards\.html#board=seed-ami-trap&mode=exam$/);
    await page.reload({ waitUntil: 'load' });
    await page.locator('[data-screen="leaderboard"] [data-board-scenario="seed-ami-trap"].active').waitFor({ timeout: 30_000 });
    await page.locator('#identity-import').fill('not a key');
    await page.getByRole('button', { name: 'Import key' }).click();
    assert.match(await page.locator('#identity-note').innerText(), /not a player key/);
    await page.locator('#identity-import').fill(key);
    await page.getByRole('button', { name: 'Import key' }).click();
    assert.match(await page.locator('#identity-note').innerText(), /Key imported/);
    assert.equal(await page.evaluate(() => localStorage.getItem('qd.v1.identity')), key);
    await screenshot(page, 'leaderboard-identity-imported');

    await page.locator('.topnav').getByRole('button', { name: 'Scenarios' }).click();
    await startDrill(page, { seed: 4243 });
    await rebootNode3(page);
    await endDrill(page);
    await page.locator('.submit-card[data-availability="ready"]').waitFor();
    await page.locator('#submit-player').fill(player);
    await page.locator('.submit-card').getByRole('button', { name: 'Submit to leaderboard' }).click();
    const secondRun = await (await submitResult(page)).getAttribute('data-run-id');
    assert.equal(await page.locator('#identity-new').count(), 0, 'no new key: the imported one was used');
    const a = (await api(`/api/runs/${firstRun}`)).body;
    const b = (await api(`/api/runs/${secondRun}`)).body;
    assert.equal(b.player_id, a.player_id, 'both runs are the same identity');
    assert.equal(b.player, player);
    assert.deepEqual(errors, []);
  } finally {
    await second.close();
  }
});

test('join a competition by code, play a fixed seed, submit with the code, see the tables', { timeout: 150_000 }, async () => {
  await requireServer({ admin: true });
  const version = (await api('/api/version')).body;
  const now = Date.now();
  const created = await api('/api/competitions', {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      name: `Game day ${RUN}`,
      starts_at: new Date(now - 60_000).toISOString(),
      ends_at: new Date(now + 2 * 3600_000 + 30_000).toISOString(),
      scenarios: [{ id: 'seed-ami-trap', seeds: [3, 7] }, { id: 'sandbox', seeds: [11] }],
    }),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const code = created.body.code;

  // Another member of team Red submits through the API (no claimed score: the server scores it).
  const sandbox = version.scenarios.find((s) => s.id === 'sandbox');
  const bob = await submitAsNewPlayer({
    player: `Bob ${RUN}`, team: `Red ${RUN}`, competition: code,
    replay: { format_version: version.replay_format_version, sim_version: version.sim_version, scenario_id: 'sandbox', scenario_hash: sandbox.hash, seed: 11, mode: 'exam', actions: [] },
  });
  assert.equal(bob.status, 201, JSON.stringify(bob.body));

  const { page, errors, close } = await open();
  try {
    // The trainee's page links to competitions, which boards.html holds (the second bundle).
    await page.locator('[data-competition-link] a').click();
    await page.waitForURL(/\/boards\.html$/);
    // Join with the code typed in lower case (codes are case-insensitive).
    await page.locator('#join-code').fill(code.toLowerCase());
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    const card = page.locator(`.competition-card [data-competition="${code}"]`);
    await card.waitFor();
    assert.match(await card.locator('.comp-name').innerText(), new RegExp(`Game day ${RUN}`));
    const clock = card.locator('.comp-window');
    assert.equal(await clock.getAttribute('data-window'), 'open');
    assert.match(await clock.innerText(), /^2 h 0\d min left$/);
    // Each scenario with its fixed seeds; the seed fields are locked.
    const seeds = await card.locator('.comp-seed').evaluateAll((rows) => rows.map((r) => `${r.dataset.compScenario}:${r.dataset.seed}`));
    assert.deepEqual(seeds, ['seed-ami-trap:3', 'seed-ami-trap:7', 'sandbox:11']);
    const seed7 = card.locator('[data-comp-scenario="seed-ami-trap"][data-seed="7"]');
    const seedInput = seed7.locator('input');
    assert.equal(await seedInput.inputValue(), '7');
    assert.notEqual(await seedInput.getAttribute('readonly'), null);
    assert.ok(!(await seedInput.isEditable()), 'the fixed seed cannot be edited');
    assert.match(await page.locator('[data-scenario="seed-ami-trap"] [data-comp-tag]').innerText(), /competition seeds 3, 7/);
    await screenshot(page, 'leaderboard-competition-home');

    // The code is remembered: a reload shows the competition again.
    await page.reload({ waitUntil: 'load' });
    await card.waitFor({ timeout: 30_000 });

    // Play seed 7 from the competition: the briefing and the console say the seed is fixed.
    await page.getByRole('radio', { name: /^Exam/ }).click();
    await seed7.getByRole('button', { name: /^Start .* with seed 7$/ }).click();
    assert.match(await page.locator('.briefing-facts').innerText(), /7\s*fixed by the competition/);
    assert.match(await page.locator('.briefing-facts').innerText(), new RegExp(`Game day ${RUN}`));
    await screenshot(page, 'leaderboard-competition-briefing');
    await page.getByRole('button', { name: 'Acknowledge and open the console' }).click();
    await page.locator('.instances-table').waitFor();
    assert.match(await page.locator('.banner').innerText(), new RegExp(`Competition drill — Game day ${RUN} \\(${code}\\): seed 7 is fixed`));
    await endDrill(page);

    // Submit with the code (pre-filled) and a team.
    assert.equal(await page.locator('#submit-code').inputValue(), code);
    await page.locator('#submit-player').fill(`Ann ${RUN}`);
    await page.locator('#submit-team').fill(`Red ${RUN}`);
    await page.locator('.submit-card').getByRole('button', { name: 'Submit to leaderboard' }).click();
    const result = await submitResult(page);
    assert.match(await result.innerText(), new RegExp(`#1 in competition ${code}`));
    const annScore = Number(await result.getAttribute('data-server-score'));
    await screenshot(page, 'leaderboard-competition-submitted');

    // The competition page: individual and team tables.
    await page.locator('.topnav').getByRole('button', { name: 'Competition' }).click();
    await page.locator('[data-screen="competition"]').waitFor();
    const individuals = page.locator('table[data-table="individuals"]');
    await individuals.locator(`tr[data-player="Ann ${RUN}"]`).waitFor();
    const annTotal = Number(await individuals.locator(`tr[data-player="Ann ${RUN}"] [data-total]`).getAttribute('data-total'));
    const bobTotal = Number(await individuals.locator(`tr[data-player="Bob ${RUN}"] [data-total]`).getAttribute('data-total'));
    assert.equal(annTotal, annScore);
    assert.equal(bobTotal, bob.body.score);
    const red = page.locator(`table[data-table="teams"] tr[data-team="Red ${RUN}"]`);
    assert.equal(Number(await red.locator('[data-total]').getAttribute('data-total')), annScore + bob.body.score, 'team = sum of its members');
    assert.match(await red.innerText(), new RegExp(`Ann ${RUN}.*Bob ${RUN}|Bob ${RUN}.*Ann ${RUN}`, 's'));
    await screenshot(page, 'leaderboard-competition-tables');

    // A competition scenario's own leaderboard holds only the competition's runs.
    await page.getByRole('button', { name: 'Leaderboard: One down, two to go' }).click();
    await page.locator(`[data-competition-filter="${code}"]`).waitFor();
    // The filter line shows before the board's answer: wait for its rows (seen on PostgreSQL).
    await page.locator('table[data-board="server"] td.col-player').first().waitFor();
    const players = await page.locator('table[data-board="server"] td.col-player').allInnerTexts();
    assert.deepEqual(players, [`Ann ${RUN}`]);
    await screenshot(page, 'leaderboard-competition-board');

    // Watch Bob's best run from the competition page.
    await page.locator('.topnav').getByRole('button', { name: 'Competition' }).click();
    await individuals.locator(`tr[data-player="Bob ${RUN}"]`).getByRole('button', { name: /^Watch run \d+ by Bob/ }).click();
    await page.locator('[data-screen="drill"]').waitFor();
    assert.match(await page.locator('.banner').innerText(), new RegExp(`Ghost replay.*Bob ${RUN}`));
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('boards by mode and seed: an Exam-only competition greys out a Mentor run, which ranks on the Mentor board', { timeout: 150_000 }, async () => {
  await requireServer({ admin: true });
  const version = (await api('/api/version')).body;
  const now = Date.now();
  const created = await api('/api/competitions', {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      name: `Exam day ${RUN}`,
      starts_at: new Date(now - 60_000).toISOString(),
      ends_at: new Date(now + 3600_000).toISOString(),
      scenarios: [{ id: 'seed-ami-trap', seeds: [5, 6] }],
    }),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const code = created.body.code;
  const trap = version.scenarios.find((s) => s.id === 'seed-ami-trap');
  const cleo = await submitAsNewPlayer({
    player: `Cleo ${RUN}`, competition: code,
    replay: { format_version: version.replay_format_version, sim_version: version.sim_version, scenario_id: 'seed-ami-trap', scenario_hash: trap.hash, seed: 6, mode: 'exam', actions: [] },
  });
  assert.equal(cleo.status, 201, JSON.stringify(cleo.body));

  const { page, errors, close } = await open({}, '/boards.html');
  try {
    await page.locator('#join-code').fill(code);
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    const card = page.locator(`.competition-card [data-competition="${code}"]`);
    await card.waitFor();

    // The competition page: Exam only, the counting rule, the seed of each best run.
    await page.locator('.topnav').getByRole('button', { name: 'Competition' }).click();
    await page.locator('[data-screen="competition"]').waitFor();
    assert.equal(await page.locator('[data-exam-only]').innerText(), 'Exam only');
    assert.equal(await page.locator('[data-counting]').innerText(),
      'Per scenario, only your best run counts, whichever of its seeds it was played on; your total is the sum over the scenarios.');
    const cleoRow = page.locator(`table[data-table="individuals"] tr[data-player="Cleo ${RUN}"]`);
    assert.equal(await cleoRow.locator('[data-best-seed]').innerText(), 'seed 6');
    await screenshot(page, 'leaderboard-exam-only-competition');

    // A Mentor run of the competition's seed 5: greyed out before sending, with the reason.
    await page.locator('.topnav').getByRole('button', { name: 'Scenarios' }).click();
    await page.getByRole('radio', { name: /^Mentor/ }).click();
    await card.locator('[data-comp-scenario="seed-ami-trap"][data-seed="5"]').getByRole('button', { name: /with seed 5$/ }).click();
    await page.getByRole('button', { name: 'Acknowledge and open the console' }).click();
    await page.locator('.instances-table').waitFor();
    await endDrill(page);
    assert.equal(await page.locator('#submit-code').inputValue(), code);
    await page.locator('#submit-player').fill(`Mo ${RUN}`);
    const submit = page.locator('.submit-card').getByRole('button', { name: 'Submit to leaderboard' });
    assert.ok(await submit.isDisabled(), 'a Mentor run cannot be sent to an Exam-only competition');
    assert.match(await page.locator('[data-exam-required]').innerText(),
      new RegExp(`competition "Exam day ${RUN}" counts only Exam runs.*Mentor mode`));
    await screenshot(page, 'leaderboard-exam-required');

    // Without the code it goes to the open board, and says which board it ranks on.
    await page.locator('#submit-code').fill('');
    await submit.click();
    const result = await submitResult(page);
    assert.match(await result.innerText(), /rank #1 on this scenario's Mentor board/);
    const runId = await result.getAttribute('data-run-id');

    // The board opens on the Mentor board it ranks on; the Exam board does not list it.
    await result.getByRole('button', { name: 'View leaderboard' }).click();
    await page.locator('[data-screen="leaderboard"]').waitFor();
    const shows = page.locator('[data-board-shows]');
    const row = page.locator(`table[data-board="server"] tr[data-run-id="${runId}"]`);
    await row.waitFor();
    assert.match(await row.getAttribute('class'), /highlight/);
    assert.equal(await shows.innerText(), 'Mentor runs · all seeds');
    await page.locator('#board-mode').selectOption('exam');
    await page.locator(`table[data-board="server"] tr[data-run-id="${cleo.body.id}"]`).waitFor();
    assert.equal(await shows.innerText(), 'Exam runs · all seeds');
    assert.equal(await page.locator(`tr[data-run-id="${runId}"]`).count(), 0, 'not beside Exam runs');
    await page.locator('#board-mode').selectOption('mentor');
    await row.waitFor();
    const cells = await row.locator('td').allInnerTexts();
    assert.deepEqual([cells[7], cells[8]], ['5', 'Mentor']);
    await page.locator('#board-seed').fill('6');
    await page.locator('#board-seed').blur();
    await page.locator('p[data-board="server"]').waitFor();
    assert.equal(await shows.innerText(), 'Mentor runs · seed 6');
    assert.equal(await row.count(), 0, 'seed 6 has no Mentor run');
    await page.locator('#board-seed').fill('5');
    await page.locator('#board-seed').blur();
    await row.waitFor();
    assert.equal(await shows.innerText(), 'Mentor runs · seed 5');
    await page.locator('#board-mode').selectOption('all');
    await page.locator('[data-board-shows="all"]').waitFor();
    await row.waitFor();
    await screenshot(page, 'leaderboard-filtered');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('without a leaderboard server the game keeps a local leaderboard and says so', { timeout: 90_000 }, async () => {
  const b = await launch();
  const errors = collectErrors(b.page);
  try {
    const { page } = b;
    // A static host: every /api path is its 404 page.
    await page.route('**/api/**', (route) => route.fulfill({ status: 404, contentType: 'text/html', body: '<!doctype html><h1>404</h1>' }));
    await page.goto(`${baseUrl()}/`, { waitUntil: 'load' });
    await page.getByRole('heading', { level: 1, name: 'Quorum Drill' }).waitFor({ timeout: 30_000 });
    await page.locator('[data-competition-link]').waitFor();
    await startDrill(page, { seed: 5 });
    await endDrill(page);
    const score = await page.locator('.debrief-score').getAttribute('data-score');
    assert.match(await page.locator('.submit-card[data-availability="offline"]').innerText(), /No leaderboard server: your run was added to your local leaderboard/);
    await page.locator('.submit-card').getByRole('button', { name: 'View leaderboard' }).click();
    await page.locator('[data-screen="leaderboard"]').waitFor();
    assert.equal(await page.locator('[data-offline]').innerText(), 'No leaderboard server: showing your local runs');
    const row = page.locator('table[data-board="local"] tbody tr').first();
    const cells = await row.locator('td').allInnerTexts();
    assert.equal(cells[0], '1');
    assert.equal(cells[1], 'you');
    assert.equal(cells[3], score);
    await screenshot(page, 'leaderboard-local');
    // A local run can be watched too.
    await row.getByRole('button', { name: 'Watch your run ranked 1' }).click();
    await page.locator('[data-screen="drill"]').waitFor();
    assert.match(await page.locator('.banner').innerText(), /Replay viewer/);
    // Only the simulated 404s were logged.
    assert.deepEqual(errors.filter((e) => !/status of 404/.test(e)), []);
  } finally {
    await b.close();
  }
});

test('日本語: the leaderboard and the submit card speak Japanese', { timeout: 90_000 }, async () => {
  await requireServer();
  const { page, errors, close } = await open();
  try {
    await page.getByRole('button', { name: '日本語' }).click();
    await page.locator('#seed-input').fill('2024');
    await page.locator('[data-scenario="seed-ami-trap"]').getByRole('button', { name: '開始', exact: true }).click();
    await page.getByRole('button', { name: '了解してコンソールを開く' }).click();
    await page.locator('.instances-table').waitFor();
    await page.locator('.drill-end').getByRole('button', { name: '訓練を終了' }).click();
    await page.getByRole('alertdialog', { name: '訓練をここで終了しますか？' }).getByRole('button', { name: '訓練を終了' }).click();
    await page.locator('[data-screen="debrief"]').waitFor();
    await page.locator('#submit-player').fill('山田 太郎');
    await page.locator('.submit-card').getByRole('button', { name: 'リーダーボードに登録' }).click();
    const result = await submitResult(page);
    assert.match(await result.innerText(), /サーバーがリプレイを再実行しました/);
    await result.getByRole('button', { name: 'リーダーボードを見る' }).click();
    await page.locator('table[data-board="server"] td.col-player', { hasText: '山田 太郎' }).first().waitFor();
    assert.match(await page.locator('table[data-board="server"] thead').innerText(), /順位[\s\S]*プレイヤー[\s\S]*スコア/);
    await screenshot(page, 'leaderboard-ja');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

/** POSTs from the loopback address `from` (e2e/teamdrill.mjs): the server's limits are
 * per client address (10 new identities an hour), and a board's players are people on
 * their own machines. */
function postFrom(from, path, body, token) {
  return postFromTo(baseUrl(), from, path, body, token);
}

test('a board longer than a page: Show more brings the next runs; a player with several runs lists them', { timeout: 150_000 }, async () => {
  await requireServer();
  const version = (await api('/api/version')).body;
  const nodeHang = version.scenarios.find((s) => s.id === 'node-hang');
  const replay = (seed) => ({
    format_version: version.replay_format_version, sim_version: version.sim_version,
    scenario_id: 'node-hang', scenario_hash: nodeHang.hash, seed, mode: 'exam', actions: [],
  });
  // One more player than a page (25 rows), each with a run of their own seed; the first
  // player submits a second run too.
  const players = [];
  for (let i = 0; i < 26; i++) {
    const from = `127.0.0.${10 + Math.floor(i / 9)}`;
    const minted = await postFrom(from, '/api/identities');
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    const name = `Pager ${RUN} ${String(i).padStart(2, '0')}`;
    const run = await postFrom(from, '/api/runs', { player: name, replay: replay(Number(RUN) * 100 + i) }, minted.body.token);
    assert.equal(run.status, 201, JSON.stringify(run.body));
    players.push({ name, token: minted.body.token, from });
  }
  const again = await postFrom(players[0].from, '/api/runs', { player: players[0].name, replay: replay(Number(RUN) * 100 + 99) }, players[0].token);
  assert.equal(again.status, 201, JSON.stringify(again.body));

  const { page, errors, close } = await open();
  try {
    // The board's own address (what index.html hands over, or a shared link).
    await page.goto(`${baseUrl()}/boards.html#board=node-hang&mode=exam`, { waitUntil: 'load' });
    const rows = page.locator('table[data-board="server"] tbody tr');
    await rows.first().waitFor({ timeout: 30_000 });
    assert.equal(await rows.count(), 25, 'one page');
    await page.getByRole('button', { name: 'Show more' }).click();
    await page.waitForFunction(() => document.querySelectorAll('table[data-board="server"] tbody tr').length > 25);
    const pager = page.locator('table[data-board="server"] td.col-player', { hasText: `Pager ${RUN}` });
    assert.equal(await pager.count(), 26, 'every player once: their best run');
    // Ranked through the page break: the ranks go on from 25.
    const ranks = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.querySelector('td').textContent)));
    assert.deepEqual(ranks, ranks.map((_, i) => i + 1));
    await screenshot(page, 'leaderboard-more');

    // The first player's two runs, behind their best one.
    const first = page.locator('tr', { has: page.locator('td.col-player', { hasText: players[0].name }) });
    await first.locator('button[data-player-runs="2"]').click();
    await page.locator(`[data-player-filter="${players[0].name}"]`).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('table[data-board="server"] tbody tr').length === 2);
    const names = await page.locator('table[data-board="server"] td.col-player').allInnerTexts();
    assert.deepEqual(names.map((n) => n.replace(/\d+ runs$/, '').trim()), [players[0].name, players[0].name]);
    // Back to the board as it was: both pages.
    await page.getByRole('button', { name: 'Best run of each player' }).click();
    await page.waitForFunction(() => document.querySelectorAll('table[data-board="server"] tbody tr').length === 26);
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});

test('team drills count for the host\'s team: the competition page ranks them, per scenario the best with its seed, seats and verified result, in English and Japanese', { timeout: 180_000 }, async () => {
  await requireServer({ admin: true });
  const version = (await api('/api/version')).body;
  const now = Date.now();
  const created = await api('/api/competitions', {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      name: `チーム訓練大会 ${RUN}`,
      starts_at: new Date(now - 60_000).toISOString(),
      ends_at: new Date(now + 3600_000).toISOString(),
      // The players' own runs on seeds of this run (a run counts once on the server).
      scenarios: [{ id: 'seed-ami-trap', seeds: [3] }, { id: 'sandbox', seeds: [11, 12, ...[0, 1, 2, 3, 4].map((i) => Number(RUN) * 10 + i)] }],
    }),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const comp = created.body.code;

  // Teams form with their members' runs (each player's own seed: a run is one player's).
  const sandbox = version.scenarios.find((s) => s.id === 'sandbox');
  const base = baseUrl();
  const post = (from, path, body, token) => postFromTo(base, from, path, body, token);
  const people = {};
  for (const [i, [key, name, team]] of [
    ['ann', `杏 ${RUN}`, `赤組 ${RUN}`], ['bob', `望 ${RUN}`, `赤組 ${RUN}`],
    ['cy', `千代 ${RUN}`, `青組 ${RUN}`], ['di', `大地 ${RUN}`, `青組 ${RUN}`], ['eve', `恵 ${RUN}`, `青組 ${RUN}`],
  ].entries()) {
    const from = `127.0.0.${40 + i}`;
    const minted = await post(from, '/api/identities');
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    const run = await post(from, '/api/runs', {
      player: name, team, competition: comp,
      replay: { format_version: version.replay_format_version, sim_version: version.sim_version, scenario_id: 'sandbox', scenario_hash: sandbox.hash, seed: Number(RUN) * 10 + i, mode: 'exam', actions: [] },
    }, minted.body.token);
    assert.equal(run.status, 201, JSON.stringify(run.body));
    people[key] = { name, team, token: minted.body.token, from };
  }
  const { ann, bob, cy, di, eve } = people;
  const openRoom = async (host, scenario_id, seed) => {
    const opened = await post(host.from, '/api/rooms', { scenario_id, seed, speed: 16, competition: comp }, host.token);
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    return opened.body.code;
  };

  const { page, errors, close } = await open({ viewport: { width: 1440, height: 900 } });
  try {
    // Three drills, each opened by a member for the competition and played by the team.
    const seat = (role, p) => ({ role, name: p.name, identity: p.token });
    const redAmi = await openRoom(ann, 'seed-ami-trap', 3);
    const d1 = await playTeamDrill(page, redAmi, [seat('commander', ann), seat('operator', bob)]);
    assert.deepEqual(d1.counts_for, { kind: 'competition', code: comp, name: `チーム訓練大会 ${RUN}`, team: ann.team, require_exam: true });
    const redSandbox = await openRoom(bob, 'sandbox', 11);
    const d2 = await playTeamDrill(page, redSandbox, [seat('commander', bob), seat('operator', ann)], { health: false });
    // Blue first plays Red's sandbox drill again, move for move: a replay counts once, for
    // the first team to end with it. Then a drill of its own, on another of the seeds.
    const blueCopy = await openRoom(cy, 'sandbox', 11);
    await playTeamDrill(page, blueCopy, [seat('commander', cy), seat('operator', di)], { health: false });
    const blueSandbox = await openRoom(cy, 'sandbox', 12);
    const d3 = await playTeamDrill(page, blueSandbox, [seat('commander', cy), seat('operator', di), seat('communications', eve)]);
    const table = await pollJson(base, `/api/competitions/${comp}/team-drills`,
      (t) => t.rows.length === 2 && t.rows.reduce((n, r) => n + r.bests.length, 0) === 3);

    await page.goto(`${base}/boards.html`, { waitUntil: 'load' });
    await page.locator('#join-code').fill(comp);
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.locator(`.competition-card [data-competition="${comp}"]`).waitFor({ timeout: 30_000 });
    await page.locator('.topnav').getByRole('button', { name: 'Competition' }).click();
    const card = page.locator('[data-card="team-drills"]');
    const rows = card.locator('table[data-table="team-drills"] tbody tr');
    // What a reader reads in a seat list: "Role: name", one line each.
    const seats = (cell) => cell.locator('.seat-list li').evaluateAll((lis) => lis.map((li) => li.textContent.replace(/\s+/g, ' ').trim()));
    await rows.first().waitFor({ timeout: 30_000 });

    // Ranked as the server ranks them; a team's total is the sum of its best drills.
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => ({
      rank: tr.cells[0].textContent, team: tr.dataset.team, total: Number(tr.querySelector('[data-total]').textContent),
    })));
    assert.deepEqual(shown, table.rows.map((r) => ({ rank: String(r.rank), team: r.team, total: r.total })));
    const red = card.locator(`tr[data-team="${ann.team}"]`);
    const blue = card.locator(`tr[data-team="${cy.team}"]`);
    assert.equal(Number(await red.locator('[data-total]').innerText()), d1.result.score + d2.result.score, 'Red: its two drills');
    assert.equal(Number(await blue.locator('[data-total]').innerText()), d3.result.score);

    // Per scenario: the score, the seed, who held which seat, and the verified result.
    const redAmiCell = red.locator('[data-scenario="seed-ami-trap"]');
    assert.equal(await redAmiCell.getAttribute('data-seed'), '3');
    assert.match(await redAmiCell.innerText(), new RegExp(`^${d1.result.score}\\s*seed 3\\s*Verified result`));
    assert.deepEqual(await seats(redAmiCell), [`Incident commander: ${ann.name}`, `Operator: ${bob.name}`]);
    assert.deepEqual(await seats(red.locator('[data-scenario="sandbox"]')), [`Incident commander: ${bob.name}`, `Operator: ${ann.name}`]);
    assert.deepEqual(await seats(blue.locator('[data-scenario="sandbox"]')),
      [`Incident commander: ${cy.name}`, `Operator: ${di.name}`, `Communications: ${eve.name}`]);
    assert.equal(await blue.locator('td').nth(3).innerText(), '—', 'Blue played no drill of the first scenario');
    const blueBest = blue.locator('[data-scenario="sandbox"]');
    assert.deepEqual([await blueBest.getAttribute('data-seed'), await blueBest.getAttribute('data-room')], ['12', blueSandbox],
      'the copy of Red\'s drill counts for no one');
    assert.match(await blueBest.innerText(), /seed 12/);
    const link = blue.getByRole('link', { name: `The verified result of ${cy.team}'s drill (room ${blueSandbox})` });
    const href = await link.getAttribute('href');
    assert.equal(href, `/api/rooms/${blueSandbox}/result`);
    const verified = await (await fetch(`${base}${href}`)).json();
    assert.equal(verified.score, d3.result.score, 'the link is the drill the table counts');
    assert.deepEqual(verified.players.map((p) => p.name), [cy.name, di.name, eve.name]);

    // The counting rule, and this competition's Exam line.
    const rule = await card.locator('[data-team-drill-rule]').innerText();
    assert.match(rule, /counts for the team of the member who opened its room for this competition/);
    assert.match(rule, /there is no game master/);
    assert.match(rule, /a drill's replay counts once/);
    assert.match(rule, /Exam only: no forecast is shown/);
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'comp-team-drills-en');

    // In Japanese: the card speaks Japanese (the names here are Japanese too).
    await page.getByRole('button', { name: '日本語' }).click();
    await card.getByRole('heading', { name: 'チーム訓練' }).waitFor();
    assert.deepEqual(await seats(redAmiCell), [`インシデントコマンダー: ${ann.name}`, `オペレーター: ${bob.name}`]);
    assert.match(await redAmiCell.innerText(), new RegExp(`^${d1.result.score}\\s*シード 3\\s*検証済みの結果`));
    assert.match(await card.locator('[data-team-drill-rule]').innerText(), /試験のみ/);
    const latin = (await card.innerText()).match(/[A-Za-z]+/g);
    assert.equal(latin, null, `English on the Japanese team-drill card: ${latin}`);
    await screenshot(page, 'comp-team-drills-ja');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
