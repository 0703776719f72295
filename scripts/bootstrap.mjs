#!/usr/bin/env node
// The two-command entry point. Runs before node_modules exists, so it uses Node built-ins only.
//   node scripts/bootstrap.mjs start   install if needed, build if stale, run the server
//   node scripts/bootstrap.mjs test    install if needed (+ Chromium, Orthanc), typecheck, lint, unit, build, e2e
//   node scripts/bootstrap.mjs build-e2e   build the e2e suite's bundle (dist-e2e/) if stale
//   node scripts/bootstrap.mjs bench [NAME]
//   node scripts/bootstrap.mjs twin ARGS…   (headless engine CLI)
//   node scripts/bootstrap.mjs feed ARGS…   (vitals CSV replay)
//   node scripts/bootstrap.mjs import FILE|DIR…   (FHIR records into the embedded store)
import { spawnSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [command = 'start', ...rest] = process.argv.slice(2);
const MIN_NODE = [20, 19, 0];

function fail(message, code = 1) {
  process.stderr.write(`\ntwinscope: ${message}\n`);
  process.exit(code);
}

function log(message) {
  // Progress goes to stderr so that `--json` output on stdout stays machine-readable.
  process.stderr.write(`twinscope: ${message}\n`);
}

function checkNode() {
  const parts = process.versions.node.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((parts[i] ?? 0) > MIN_NODE[i]) return;
    if ((parts[i] ?? 0) < MIN_NODE[i]) {
      fail(`Node ${MIN_NODE.join('.')} or newer is required; this is Node ${process.versions.node}. Install a newer Node.js (https://nodejs.org) and run the command again.`);
    }
  }
}

function run(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env, ...opts });
  if (result.error) return { ok: false, code: 127, error: result.error };
  return { ok: result.status === 0, code: result.status ?? 1 };
}

/** Where the hash of the lockfile that node_modules was installed from is kept. */
const INSTALLED_LOCK_HASH = join(root, 'node_modules', '.twinscope-lock-sha256');

function lockHash() {
  return createHash('sha256').update(readFileSync(join(root, 'package-lock.json'))).digest('hex');
}

/**
 * node_modules holds exactly what package-lock.json names: decided from the lockfile's content
 * (its hash, stored after each install), never from file times — a checkout, a copy or a clock
 * change alters mtimes without changing a dependency. A node_modules installed before the hash
 * existed is accepted when npm's own record of the install (node_modules/.package-lock.json)
 * names the same version of every package the lockfile does (platform-optional ones may be absent).
 */
function needsInstall() {
  if (!existsSync(join(root, 'node_modules'))) return true;
  const want = lockHash();
  if (existsSync(INSTALLED_LOCK_HASH)) return readFileSync(INSTALLED_LOCK_HASH, 'utf8').trim() !== want;
  const hidden = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(hidden)) return true;
  try {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages ?? {};
    const installed = JSON.parse(readFileSync(hidden, 'utf8')).packages ?? {};
    for (const [path, entry] of Object.entries(lock)) {
      if (path === '' || entry.link) continue;
      if (installed[path]?.version !== entry.version && !entry.optional) return true;
    }
  } catch {
    return true;
  }
  writeFileSync(INSTALLED_LOCK_HASH, `${want}\n`);
  return false;
}

function ensureDependencies() {
  if (!needsInstall()) return;
  log('installing dependencies (npm ci; this takes about two minutes the first time)…');
  const r = run('npm', ['ci', '--no-audit', '--no-fund']);
  if (!r.ok) {
    fail('installing dependencies failed (see the npm output above). Check the network access to the npm registry and that a C++ toolchain (python3, make, g++) is present for better-sqlite3, then run the command again.');
  }
  writeFileSync(INSTALLED_LOCK_HASH, `${lockHash()}\n`);
}

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/**
 * The two bundles: the product's (`dist/`, what `start` serves) and the e2e suite's own
 * (`dist-e2e/`, Vite mode `e2e`, served by the server playwright.config.ts starts). They differ
 * only where the source reads `import.meta.env.MODE` — the Twin tab's acknowledgement undo window
 * (src/views/twin/ackUndo.ts) — so a product bundle can never carry a test setting.
 */
const BUILDS = {
  product: { outDir: 'dist', mode: null },
  e2e: { outDir: 'dist-e2e', mode: 'e2e' },
};

/** The vite build of `build` (its command and stamp), or null when the bundle is newer than every input. */
function buildPlan(force, build) {
  const stamp = join(root, build.outDir, '.build-stamp');
  const inputs = ['src', 'workers', 'public', 'index.html', 'vite.config.ts', 'package-lock.json'];
  const newestInput = Math.max(...inputs.map((p) => newestMtime(join(root, p))));
  const built = existsSync(stamp) ? Number(readFileSync(stamp, 'utf8')) || 0 : 0;
  if (!force && built >= newestInput) return null;
  const modeArgs = build.mode ? ['--mode', build.mode, '--outDir', build.outDir] : [];
  return {
    stamp,
    note: `building the web app (vite build${build.mode ? ` --mode ${build.mode} → ${build.outDir}/` : ''})…`,
    args: [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'error', ...modeArgs],
  };
}

function ensureBuild(force = false, build = BUILDS.product) {
  const plan = buildPlan(force, build);
  if (!plan) return;
  log(plan.note);
  const r = run(process.execPath, plan.args);
  if (!r.ok) fail('the web app build failed (see the output above).');
  writeFileSync(plan.stamp, String(Date.now()));
}

