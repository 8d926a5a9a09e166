// Measures what a first load of each page transfers of the app's own
// JavaScript and CSS (not the vendored Leaflet): for a static/ tree
// without a build, every module and stylesheet of the page's graph, each
// its own request (raw bytes and each file gzip -9 on its own); with a
// build (static/dist/manifest.json), the page's bundled files; and the
// page itself.
//   node scripts/bundle-size.mjs [static-dir]    (BENCHMARKS.md)
import * as esbuild from 'esbuild';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const dir = path.resolve(process.argv[2] || 'static');
const pages = { '/': 'index.html', '/grid/{id}': 'grid.html', '/plan': 'plan.html', '/login': 'login.html' };

// The page's own entries: module scripts and stylesheets at the top level.
async function entries(page) {
  const html = await readFile(path.join(dir, page), 'utf8');
  const out = [];
  for (const [tag, name] of html.matchAll(/<(script|link)\b[^>]*>/g)) {
    const attr = (a) => tag.match(new RegExp(`\\s${a}="([^"]*)"`))?.[1];
    const url = name === 'script' ? attr('type') === 'module' && attr('src') : attr('rel') === 'stylesheet' && attr('href');
    const own = url && url.match(/^\/([\w-]+\.(?:js|css))$/);
    if (own) out.push(own[1]);
  }
  return out;
}

// The files of an entry's graph, as esbuild follows imports and @imports.
async function graph(entry) {
  const r = await esbuild.build({ entryPoints: [path.join(dir, entry)], bundle: true, write: false, metafile: true, logLevel: 'silent', outdir: '/tmp/bundle-size' });
  return Object.keys(r.metafile.inputs).map((f) => path.resolve(f));
}

async function sizes(files) {
  let raw = 0;
  let gz = 0;
  for (const f of files) {
    const b = await readFile(f);
    raw += b.length;
    gz += gzipSync(b, { level: 9 }).length;
  }
  return { files: files.length, raw, gz };
}

let manifest = null;
try {
  manifest = JSON.parse(await readFile(path.join(dir, 'dist', 'manifest.json'), 'utf8'));
} catch {
  manifest = null;
}
console.log(`${dir} (${manifest ? 'built' : 'modules'})`);
console.log('page\trequests\traw\tgzip-9\thtml raw\thtml gzip-9');
for (const [url, page] of Object.entries(pages)) {
  try {
    await stat(path.join(dir, page));
  } catch {
    continue;
  }
  const own = await entries(page);
  const files = new Set();
  for (const e of own) {
    if (manifest) files.add(path.join(dir, manifest[e]));
    else for (const f of await graph(e)) files.add(f);
  }
  const s = await sizes([...files]);
  const h = await sizes([path.join(dir, page)]);
  console.log(`${url}\t${s.files}\t${s.raw}\t${s.gz}\t${h.raw}\t${h.gz}`);
}
