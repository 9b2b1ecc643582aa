// Post-processes Trunk's release output in dist/ (run by `cargo xtask build` after Trunk):
//
// 1. Minifies the wasm-bindgen JS glue with Terser (Trunk minifies CSS and HTML but not the
//    glue: 45 KB -> 20 KB raw) and rewrites its subresource-integrity hash in the page that
//    loads it (index.html, boards.html), which the browser checks before running it.
// 2. Joins the stylesheets (static/*.css, each minified by Trunk) into one file, in the
//    order the pages link them, with its own hash and SRI: one gzip stream instead of
//    several saves ~800 bytes of the download, and a request.
// 3. Writes .br (brotli, quality 11) and .gz copies next to each file (the scenario pack
//    scenarios-<hash>.txt too), so that `drill serve`
//    sends the smallest encoding the browser accepts without compressing on every request.
//    The .gz copies come from Zopfli: a standard gzip stream that any client inflates, about
//    5% smaller than `gzip -9` on the wasm, for a few seconds of build time.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync, constants, gunzipSync } from 'node:zlib';
import { gzipAsync } from '@gfx/zopfli';
import { minify } from 'terser';

const dist = process.argv[2] ?? 'dist';
let names = await readdir(dist);

const sri = (data) => `sha384-${createHash('sha384').update(data).digest('base64')}`;
// The game's pages: index.html (the trainee's bundle) and boards.html (the boards' one,
// merged in by `cargo xtask build`); each links its own glue and the same stylesheets.
const pages = names.filter((n) => n.endsWith('.html'));
if (!pages.includes('index.html')) throw new Error(`${dist} has no index.html`);
const html = Object.fromEntries(await Promise.all(pages.map(async (p) => [p, await readFile(path.join(dist, p), 'utf8')])));
for (const name of names.filter((n) => n.endsWith('.js'))) {
  const file = path.join(dist, name);
  const source = await readFile(file, 'utf8');
  const before = sri(source);
  const linking = pages.filter((p) => html[p].includes(before));
  if (linking.length === 0) throw new Error(`no page has an integrity hash for ${name}`);
  const { code } = await minify(source, { module: true, compress: true, mangle: true });
  await writeFile(file, code);
  for (const p of linking) html[p] = html[p].replaceAll(before, sri(code));
}

// Trunk's minified HTML: <link href=/app-0123456789abcdef.css integrity=sha384-… rel=stylesheet>
const joined = new Set();
for (const page of pages) {
  const cssLinks = [...html[page].matchAll(/<link\b[^>]*\brel="?stylesheet"?[^>]*>/g)].map((m) => {
    const href = /\bhref="?\/?([^"\s>]+\.css)"?/.exec(m[0]);
    if (!href) throw new Error(`a stylesheet link without a .css href in ${page}: ${m[0]}`);
    return { tag: m[0], name: href[1] };
  });
  if (cssLinks.length > 1) {
    const css = (await Promise.all(cssLinks.map((l) => readFile(path.join(dist, l.name), 'utf8')))).join('\n');
    const name = `style-${createHash('sha256').update(css).digest('hex').slice(0, 16)}.css`;
    await writeFile(path.join(dist, name), css);
    html[page] = html[page].replace(cssLinks[0].tag, `<link href=/${name} integrity=${sri(css)} rel=stylesheet>`);
    for (const l of cssLinks.slice(1)) html[page] = html[page].replace(l.tag, '');
    for (const l of cssLinks) joined.add(l.name);
  }
}
// After every page: the pages share the stylesheets Trunk wrote.
await Promise.all([...joined].map((n) => rm(path.join(dist, n))));
names = await readdir(dist);
await Promise.all(pages.map((p) => writeFile(path.join(dist, p), html[p])));

await Promise.all(
  names
    .filter((name) => /\.(wasm|js|css|html|txt)$/.test(name))
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
