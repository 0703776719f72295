// `npm run bench -- bundle`: gzipped size of the JavaScript the sign-in and patient-list screens
// need (the entry chunk and everything it imports statically — what the browser must download
// before the first screen works), and of each lazily loaded chunk with the static imports it adds.
// Target (issue 2): first screen ≤ 300 KB gzipped.
//
// Builds with `vite build` first, so the numbers match the source; TWIN_BENCH_USE_DIST=1 measures
// an existing dist/ instead (e.g. right after a build in CI).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { report } from './report';

interface ManifestChunk {
  file: string;
  name?: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}
type Manifest = Record<string, ManifestChunk>;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const manifestPath = join(dist, '.vite', 'manifest.json');
const TARGET_KB = 300;
/** Lazy entries a view imports only after its first image is up (src/compute/imaging/cornerstone.ts loadTools). */
const DEFERRED_AFTER_FIRST_IMAGE: Record<string, string[]> = {
  imaging: ['node_modules/@cornerstonejs/tools/dist/esm/index.js'],
};

/**
 * Manifest keys reachable from `start` through static imports (the chunks loaded with it), and
 * through dynamic imports too when `followDynamic` (everything a view may end up loading).
 */
export function staticClosure(
  manifest: Manifest,
  start: string,
  followDynamic = false,
  /** Chunks already loaded (the first screen): not walked, or every view would reach every other. */
  loaded: ReadonlySet<string> = new Set(),
): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const key = stack.pop()!;
    if (seen.has(key) || loaded.has(key)) continue;
    const chunk = manifest[key];
    if (!chunk) throw new Error(`Vite manifest has no chunk "${key}" (imported by another chunk): rebuild dist/`);
    seen.add(key);
    stack.push(...(chunk.imports ?? []));
    if (followDynamic) stack.push(...(chunk.dynamicImports ?? []));
  }
  return seen;
}

const gzCache = new Map<string, number>();
function gzipBytes(file: string): number {
  let n = gzCache.get(file);
  if (n === undefined) {
    n = gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
    gzCache.set(file, n);
  }
  return n;
}

const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;

export async function run(): Promise<void> {
  if (process.env.TWIN_BENCH_USE_DIST !== '1') {
    process.stderr.write('bundle: vite build…\n');
    execFileSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  if (!existsSync(manifestPath)) {
    throw new Error(`No ${manifestPath}: run "npx vite build" (build.manifest must stay enabled in vite.config.ts).`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const entries = Object.entries(manifest).filter(([, c]) => c.isEntry);
  if (entries.length !== 1) throw new Error(`Expected one entry chunk in the Vite manifest, found ${entries.length}.`);
  const [entryKey] = entries[0]!;

  const first = staticClosure(manifest, entryKey);
  const jsFiles = [...first].map((k) => manifest[k]!.file).filter((f) => f.endsWith('.js'));
  const firstBytes = jsFiles.reduce((s, f) => s + gzipBytes(f), 0);
  const cssBytes = [...first].flatMap((k) => manifest[k]!.css ?? []).reduce((s, f) => s + gzipBytes(f), 0);
  report({
    bench: 'bundle',
    metric: 'first-screen-js-gzip',
    value: kb(firstBytes),
    unit: 'KB',
    target: TARGET_KB,
    withinTarget: kb(firstBytes) <= TARGET_KB,
    chunks: jsFiles.length,
  });
  report({ bench: 'bundle', metric: 'first-screen-css-gzip', value: kb(cssBytes), unit: 'KB' });

  // Each lazy chunk: what opening it adds beyond the first screen.
  for (const [key, chunk] of Object.entries(manifest)) {
    if (!chunk.isDynamicEntry) continue;
    const added = [...staticClosure(manifest, key)].filter((k) => !first.has(k));
    const bytes = added.map((k) => manifest[k]!.file).filter((f) => f.endsWith('.js')).reduce((s, f) => s + gzipBytes(f), 0);
    report({
      bench: 'bundle',
      metric: `lazy-chunk-js-gzip:${chunk.src ?? chunk.name ?? key}`,
      value: kb(bytes),
      unit: 'KB',
      chunks: added.length,
    });
  }

  // Each workspace view with everything it may load later (e.g. Cornerstone behind Imaging).
  for (const [key, chunk] of Object.entries(manifest)) {
    const view = /^src\/views\/([a-z]+)\/index\.tsx$/.exec(key)?.[1];
    if (!view || !chunk.isDynamicEntry) continue;
    const added = [...staticClosure(manifest, key, true, first)];
    const bytes = added.map((k) => manifest[k]!.file).filter((f) => f.endsWith('.js')).reduce((s, f) => s + gzipBytes(f), 0);
    report({ bench: 'bundle', metric: `view-total-js-gzip:${view}`, value: kb(bytes), unit: 'KB', chunks: added.length });
    // What the view needs before its first image: everything but the chunks it loads only after
    // one (DEFERRED_AFTER_FIRST_IMAGE), e.g. Cornerstone's tools behind Imaging.
    const deferred = (DEFERRED_AFTER_FIRST_IMAGE[view] ?? []).filter((k) => manifest[k]);
    if (deferred.length > 0) {
      const firstImage = [...staticClosure(manifest, key, true, new Set([...first, ...deferred]))];
      const fb = firstImage.map((k) => manifest[k]!.file).filter((f) => f.endsWith('.js')).reduce((s, f) => s + gzipBytes(f), 0);
      report({ bench: 'bundle', metric: `view-first-image-js-gzip:${view}`, value: kb(fb), unit: 'KB', chunks: firstImage.length, deferredAfterFirstImage: deferred, deferredKb: kb(bytes - fb) });
    }
  }

  // Worker bundles and their lazy chunks (not in the manifest): each worker entry is what a worker
  // downloads and compiles when it starts (e.g. each of Cornerstone's decode workers); a codec
  // chunk (decodeJPEGLS, decodeJPEG2000…) only when a frame of its transfer syntax is decoded,
  // with its .wasm (vite.config.ts lazyCodecs).
  const inManifest = new Set(Object.values(manifest).map((c) => c.file));
  const assets = readdirSync(join(dist, 'assets'));
  for (const f of assets.sort()) {
    const path = `assets/${f}`;
    if (inManifest.has(path) || !/\.(js|wasm)$/.test(f)) continue;
    const name = f.replace(/-[\w-]{8}\.(js|wasm)$/, '.$1');
    const kind = f.endsWith('.wasm') ? 'worker-wasm-gzip' : /worker/i.test(f) ? 'worker-entry-js-gzip' : 'worker-chunk-js-gzip';
    report({ bench: 'bundle', metric: `${kind}:${name}`, value: kb(gzipBytes(path)), unit: 'KB' });
  }
}