function tsx(script, args) {
  return run(process.execPath, ['--import', 'tsx', join(root, script), ...args]);
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

const ORTHANC_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

function ensureSystemPackages() {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const missing = [];
  if (!existsSync(chromium)) missing.push('chromium');
  if (!hasCommand('Orthanc')) missing.push('orthanc');
  if (!existsSync(ORTHANC_PLUGIN)) missing.push('orthanc-dicomweb');
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const aptCommand = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (!isRoot || !hasCommand('apt-get')) {
    fail(`the tests need Debian packages that are missing: ${missing.join(', ')}.\nInstall them with:\n  sudo sh -c '${aptCommand}'\nthen run npm test again.`);
  }
  log(`installing ${missing.join(', ')} with apt-get (about 30 s)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const u = run('apt-get', ['update', '-qq'], { env });
  const i = u.ok ? run('apt-get', ['install', '-y', '-qq', ...missing], { env }) : u;
  if (!i.ok) fail(`apt-get could not install ${missing.join(', ')}. Run this yourself and try again:\n  ${aptCommand}`);
}

/** Runs a step with its output held back, so that steps running side by side do not interleave. */
function runHeld(step, children) {
  return new Promise((resolve) => {
    const started = Date.now();
    const chunks = [];
    const child = spawn(step.cmd, step.args, { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    child.stdout.on('data', (b) => chunks.push(b));
    child.stderr.on('data', (b) => chunks.push(b));
    const done = (ok, code, extra = '') => {
      children.delete(child);
      resolve({ step, ok, code, output: Buffer.concat(chunks).toString() + extra, seconds: (Date.now() - started) / 1000 });
    };
    child.on('error', (err) => done(false, 127, `${err.message}\n`));
    child.on('close', (code, signal) => done(code === 0, code ?? (signal ? 1 : 0)));
  });
}

/**
 * The checks before the unit tests, in two lanes side by side on a machine with two or more cores
 * (each step is one busy process): the five typechecks in one, lint and the e2e bundle in the other.
 * Each step's output is printed whole when it ends; the first failure stops the other lane.
 */
async function runChecks(steps, laneOf) {
  const lanes = availableParallelism() >= 2 ? [0, 1] : [null];
  const children = new Set();
  let failed = null;
  const lane = async (k) => {
    for (const step of steps.filter((s) => k === null || laneOf(s) === k)) {
      if (failed) return;
      const r = await runHeld(step, children);
      if (failed) return; // killed because the other lane failed: its output is noise
      log(`── ${step.name} (${r.seconds.toFixed(0)} s) ──`);
      process.stderr.write(r.output);
      if (!r.ok) {
        failed = r;
        for (const c of children) c.kill('SIGTERM');
        return;
      }
      step.after?.();
    }
  };
  await Promise.all(lanes.map(lane));
  if (failed) fail(`${failed.step.name} failed.`, failed.code || 1);
}

async function runTests() {
  ensureDependencies();
  ensureSystemPackages();
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const e2eBuild = buildPlan(true, BUILDS.e2e);
  const checks = [
    // One typecheck per part, each against its real runtime libraries (see tsconfig.base.json).
    ...['core', 'src', 'workers', 'server'].map((part) => ({ name: `typecheck ${part}/`, lane: 0, cmd: process.execPath, args: [tsc, '-p', `tsconfig.${part}.json`] })),
    { name: 'typecheck tests and tools', lane: 0, cmd: process.execPath, args: [tsc, '-p', 'tsconfig.json'] },
    { name: 'lint', lane: 1, cmd: process.execPath, args: [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--max-warnings=0', '.'] },
    // The e2e suite's bundle: nothing before the end-to-end tests reads it.
    { name: 'build (the e2e bundle, dist-e2e/)', lane: 1, cmd: process.execPath, args: e2eBuild.args, after: () => writeFileSync(e2eBuild.stamp, String(Date.now())) },
  ];
  const started = Date.now();
  await runChecks(checks, (s) => s.lane);
  log('── unit and integration tests ──');
  const u = run(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run']);
  if (!u.ok) fail('unit and integration tests failed.', u.code || 1);
  log('── end-to-end tests (Playwright, Chromium) ──');
  const e = run(process.execPath, [join(root, 'node_modules', '@playwright', 'test', 'cli.js'), 'test']);
  if (!e.ok) fail('end-to-end tests failed.', e.code || 1);
  log(`all test stages passed in ${Math.round((Date.now() - started) / 1000)} s.`);
}

function start() {
  ensureDependencies();
  ensureBuild();
  // Hand the terminal to the server; forward signals so Ctrl-C stops it cleanly.
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'server', 'main.ts')], {
    cwd: root,
    stdio: 'inherit',
    env: { NODE_ENV: 'production', ...process.env },
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

checkNode();
switch (command) {
  case 'start':
    start();
    break;
  case 'test':
    await runTests();
    break;
  case 'build-e2e':
    // The e2e suite's bundle, rebuilt when a source is newer (playwright.config.ts runs this before
    // the server). No install here: it runs inside Playwright's web server start, after `test` installed.
    if (!existsSync(join(root, 'node_modules', 'vite'))) fail('node_modules is missing: run `npm test` (or `npm ci`) first.');
    ensureBuild(false, BUILDS.e2e);
    break;
  case 'bench':
    ensureDependencies();
    process.exit(tsx('bench/run.ts', rest).code);
    break;
  case 'twin':
    ensureDependencies();
    process.exit(tsx('cli/twin.ts', rest).code);
    break;
  case 'feed':
    ensureDependencies();
    process.exit(tsx('server/feed/cli.ts', rest).code);
    break;
  case 'import':
    ensureDependencies();
    process.exit(tsx('cli/import.ts', rest).code);
    break;
  default:
    fail(`unknown command "${command}". Use start, test, build-e2e, bench, twin, feed or import.`);
}
