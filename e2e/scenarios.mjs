// The scenario pack as a data asset (ARCHITECTURE, bundle budget): Trunk's post-build hook
// copies scenarios/builtin.txt into the staging dir as `scenarios-<hash>.txt`, the name the
// game fetches at start (build.rs computes the same 64-bit FNV-1a in Rust). A content-hashed
// name: `drill serve` caches it as immutable, and new code never meets old scenarios.
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PACK = path.join(root, 'scenarios', 'builtin.txt');

/** `scenarios-<16 hex digits>.txt` for the pack's bytes (FNV-1a, 64 bits). */
export function packName(bytes) {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `scenarios-${hash.toString(16).padStart(16, '0')}.txt`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.env.TRUNK_STAGING_DIR ?? process.argv[2];
  if (!out) throw new Error('usage: node e2e/scenarios.mjs <dir> (or TRUNK_STAGING_DIR)');
  const name = packName(await readFile(PACK));
  await copyFile(PACK, path.join(out, name));
  // Preloaded with the page, so the fetch overlaps the wasm's download instead of following
  // its start (`as=fetch` + `crossorigin`: the same mode and credentials as the game's fetch).
  // Each Trunk build has one page (index.html, or boards.html for the boards' bundle).
  const pages = (await readdir(out)).filter((n) => n.endsWith('.html'));
  if (pages.length === 0) throw new Error(`${out} has no .html page`);
  for (const page of pages) {
    const file = path.join(out, page);
    const html = await readFile(file, 'utf8');
    if (!html.includes('</head>')) throw new Error(`${file} has no </head>`);
    await writeFile(file, html.replace('</head>', `<link rel="preload" href="/${name}" as="fetch" crossorigin></head>`));
    console.log(`scenarios: ${name}, preloaded by ${page}`);
  }
}
