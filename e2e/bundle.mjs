// The release download: wasm + js + css in dist/ (the code), and the scenario pack the game
// fetches at start (the data, scenarios-<hash>.txt), measured one way for everyone.
//
// `cargo xtask test` runs `node e2e/bundle.mjs dist` after the release build and fails when
// the code's gzip -9 total exceeds BUDGET_BYTES (350,000 bytes) or the data's exceeds
// DATA_BUDGET_BYTES (40,000 bytes); e2e/bench.mjs prints the same figures and the first-load
// total (code + data: both come before the home screen). Three figures for the same files: `gzip -9` (the yardstick, node's zlib
// at level 9), and the two precompressed copies `drill serve` actually sends: .gz (Zopfli, a
// standard gzip stream) to clients that accept only gzip, .br (brotli q11) to the others.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { packName } from './scenarios.mjs';

export const BUDGET_BYTES = 350_000;
/** The scenario pack, gzip -9. It delays the home screen like the code does: 13 scenarios
 * are ~17 KB (~1.3 KB each), so this leaves room for about twice the course before the
 * first load has to fetch scenarios one by one (as server-stored scenarios will). */
export const DATA_BUDGET_BYTES = 40_000;

/** The download of one page of the game: the wasm, js and css files `page` names (its
 * links and its loader script). index.html is the trainee's bundle, the one the budget
 * holds; boards.html, the boards' bundle, is measured beside it.
 * { gzip9, gz, br, files: [{ name, raw, gzip9 }] }; gz / br are null without the copies. */
export async function downloadSizes(dist, page = 'index.html') {
  const html = await readFile(path.join(dist, page), 'utf8');
  const names = (await readdir(dist)).filter((n) => /\.(wasm|js|css)$/.test(n) && html.includes(`/${n}`)).sort();
  if (!names.some((n) => n.endsWith('.wasm'))) throw new Error(`${dist}/${page} loads no .wasm file`);
  if (!names.some((n) => n.endsWith('.js'))) throw new Error(`${dist}/${page} loads no .js file`);
  if (!names.some((n) => n.endsWith('.css'))) throw new Error(`${dist}/${page} loads no .css file`);
  const sizes = { gzip9: 0, gz: 0, br: 0, files: [] };
  for (const name of names) {
    const file = path.join(dist, name);
    const data = await readFile(file);
    const gzip9 = gzipSync(data, { level: 9 }).length;
    sizes.gzip9 += gzip9;
    sizes.files.push({ name: name.replace(/-[0-9a-f]{16}/, ''), raw: data.length, gzip9 });
    for (const enc of ['gz', 'br']) {
      const copy = await readFile(`${file}.${enc}`).catch(() => null);
      sizes[enc] = copy && sizes[enc] !== null ? sizes[enc] + copy.length : null;
    }
  }
  return sizes;
}

/** The scenario pack in dist/: exactly one `scenarios-<hash>.txt`, its name the hash of
 * its bytes, and that name in the wasm (build.rs and e2e/scenarios.mjs agree). */
export async function dataSizes(dist) {
  const names = (await readdir(dist)).filter((n) => /^scenarios-[0-9a-f]{16}\.txt$/.test(n));
  if (names.length !== 1) throw new Error(`${dist} has ${names.length} scenario packs (want 1): ${names.join(', ')}`);
  const [name] = names;
  const file = path.join(dist, name);
  const data = await readFile(file);
  if (packName(data) !== name) throw new Error(`${name} does not carry its content hash (${packName(data)})`);
  for (const wasm of (await readdir(dist)).filter((n) => n.endsWith('.wasm'))) {
    if (!(await readFile(path.join(dist, wasm))).includes(name)) throw new Error(`${wasm} does not fetch ${name}`);
  }
  const sizes = { gzip9: gzipSync(data, { level: 9 }).length, raw: data.length, name };
  for (const enc of ['gz', 'br']) sizes[enc] = (await readFile(`${file}.${enc}`).catch(() => null))?.length ?? null;
  return sizes;
}

export const bytes = (b) => `${b.toLocaleString('en-US')} bytes`;

// `node e2e/bundle.mjs [dist]`: one line per file, then the lines xtask reads:
// "bundle gzip-9 total: N bytes" (the trainee's code, index.html's), "bundle boards gzip-9
// total: N bytes" (boards.html's) and "bundle data gzip-9 total: N bytes".
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dist = process.argv[2] ?? 'dist';
  const boards = await downloadSizes(dist, 'boards.html');
  for (const f of boards.files) console.log(`bundle boards.html ${f.name}: ${bytes(f.raw)} raw, ${bytes(f.gzip9)} gzip -9`);
  console.log(`bundle boards gzip-9 total: ${boards.gzip9} bytes`);
  const sizes = await downloadSizes(dist);
  for (const f of sizes.files) console.log(`bundle ${f.name}: ${bytes(f.raw)} raw, ${bytes(f.gzip9)} gzip -9`);
  if (sizes.gz !== null) console.log(`bundle as served: ${bytes(sizes.gz)} Zopfli .gz, ${bytes(sizes.br)} brotli .br`);
  const data = await dataSizes(dist);
  console.log(`bundle data ${data.name}: ${bytes(data.raw)} raw, ${bytes(data.gzip9)} gzip -9`);
  if (data.gz !== null) console.log(`bundle data as served: ${bytes(data.gz)} Zopfli .gz, ${bytes(data.br)} brotli .br`);
  console.log(`bundle first load (code + data) gzip -9: ${bytes(sizes.gzip9 + data.gzip9)}`);
  console.log(`bundle data gzip-9 total: ${data.gzip9} bytes`);
  console.log(`bundle gzip-9 total: ${sizes.gzip9} bytes`);
}
