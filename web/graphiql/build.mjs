// Builds the GraphiQL page Rollcall embeds (web/graphiql/dist, committed):
//
//   npm ci --prefix web/graphiql && node web/graphiql/build.mjs
//
// bundles src/main.js (GraphiQL 3, React 18, @graphiql/toolkit, graphql-ws;
// the exact versions are pinned by package-lock.json) with esbuild into one
// minified script and one stylesheet (the page that loads them,
// src/index.html, is embedded as it is).
// LICENSES.txt gathers the license of every npm package in the bundle.
//
// `node build.mjs --check` builds into a temporary directory and fails when
// the result differs from dist/ (CI runs it: the committed assets are what
// the pinned sources build to).
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const check = process.argv.includes('--check');

// What the page's Content-Security-Policy forbids must not be in the bundle.
const FORBIDDEN = [/\beval\s*\(/, /\bnew\s+Function\s*\(/, /\bFunction\s*\(\s*["'`]/];

async function build(outdir) {
  rmSync(outdir, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: here,
    entryPoints: { graphiql: 'src/main.js' },
    outdir,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome109', 'firefox115', 'safari15.6', 'edge109'],
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    metafile: true,
    sourcemap: false,
    charset: 'utf8',
    logLevel: 'warning',
  });
  writeFileSync(join(outdir, 'LICENSES.txt'), licenses(result.metafile));
  for (const name of readdirSync(outdir)) {
    if (!name.endsWith('.js')) continue;
    const text = readFileSync(join(outdir, name), 'utf8');
    for (const re of FORBIDDEN) {
      const m = re.exec(text);
      if (m) {
        throw new Error(`${name} contains ${JSON.stringify(text.slice(Math.max(0, m.index - 80), m.index + 80))}: the page's CSP has no 'unsafe-eval'`);
      }
    }
  }
}

// licenses lists each npm package whose code is in the bundle, with its
// version and license text, in name order.
function licenses(metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  const entries = [...dirs].map((dir) => {
    const pkg = JSON.parse(readFileSync(join(here, dir, 'package.json'), 'utf8'));
    const file = readdirSync(join(here, dir)).sort().find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
    const text = file ? readFileSync(join(here, dir, file), 'utf8').trim() : `License: ${pkg.license ?? 'see the package'}`;
    return { name: pkg.name, version: pkg.version, license: pkg.license ?? '', text };
  });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const head = 'Third-party software in graphiql.js and graphiql.css (built by web/graphiql/build.mjs):\n\n' +
    entries.map((e) => `  ${e.name}@${e.version} (${e.license})`).join('\n') + '\n';
  return head + entries.map((e) => `\n${'-'.repeat(72)}\n${e.name}@${e.version}\n\n${e.text}\n`).join('');
}

function digest(dir) {
  const out = {};
  for (const name of readdirSync(dir).sort()) {
    const data = readFileSync(join(dir, name));
    out[name] = { bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
  }
  return out;
}

if (check) {
  const tmp = mkdtempSync(join(tmpdir(), 'rollcall-graphiql-'));
  try {
    const fresh = join(tmp, 'dist');
    await build(fresh);
    const want = digest(fresh);
    let got = {};
    try {
      got = digest(dist);
    } catch {
      // no dist/ at all: every file differs
    }
    const names = [...new Set([...Object.keys(want), ...Object.keys(got)])].sort();
    const differ = names.filter((n) => want[n]?.sha256 !== got[n]?.sha256);
    if (differ.length > 0) {
      for (const n of differ) {
        console.error(`web/graphiql/dist/${n}: committed ${got[n] ? got[n].bytes + ' bytes' : 'missing'}, built ${want[n] ? want[n].bytes + ' bytes' : 'nothing'}`);
      }
      console.error('web/graphiql/dist is not what build.mjs makes: run `npm ci --prefix web/graphiql && node web/graphiql/build.mjs` and commit dist/');
      process.exit(1);
    }
    console.log(`web/graphiql/dist is up to date (${names.length} files)`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  await build(dist);
  for (const [name, { bytes }] of Object.entries(digest(dist))) {
    console.log(`dist/${name}\t${bytes} bytes`);
  }
}
