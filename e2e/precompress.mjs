// Writes dist/*.{wasm,js,css}.br (brotli, quality 11) and .gz (gzip -9) next to each file,
// so that `drill serve` sends the smallest encoding the browser accepts without compressing
// on every request. Run by `cargo xtask build` after Trunk.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = process.argv[2] ?? 'dist';
for (const name of await readdir(dist)) {
  if (!/\.(wasm|js|css|html)$/.test(name)) continue;
  const file = path.join(dist, name);
  const data = await readFile(file);
  await writeFile(`${file}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  await writeFile(`${file}.gz`, gzipSync(data, { level: 9 }));
}
