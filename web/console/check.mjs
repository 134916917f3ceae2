// Checks that what is committed in web/console is what its sources make
// (`npm run check`; CI runs it after `npm ci`):
//
//  1. src/gql: GraphQL Code Generator, with codegen.ts but writing into a
//     temporary directory, must give the committed files byte for byte (no
//     file more, none less);
//  2. manifest: the trusted-document manifest of the console's operations
//     (generate-persisted-query-manifest, into a temporary directory) must
//     be the committed one;
//  3. tsc --noEmit passes;
//  4. dist: `vite build` twice, into two temporary directories
//     (CONSOLE_OUT_DIR, which vite.config.ts reads), must give the same
//     files both times (the build is deterministic) and the committed ones.
//
// Each file that differs is named; the exit status is 1 when any does.
// Nothing in the working tree is written. To bring the committed files up
// to date: npm ci && npm run build, then commit src/gql, manifest/ and dist/.
import { generate, loadCodegenConfig } from '@graphql-codegen/cli';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const FIX = 'run `npm ci --prefix web/console && npm --prefix web/console run build` and commit web/console/src/gql, web/console/manifest and web/console/dist';

// digest maps each file below dir (by its path relative to dir, with /) to
// its size and SHA-256; {} when dir does not exist.
function digest(dir) {
  const out = {};
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const data = readFileSync(path);
    out[relative(dir, path).split(sep).join('/')] = { bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
  }
  return out;
}

// compare prints each file that differs between the directories have
// (what is committed) and made (what was generated or built), naming them
// label/file; true when none does.
function compare(label, have, made, haveName = 'committed', madeName = 'built', same = 'is up to date') {
  const want = digest(made);
  const got = digest(have);
  const names = [...new Set([...Object.keys(want), ...Object.keys(got)])].sort();
  const differ = names.filter((n) => want[n]?.sha256 !== got[n]?.sha256);
  for (const n of differ) {
    const h = got[n] ? `${got[n].bytes} bytes` : 'missing';
    const m = want[n] ? `${want[n].bytes} bytes` : 'nothing';
    console.error(`${label}/${n}: ${haveName} ${h}, ${madeName} ${m}`);
  }
  if (differ.length === 0) console.log(`${label} ${same} (${names.length} files)`);
  return differ.length === 0;
}

// run runs a node script of a package, in this folder; true when it
// exits 0.
function run(script, args, env = {}) {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: here, env: { ...process.env, ...env }, stdio: 'inherit' });
  if (r.error) throw r.error;
  return r.status === 0;
}

// codegen writes what codegen.ts generates into outDir instead of src/gql.
async function codegen(outDir) {
  process.chdir(here); // the config's paths are relative to this folder
  const { config } = await loadCodegenConfig({ configFilePath: join(here, 'codegen.ts') });
  const targets = Object.keys(config.generates);
  if (targets.length !== 1 || targets[0].replace(/^\.\//, '').replace(/\/$/, '') !== 'src/gql') {
    throw new Error(`codegen.ts generates ${JSON.stringify(targets)}: check.mjs knows only ./src/gql/`);
  }
  await generate({ ...config, generates: { [outDir + '/']: config.generates[targets[0]] }, silent: true, cwd: here }, true);
}

// manifest writes the manifest persisted-query-manifest.config.json
// describes into outDir instead of manifest/.
function manifest(outDir) {
  const config = JSON.parse(readFileSync(join(here, 'persisted-query-manifest.config.json'), 'utf8'));
  const name = config.output.split('/').pop();
  mkdirSync(outDir, { recursive: true });
  const tmpConfig = join(outDir, '..', 'manifest.config.json');
  writeFileSync(tmpConfig, JSON.stringify({ ...config, output: join(outDir, name) }));
  const cli = join(dirname(require.resolve('@apollo/generate-persisted-query-manifest/package.json')), 'cli.js');
  if (!run(cli, ['--config', tmpConfig])) throw new Error('generate-persisted-query-manifest failed');
}

const tmp = mkdtempSync(join(tmpdir(), 'rollcall-console-'));
let ok = true;
try {
  await codegen(join(tmp, 'gql'));
  ok = compare('web/console/src/gql', join(here, 'src', 'gql'), join(tmp, 'gql'), 'committed', 'generated') && ok;

  manifest(join(tmp, 'manifest'));
  ok = compare('web/console/manifest', join(here, 'manifest'), join(tmp, 'manifest'), 'committed', 'generated') && ok;

  if (run(require.resolve('typescript/bin/tsc'), ['--noEmit', '-p', 'tsconfig.json'])) {
    console.log('tsc --noEmit: no error');
  } else {
    console.error('tsc --noEmit failed');
    ok = false;
  }

  const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  const builds = ['a', 'b'].map((n) => join(tmp, `dist-${n}`));
  for (const out of builds) {
    if (!run(vite, ['build', '--logLevel', 'warn'], { CONSOLE_OUT_DIR: out })) {
      throw new Error('vite build failed');
    }
  }
  if (!compare('dist', builds[0], builds[1], 'first build', 'second build', 'is the same in two builds')) {
    console.error('two builds of the same sources differ: the build is not deterministic');
    ok = false;
  }
  ok = compare('web/console/dist', join(here, 'dist'), builds[0]) && ok;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (!ok) {
  console.error(`web/console: the committed files are not what the sources make: ${FIX}`);
  process.exit(1);
}
