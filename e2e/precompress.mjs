// Writes dist/*.{wasm,js,css,html}.br (brotli, quality 11) and .gz next to each file, so that
// `drill serve` sends the smallest encoding the browser accepts without compressing on every
// request. The .gz copies come from Zopfli: a standard gzip stream that any client inflates,
// about 5% smaller than `gzip -9` on the wasm, for a few seconds of build time.
// Run by `cargo xtask build` after Trunk.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync, constants, gunzipSync } from 'node:zlib';
import { gzipAsync } from '@gfx/zopfli';

const dist = process.argv[2] ?? 'dist';
await Promise.all(
  (await readdir(dist))
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
