// The release download: wasm + js + css in dist/, measured one way for everyone.
//
// `cargo xtask test` runs `node e2e/bundle.mjs dist` after the release build and fails when
// the gzip -9 total exceeds the budget (BUDGET_BYTES, 350,000 bytes); e2e/bench.mjs prints
// the same figures. Three figures for the same files: `gzip -9` (the yardstick, node's zlib
// at level 9), and the two precompressed copies `drill serve` actually sends: .gz (Zopfli, a
// standard gzip stream) to clients that accept only gzip, .br (brotli q11) to the others.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const BUDGET_BYTES = 350_000;

/** { gzip9, gz, br, files: [{ name, raw, gzip9 }] }; gz / br are null without the copies. */
export async function downloadSizes(dist) {
  const names = (await readdir(dist)).filter((n) => /\.(wasm|js|css)$/.test(n)).sort();
  if (!names.some((n) => n.endsWith('.wasm'))) throw new Error(`${dist} has no .wasm file`);
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

export const bytes = (b) => `${b.toLocaleString('en-US')} bytes`;

// `node e2e/bundle.mjs [dist]`: one line per file, then the line xtask reads:
// "bundle gzip-9 total: N bytes".
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizes = await downloadSizes(process.argv[2] ?? 'dist');
  for (const f of sizes.files) console.log(`bundle ${f.name}: ${bytes(f.raw)} raw, ${bytes(f.gzip9)} gzip -9`);
  if (sizes.gz !== null) console.log(`bundle as served: ${bytes(sizes.gz)} Zopfli .gz, ${bytes(sizes.br)} brotli .br`);
  console.log(`bundle gzip-9 total: ${sizes.gzip9} bytes`);
}
