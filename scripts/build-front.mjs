// Bundles the front end for the Go binary to embed. The entry points are
// what the pages load from static/ itself: each <script type="module"> and
// each <link rel="stylesheet"> of static/*.html whose URL is a top-level
// file (/app.js, /grid.css; not /vendor/…, which scripts/vendor.sh copies
// and the server fingerprints). Each becomes one minified file in
// static/dist/ named for its content ([name]-[hash]) with a linked source
// map, and static/dist/manifest.json maps the source to it
// ({"app.js": "dist/app-5XJ2LQ3B.js", …}). The server rewrites the pages'
// references with the manifest when it starts (server/assets.go).
//
// static/dist/ is git-ignored and rebuilt from scratch on every run:
//   node scripts/build-front.mjs   (run by scripts/vendor.sh)
import * as esbuild from 'esbuild';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = 'static';
const out = path.join(src, 'dist');

// pageEntries lists the top-level files the pages load, sorted.
async function pageEntries() {
  const found = new Set();
  const pages = (await readdir(path.join(root, src))).filter((n) => n.endsWith('.html'));
  for (const page of pages) {
    const html = await readFile(path.join(root, src, page), 'utf8');
    for (const [tag, name] of html.matchAll(/<(script|link)\b[^>]*>/g)) {
      const attr = (a) => tag.match(new RegExp(`\\s${a}="([^"]*)"`))?.[1];
      const url = name === 'script'
        ? attr('type') === 'module' && attr('src')
        : attr('rel') === 'stylesheet' && attr('href');
      const own = url && url.match(/^\/([\w-]+\.(?:js|css))$/);
      if (own) found.add(own[1]);
    }
  }
  return [...found].sort();
}

const entries = await pageEntries();
if (entries.length === 0) {
  throw new Error('build-front: no page in static/*.html loads a module or stylesheet of its own');
}
await rm(path.join(root, out), { recursive: true, force: true });
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: entries.map((e) => path.join(src, e)),
  outdir: out,
  outbase: src,
  entryNames: '[name]-[hash]',
  bundle: true,
  format: 'esm', // the pages keep <script type="module">: deferred, strict
  minify: true,
  sourcemap: 'linked',
  charset: 'utf8', // the Chinese strings stay as they are, not \u escapes
  metafile: true,
  logLevel: 'warning',
});

const manifest = {};
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
  if (meta.entryPoint) {
    manifest[path.relative(src, meta.entryPoint)] = path.relative(src, file);
  }
}
const missing = entries.filter((e) => !manifest[e]);
if (missing.length > 0) {
  throw new Error(`build-front: no output for ${missing.join(', ')}`);
}
const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
await writeFile(path.join(root, out, 'manifest.json'), JSON.stringify(sorted, null, 2) + '\n');
console.error(`build-front: ${entries.length} entries -> ${out}/`);
