// End-to-end: a team drill that counts for a competition's team (issue 14), in three browsers
// against the real `drill serve` (QD_BASE_URL, QD_ADMIN_TOKEN; `cargo xtask test` starts it).
// Ann and Ben formed team SRE with their runs of an Exam competition, Cat is in team Ops.
// Ann opens a room from the lobby "for my team, in a competition" by its join code; the
// room's bar says what it counts for. Ben takes the operator's seat; Cat, of another team,
// is refused the communications seat with the server's reason. In an Exam competition no
// forecast is shown: even Ben's harmless health check waits for the commander, with the
// exam line instead of a forecast. Ann approves and declares resolved; the drill is on the
// competition's team-drill table for SRE, with who held which seat. Screenshots:
// artifacts/screens/room-teams-*.png. Then the same for a trainer's cohort: the trainer hosts
// and is the game master, only trainees take the acting seats, the cohort page lists them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseUrl, collectErrors, launch, screenshot } from './browser.mjs';
import { postFrom } from './teamdrill.mjs';

const ADMIN_TOKEN = process.env.QD_ADMIN_TOKEN ?? '';
/** Distinct per run, so re-running against a long-lived dev server makes new teams. */
const RUN = String(Date.now() % 1_000_000);
/** The competition's seeds, distinct per run too (a replay counts once on a server). */
const SEED = Number(RUN) * 10 + 1_000;

