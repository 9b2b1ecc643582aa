// Post-processes Trunk's release output in dist/ (run by `cargo xtask build` after Trunk):
//
// 1. Minifies the wasm-bindgen JS glue with Terser (Trunk minifies CSS and HTML but not the
//    glue: 45 KB -> 20 KB raw) and rewrites its subresource-integrity hash in index.html,
//    which the browser checks before running it.
// 2. Writes .br (brotli, quality 11) and .gz copies next to each file, so that `drill serve`
//    sends the smallest encoding the browser accepts without compressing on every request.
//    The .gz copies come from Zopfli: a standard gzip stream that any client inflates, about
//    5% smaller than `gzip -9` on the wasm, for a few seconds of build time.
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync, constants, gunzipSync } from 'node:zlib';
import { gzipAsync } from '@gfx/zopfli';
import { minify } from 'terser';

const dist = process.argv[2] ?? 'dist';
const names = await readdir(dist);

const sri = (data) => `sha384-${createHash('sha384').update(data).digest('base64')}`;
let html = await readFile(path.join(dist, 'index.html'), 'utf8');
for (const name of names.filter((n) => n.endsWith('.js'))) {
  const file = path.join(dist, name);
  const source = await readFile(file, 'utf8');
  const before = sri(source);
  if (!html.includes(before)) throw new Error(`index.html has no integrity hash for ${name}`);
  const { code } = await minify(source, { module: true, compress: true, mangle: true });
  await writeFile(file, code);
  html = html.replaceAll(before, sri(code));
}
await writeFile(path.join(dist, 'index.html'), html);

await Promise.all(
  names
    .filter((name) => /\.(wasm|js|css|html)$/.test(name))
    .map(async (name) => {
      const file = path.join(dist, name);
      const data = await readFile(file);
      await writeFile(`${file}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      const gz = Buffer.from(await gzipAsync(data, { numiterations: 15 }));
      // A compressor bug would ship a broken game: check the round trip before writing.
      if (!gunzipSync(gz).equals(data)) throw new Error(`zopfli round trip failed for ${name}`);
      await writeFile(`${file}.gz`, gz);
    }),
);
