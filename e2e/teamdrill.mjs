// A team drill played over the room's WebSocket protocol (crates/proto/src/team.rs), for the
// e2e tests that need real kept drills: the competition page (leaderboard.test.mjs) and the
// cohort page (trainer.test.mjs). Node 20 has no WebSocket without a flag, so the members'
// sockets live in a Chromium page of the served origin (the browser's own WebSocket), as
// crates/drill/tests/rooms.rs's members do in Rust: hello with role, name and identity; the
// operator proposes; a held proposal is approved by the commander; the commander resolves.
import assert from 'node:assert/strict';
import http from 'node:http';

/**
 * Plays the drill of room `code` in `page` (any page of the served origin): each of
 * `seats` ({role, name, identity?, hostKey?}) says hello; the operator proposes each of
 * `actions` (sim actions as JSON; by default GET _cluster/health, none with `health:
 * false`), the commander approving each one the room holds; then the commander declares
 * resolved. Returns the server's verified result (`TeamResult`) and the room's `counts_for`.
 */
export const HEALTH = { type: 'api', request: { call: 'cluster-health' } };

export async function playTeamDrill(page, code, seats, { health = true, actions = health ? [HEALTH] : [] } = {}) {
  const outcome = await page.evaluate(async ({ code, seats, actions }) => {
    const url = `${location.origin.replace(/^http/, 'ws')}/api/rooms/${code}/ws`;
    const members = seats.map((seat) => ({ seat, ws: new WebSocket(url), seen: [], waiters: [] }));
    const note = (m, msg) => {
      m.seen.push(msg);
      m.waiters = m.waiters.filter((w) => !w(msg));
    };
    const until = (m, what, test) => new Promise((resolve, reject) => {
      const found = m.seen.find(test);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`${m.seat.role}: no ${what} within 20 s; seen ${JSON.stringify(m.seen.map((s) => s.type === 'error' ? s : s.type))}`)), 20_000);
      m.waiters.push((msg) => {
        if (!test(msg)) return false;
        clearTimeout(timer);
        resolve(msg);
        return true;
      });
    });
    for (const m of members) {
      m.ws.onmessage = (e) => note(m, JSON.parse(e.data));
      m.ws.onopen = () => m.ws.send(JSON.stringify({
        type: 'hello', role: m.seat.role, name: m.seat.name,
        ...(m.seat.identity ? { identity: m.seat.identity } : {}),
        ...(m.seat.hostKey ? { host_key: m.seat.hostKey } : {}),
      }));
    }
    try {
      for (const m of members) await until(m, 'welcome', (msg) => msg.type === 'welcome' || msg.type === 'error');
      const refused = members.flatMap((m) => m.seen.filter((s) => s.type === 'error').map((s) => `${m.seat.role}: ${s.message}`));
      if (refused.length) return { error: refused.join('; ') };
      const commander = members.find((m) => m.seat.role === 'commander');
      const operator = members.find((m) => m.seat.role === 'operator');
      // The server's echo of an action may spell out its defaults (`"name": null`…).
      const same = (a, b) => a?.type === b.type && a.instance === b.instance && a.request?.call === b.request?.call;
      for (const action of actions) {
        const after = commander.seen.length;
        const fresh = (test) => (msg) => commander.seen.indexOf(msg) >= after && test(msg);
        operator.ws.send(JSON.stringify({ type: 'propose', action }));
        const first = await until(commander, `the entry of ${JSON.stringify(action)}`,
          fresh((msg) => msg.type === 'entry' && ['action', 'proposed'].includes(msg.entry.kind.type) && same(msg.entry.kind.action, action)));
        if (first.entry.kind.type === 'proposed') {
          commander.ws.send(JSON.stringify({ type: 'approve', proposal: first.entry.seq }));
          await until(commander, 'the approved action', fresh((msg) => msg.type === 'entry' && msg.entry.kind.type === 'action' && msg.entry.kind.proposal === first.entry.seq));
        }
      }
      commander.ws.send(JSON.stringify({ type: 'resolve' }));
      const ended = await until(commander, 'the result', (msg) => msg.type === 'ended');
      return { result: ended.result, counts_for: commander.seen.find((s) => s.type === 'welcome').room.counts_for };
    } finally {
      for (const m of members) m.ws.close();
    }
  }, { code, seats, actions });
  assert.equal(outcome.error, undefined, `the room refused a seat: ${outcome.error}`);
  return outcome;
}

/**
 * POSTs JSON to the server from the loopback address `from` (127.0.0.N), as `token` when
 * given: the server's limits are per client address (new identities an hour, rooms), and
 * the drills' players are people on their own machines.
 */
export function postFrom(base, from, path, body, token) {
  const url = new URL(path, base);
  assert.equal(url.hostname, '127.0.0.1', `postFrom needs the server on 127.0.0.1 (QD_BASE_URL is ${base})`);
  const data = body === undefined ? '' : JSON.stringify(body);
  const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) };
  if (token) headers.Authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress: from, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode, body: JSON.parse(text) });
        } catch {
          reject(new Error(`POST ${path} from ${from}: ${res.statusCode} ${text}`));
        }
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Polls `GET path` (JSON) until `ready(body)`: a drill is kept by its room's own task. */
export async function pollJson(base, path, ready, headers = {}) {
  let body;
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${base}${path}`, { headers });
    body = await res.json();
    assert.equal(res.status, 200, `GET ${path}: ${JSON.stringify(body)}`);
    if (ready(body)) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`GET ${path} never showed the kept drills: ${JSON.stringify(body)}`);
}