async function api(path, init = {}) {
  const res = await fetch(`${baseUrl()}${path}`, init);
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

async function requireServer() {
  let status;
  try {
    status = (await api('/api/version')).status;
  } catch (e) {
    assert.fail(`no leaderboard server at ${baseUrl()} (GET /api/version: ${e.message}); run the e2e tests through \`cargo xtask test\`, which starts \`drill serve\``);
  }
  assert.equal(status, 200, `GET ${baseUrl()}/api/version answered ${status}: QD_BASE_URL is not a leaderboard server`);
  assert.ok(ADMIN_TOKEN, 'QD_ADMIN_TOKEN is not set: competitions cannot be created (cargo xtask test sets it)');
}

/** A browser on boards.html#hash whose stored player identity is `token`. */
async function openAs(token, hash) {
  const b = await launch({ viewport: { width: 1440, height: 900 } });
  await b.context.addInitScript((t) => localStorage.setItem('qd.v1.identity', t), token);
  const errors = collectErrors(b.page);
  await b.page.goto(`${baseUrl()}/boards.html${hash}`, { waitUntil: 'load' });
  await b.page.getByRole('heading', { level: 1, name: 'Quorum Drill' }).waitFor({ timeout: 30_000 });
  return { ...b, errors };
}

async function takeSeat(page, name, role) {
  await page.locator('.room-pick input[name="name"]').fill(name);
  await page.locator(`.room-pick input[name="role"][value="${role}"]`).check();
  await page.locator('[data-action="take-seat"]').click();
}

test('a team drill opened for a competition counts for the host\'s team: only its members take the seats, an Exam competition shows no forecast, the table lists it', { timeout: 240_000 }, async () => {
  await requireServer();
  const version = (await api('/api/version')).body;
  const trap = version.scenarios.find((s) => s.id === 'seed-ami-trap');
  const now = Date.now();
  const created = await api('/api/competitions', {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      name: `Team cup ${RUN}`,
      starts_at: new Date(now - 60_000).toISOString(),
      ends_at: new Date(now + 3600_000).toISOString(),
      scenarios: [{ id: 'seed-ami-trap', seeds: [SEED, SEED + 1, SEED + 2] }],
    }),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const competition = created.body.code;
  // Teams form with their members' runs (one seed each: a replay counts once).
  const sre = `SRE${RUN}`;
  const people = {};
  // Each player from a loopback address of their own (the server's limits are per address:
  // new identities an hour), as people on their own machines.
  for (const [i, [name, team, seed]] of [['Ann', sre, SEED], ['Ben', sre, SEED + 1], ['Cat', `Ops${RUN}`, SEED + 2]].entries()) {
    const from = `127.0.0.${70 + i}`;
    const minted = await postFrom(baseUrl(), from, '/api/identities');
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    const run = await postFrom(baseUrl(), from, '/api/runs', {
      player: `${name} ${RUN}`, team, competition,
      replay: { format_version: version.replay_format_version, sim_version: version.sim_version, scenario_id: 'seed-ami-trap', scenario_hash: trap.hash, seed, mode: 'exam', actions: [] },
    }, minted.body.token);
    assert.equal(run.status, 201, JSON.stringify(run.body));
    people[name] = { token: minted.body.token, id: minted.body.player_id };
  }

  const ann = await openAs(people.Ann.token, '#room');
  const contexts = [ann];
  try {
    // The lobby: for my team, in a competition, by its join code.
    const ap = ann.page;
    await ap.locator('select[name="scenario"]').selectOption('seed-ami-trap');
    await ap.locator('input[name="seed"]').fill(String(SEED));
    await ap.locator('select[name="counts-for"]').selectOption('competition');
    await ap.locator('input[name="competition"]').fill(competition.toLowerCase());
    assert.match(await ap.locator('[data-counts-rule="competition"]').innerText(), /there is no game master/);
    await screenshot(ap, 'room-teams-lobby-en');
    await ap.getByRole('button', { name: '日本語' }).click();
    assert.match(await ap.locator('[data-counts-rule="competition"]').innerText(), /ゲームマスターはいません/);
    await screenshot(ap, 'room-teams-lobby-ja');
    await ap.getByRole('button', { name: 'English' }).click();
    await ap.locator('[data-action="open-room"]').click();
    await ap.locator('[data-room-code]').waitFor({ timeout: 30_000 });
    const code = await ap.locator('[data-room-code]').getAttribute('data-room-code');
    await takeSeat(ap, 'Ann', 'commander');
    await ap.locator('.room-screen [data-link="open"]').waitFor({ timeout: 30_000 });
    const badge = ap.locator('.room-bar [data-counts-for="competition"]');
    assert.equal(await badge.innerText(), `counts for team ${sre} in Team cup ${RUN}`);

    // Ben, of SRE, operates; Cat, of Ops, is refused a seat with the server's reason.
    const ben = await openAs(people.Ben.token, `#room=${code}`);
    contexts.push(ben);
    const bp = ben.page;
    await takeSeat(bp, 'Ben', 'operator');
    await bp.locator('.room-screen [data-link="open"]').waitFor({ timeout: 30_000 });
    const cat = await openAs(people.Cat.token, `#room=${code}`);
    contexts.push(cat);
    await takeSeat(cat.page, 'Cat', 'communications');
    const refusal = cat.page.locator('[data-refusal]');
    await refusal.waitFor({ timeout: 15_000 });
    assert.match(await refusal.innerText(), new RegExp(`only members of team "${sre}" take its seats`));
    await screenshot(cat.page, 'room-teams-refused-en');

    // Exam: even a read-only call waits for the commander, and says why instead of a forecast.
    await bp.locator('select.api-call').selectOption({ index: 0 });
    const call = await bp.locator('.api-preview').innerText();
    assert.match(call, /GET \/_cluster\/health/, 'the API console starts on the cluster health call');
    await bp.locator('.api-send').click();
    const proposal = ap.getByTestId('approvals').locator('.proposal').filter({ hasText: 'health' });
    await proposal.waitFor({ timeout: 15_000 });
    assert.equal(await proposal.locator('.proposal-risk').innerText(), 'Exam competition: every operator action waits for the commander, with no forecast');
    await screenshot(ap, 'room-teams-exam-approval-en');
    await ap.getByRole('button', { name: '日本語' }).click();
    assert.match(await ap.locator('.room-bar [data-counts-for="competition"]').innerText(), /チーム/);
    assert.match(await proposal.locator('.proposal-risk').innerText(), /予測なし/);
    await screenshot(ap, 'room-teams-exam-approval-ja');
    await ap.getByRole('button', { name: 'English' }).click();
    await proposal.locator('[data-action="approve"]').click();
    await bp.locator('.room-log .room-entry[data-kind="action"]').filter({ hasText: /health \(proposal #\d+, approved\)/ }).waitFor({ timeout: 15_000 });

    // Resolved: the verified result, and the drill on the competition's team-drill table.
    await ap.locator('[data-action="resolve"]').click();
    const result = ap.getByTestId('team-result');
    await result.waitFor({ timeout: 90_000 });
    const score = Number(await result.locator('[data-team-score]').getAttribute('data-team-score'));
    let table;
    for (let i = 0; i < 50; i += 1) {
      table = await api(`/api/competitions/${competition}/team-drills`);
      assert.equal(table.status, 200, JSON.stringify(table.body));
      if (table.body.rows.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(table.body.rows.length, 1, JSON.stringify(table.body));
    const row = table.body.rows[0];
    assert.deepEqual([row.rank, row.team, row.total], [1, sre, score]);
    assert.equal(row.bests[0].code, code);
    assert.deepEqual(row.bests[0].players, [
      { role: 'commander', name: 'Ann', player_id: people.Ann.id },
      { role: 'operator', name: 'Ben', player_id: people.Ben.id },
    ]);
    for (const c of contexts) assert.deepEqual(c.errors, [], 'no page errors');
  } finally {
    for (const c of contexts) await c.close();
  }
});

test('a trainer opens a team drill for a cohort: the trainer is the game master, only trainees take the acting seats, the cohort page lists who played', { timeout: 240_000 }, async () => {
  await requireServer();
  const post = async (path, token, body) => api(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const trainer = await post('/api/trainers', ADMIN_TOKEN, { name: `Kim ${RUN}` });
  assert.equal(trainer.status, 201, JSON.stringify(trainer.body));
  const cohortName = `May hires ${RUN}`;
  const cohort = await post('/api/trainer/cohorts', trainer.body.token, { name: cohortName });
  assert.equal(cohort.status, 201, JSON.stringify(cohort.body));
  const people = {};
  for (const [i, name] of ['Eve', 'Gus', 'Zed'].entries()) {
    const from = `127.0.0.${75 + i}`;
    const minted = await postFrom(baseUrl(), from, '/api/identities');
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    people[name] = { token: minted.body.token, id: minted.body.player_id };
    if (name !== 'Zed') {
      const joined = await postFrom(baseUrl(), from, '/api/cohorts/join', { invite_code: cohort.body.invite_code, name }, minted.body.token);
      assert.equal(joined.status, 200, JSON.stringify(joined.body));
    }
  }

  // The trainer's browser: the trainer token of the trainer pages, no player identity.
  const kim = await launch({ viewport: { width: 1440, height: 900 } });
  await kim.context.addInitScript((t) => localStorage.setItem('qd.v1.trainer', t), trainer.body.token);
  const contexts = [{ ...kim, errors: collectErrors(kim.page) }];
  try {
    const kp = kim.page;
    await kp.goto(`${baseUrl()}/boards.html#room`, { waitUntil: 'load' });
    await kp.locator('select[name="counts-for"]').waitFor({ timeout: 30_000 });
    await kp.locator('select[name="scenario"]').selectOption('seed-ami-trap');
    await kp.locator('input[name="seed"]').fill('2');
    await kp.locator('select[name="counts-for"]').selectOption('cohort');
    await kp.locator(`select[name="cohort"] option[value="${cohort.body.id}"]`).waitFor({ state: 'attached', timeout: 15_000 });
    await kp.locator('select[name="cohort"]').selectOption(String(cohort.body.id));
    await screenshot(kp, 'room-teams-cohort-lobby-en');
    await kp.locator('[data-action="open-room"]').click();
    await kp.locator('[data-room-code]').waitFor({ timeout: 30_000 });
    const code = await kp.locator('[data-room-code]').getAttribute('data-room-code');
    await takeSeat(kp, 'Kim', 'game-master');
    await kp.locator('.room-screen [data-link="open"]').waitFor({ timeout: 30_000 });
    assert.equal(await kp.locator('.room-bar [data-counts-for="cohort"]').innerText(), `counts for cohort ${cohortName}`);

    // A player who is not a trainee is refused; Eve and Gus take the operator's and commander's seats.
    const zed = await openAs(people.Zed.token, `#room=${code}`);
    contexts.push(zed);
    await takeSeat(zed.page, 'Zed', 'operator');
    await zed.page.locator('[data-refusal]').filter({ hasText: /only its trainees take its seats/ }).waitFor({ timeout: 15_000 });
    const eve = await openAs(people.Eve.token, `#room=${code}`);
    contexts.push(eve);
    await takeSeat(eve.page, 'Eve', 'operator');
    await eve.page.locator('.room-screen [data-link="open"]').waitFor({ timeout: 30_000 });
    const gus = await openAs(people.Gus.token, `#room=${code}`);
    contexts.push(gus);
    await takeSeat(gus.page, 'Gus', 'commander');
    await gus.page.locator('.room-screen [data-link="open"]').waitFor({ timeout: 30_000 });

    // Not an Exam competition: Eve's health check applies at once; Gus resolves.
    await eve.page.locator('.api-send').click();
    await gus.page.locator('.room-log .room-entry[data-kind="action"]').filter({ hasText: /health/ }).waitFor({ timeout: 15_000 });
    await gus.page.locator('[data-action="resolve"]').click();
    await gus.page.getByTestId('team-result').waitFor({ timeout: 90_000 });
    let listed = [];
    for (let i = 0; i < 50 && listed.length === 0; i += 1) {
      const detail = await api(`/api/trainer/cohorts/${cohort.body.id}`, { headers: { Authorization: `Bearer ${trainer.body.token}` } });
      assert.equal(detail.status, 200, JSON.stringify(detail.body));
      listed = detail.body.team_drills;
      if (listed.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(listed.length, 1, 'the cohort lists its drill');
    assert.equal(listed[0].code, code);
    assert.deepEqual(listed[0].players.map((p) => [p.role, p.name, p.player_id]), [
      ['commander', 'Gus', people.Gus.id],
      ['operator', 'Eve', people.Eve.id],
    ]);
    for (const c of contexts) assert.deepEqual(c.errors, [], 'no page errors');
  } finally {
    for (const c of contexts) await c.close();
  }
});
