// The folder layering as a lint rule, so a wrong-way import fails `npm run lint` (and CI) instead
// of waiting for a reviewer. One table, PARTS, says which top-level part may import which; the
// folder READMEs state the same table and scripts/lint/boundaries.test.ts keeps both true.
//
//   core/     UI-free, framework-free: domain types, units, contracts, parsers. Imports only core/.
//   src/      the browser app.        Imports src/ and core/.
//   workers/  compute kernels.        Imports workers/ and core/.
//   server/   the FHIR/DICOMweb proxy. Imports server/ and core/.
//
// The one sanctioned seam between src/ and workers/ is loading a worker ENTRY file by URL,
// `new Worker(new URL('../../workers/x/y.worker.ts', import.meta.url))`: that starts a thread, it
// does not import code. Tests (*.test.ts, *.int.test.ts) compose parts and may import any part and
// test-support/; tools and composition roots outside the four parts (bench/, cli/, scripts/, e2e/,
// test-support/) may import any part. Production code never imports test-support/.
// Inside src/ and core/ the same holds one level down (LAYERS): a layer imports only the layers
// below it, so an arrow back (views → app, twin → compute, ui → sources, domain → vitals) fails.
// Threads: comlink is imported only by core/workerPool/ (the one WorkerPool), worker_threads only
// by workers/nodeThread/ (its Node endpoint).
import { statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Which top-level parts each part's production code may import (itself included). */
export const PARTS = {
  core: ['core'],
  src: ['src', 'core'],
  workers: ['workers', 'core'],
  server: ['server', 'core'],
};

/**
 * Which sub-folders of src/ and core/ each sub-folder's production code may import (itself
 * included); '' is the files directly in the part (src/main.tsx). Order, bottom up:
 *   src:  ui (leaf primitives) · sources (I/O and its connectivity state) · twin (stores, their
 *         actions and pure view models; ports such as `TwinCompute` declared here) · compute
 *         (worker clients and orchestration that runs workers and writes results into twin stores)
 *         · views (React, one folder per tab; `routing.ts`) · app (composition root) · main.tsx.
 *   core: domain (types, units, FHIR builders) · vitals, dicom, meshing, workerPool (each on
 *         domain) · contracts (the messages between parts, on all of them).
 * The folder READMEs (src/README.md, core/README.md) state the same tables, checked by
 * scripts/lint/readmeImports.test.ts.
 */
export const LAYERS = {
  src: {
    '': ['', 'app', 'ui'],
    ui: ['ui'],
    sources: ['sources'],
    twin: ['twin'],
    compute: ['compute', 'sources', 'twin'],
    views: ['views', 'compute', 'sources', 'twin', 'ui'],
    app: ['app', 'views', 'twin', 'sources', 'ui'],
  },
  core: {
    '': [''],
    domain: ['domain'],
    vitals: ['vitals', 'domain'],
    dicom: ['dicom', 'domain'],
    meshing: ['meshing', 'domain'],
    workerPool: ['workerPool', 'domain'],
    contracts: ['contracts', 'domain', 'vitals', 'dicom', 'meshing'],
  },
};

/** The layer of a repository-relative path inside its part: 'src/views/x/y.tsx' → 'views', 'src/main.tsx' → ''. */
export function layerOf(rel) {
  const parts = rel.split('/');
  return parts.length > 2 ? parts[1] : '';
}

/** npm packages and runtimes core/ must not reach: UI, server frameworks, storage, Node built-ins. */
const CORE_FORBIDDEN = [
  /^react(-dom)?(\/|$)/,
  /^@react-three\//,
  /^three(\/|$)/,
  /^zustand(\/|$)/,
  /^@tanstack\//,
  /^recharts(\/|$)/,
  /^@cornerstonejs\//,
  /^fastify(\/|$)/,
  /^@fastify\//,
  /^better-sqlite3(\/|$)/,
  /^node:/,
];
const NODE_BUILTINS = new Set(builtinModules);

export const WORKER_ENTRY = /^workers\/.+\.worker\.ts$/;
/** The one WorkerPool (comlink is imported only here) and its Node worker-thread endpoint. */
const WORKER_POOL_DIR = 'core/workerPool/';
const NODE_THREAD_DIR = 'workers/nodeThread/';

export function isTestFile(rel) {
  return /\.test\.tsx?$/.test(rel);
}

/** The top-level folder of a repository-relative path ('' for files at the root). */
export function partOf(rel) {
  const i = rel.indexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

/**
 * Why importing `spec` from the repository-relative file `fromRel` breaks the layering, or null.
 * `kind` is 'import' (static, dynamic, re-export, import type) or 'url' (new URL(spec, import.meta.url)).
 */
export function boundaryViolation(fromRel, spec, kind = 'import') {
  const from = partOf(fromRel);
  const allowed = PARTS[from];
  if (!allowed || isTestFile(fromRel)) return null;
  if (!spec.startsWith('.')) {
    if (/^comlink(\/|$)/.test(spec)) {
      // One mechanism for threads: the WorkerPool wraps comlink, nothing else speaks it directly.
      return fromRel.startsWith(WORKER_POOL_DIR) ? null : `"${spec}" is used only inside core/workerPool/: run work on other threads through its WorkerPool (and its expose/transfer/proxy)`;
    }
    if (/^(node:)?worker_threads$/.test(spec) && !fromRel.startsWith(NODE_THREAD_DIR)) {
      return `worker threads start only in workers/nodeThread/ (the WorkerPool's Node endpoint), not with "${spec}" here`;
    }
    if (from === 'core' && (CORE_FORBIDDEN.some((re) => re.test(spec)) || NODE_BUILTINS.has(spec))) {
      return `core/ is UI-free and runtime-free: it may not import "${spec}"`;
    }
    return null;
  }
  const targetRel = relative(repoRoot, resolve(repoRoot, dirname(fromRel), spec)).split(sep).join('/');
  const to = partOf(targetRel);
  if (to === from) return layerViolation(fromRel, targetRel);
  if (to === 'test-support') return `${from}/ production code may not import test-support/ (tests only)`;
  // The server's threads (the audit writer) start through the one pool's Node endpoint, like the CLI's.
  if (from === 'server' && targetRel.startsWith(NODE_THREAD_DIR)) return null;
  if (kind === 'url' && from === 'src' && WORKER_ENTRY.test(targetRel)) return null;
  if (allowed.includes(to)) return null;
  if (kind === 'url') {
    return `${from}/ may load only worker entry files (workers/**/*.worker.ts) by URL, not "${targetRel}"`;
  }
  const may = allowed.map((p) => `${p}/`).join(' and ');
  return `${from}/ may import only ${may}; "${spec}" reaches ${to || 'the repository root'}/. Move what both sides need to core/`;
}

function isDirectory(rel) {
  try {
    return statSync(resolve(repoRoot, rel)).isDirectory();
  } catch {
    return false;
  }
}

/** Why a file inside src/ or core/ may not import `targetRel` of the same part, or null. */
export function layerViolation(fromRel, targetRel) {
  const layers = LAYERS[partOf(fromRel)];
  if (!layers) return null;
  const part = partOf(fromRel);
  const from = layerOf(fromRel);
  // `../contracts` names the folder (its index.ts): the folder is the layer.
  const to = isDirectory(targetRel) ? (targetRel.split('/')[1] ?? '') : layerOf(targetRel);
  const allowed = layers[from];
  if (!allowed) return `${part}/${from}/ is not a layer of ${part}/: add it to LAYERS in scripts/lint/boundaries.js and to ${part}/README.md`;
  if (allowed.includes(to)) return null;
  if (!(to in layers)) return `${part}/${to}/ is not a layer of ${part}/: add it to LAYERS in scripts/lint/boundaries.js and to ${part}/README.md`;
  const name = (l) => (l === '' ? `${part}/ (top-level files)` : `${part}/${l}/`);
  return `${name(from)} may import only ${allowed.map(name).join(', ')}; "${targetRel}" is an arrow back into ${name(to)}. Move what both need down a layer (or into core/)`;
}

function check(context, node, spec, kind) {
  if (typeof spec !== 'string') return;
  const rel = relative(repoRoot, context.filename).split(sep).join('/');
  if (rel.startsWith('..')) return;
  const why = boundaryViolation(rel, spec, kind);
  if (why) context.report({ node, message: why });
}

const sourceOf = (node) => (node.source && node.source.type === 'Literal' ? node.source.value : undefined);

export const boundariesPlugin = {
  rules: {
    layers: {
      meta: { type: 'problem', docs: { description: 'top-level parts import only what PARTS allows' }, schema: [] },
      create(context) {
        return {
          ImportDeclaration: (node) => check(context, node, sourceOf(node), 'import'),
          ExportNamedDeclaration: (node) => check(context, node, sourceOf(node), 'import'),
          ExportAllDeclaration: (node) => check(context, node, sourceOf(node), 'import'),
          ImportExpression: (node) => check(context, node, node.source.type === 'Literal' ? node.source.value : undefined, 'import'),
          TSImportType: (node) => {
            const arg = node.argument;
            const lit = arg && (arg.type === 'Literal' ? arg : arg.literal);
            check(context, node, lit ? lit.value : undefined, 'import');
          },
          NewExpression: (node) => {
            const [first, second] = node.arguments;
            if (node.callee.type !== 'Identifier' || node.callee.name !== 'URL') return;
            if (!first || first.type !== 'Literal' || !second || second.type !== 'MemberExpression') return;
            if (second.object.type !== 'MetaProperty') return;
            check(context, node, first.value, 'url');
          },
        };
      },
    },
  },
};
