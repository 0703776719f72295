import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The decoders of Cornerstone's decode worker that wrap a codec (WASM or a JS decoder), by the
 * binding name its entry imports them under. Each becomes its own chunk, fetched by the worker
 * the first time a frame of that transfer syntax is decoded (issue 14): an uncompressed CT never
 * downloads or compiles a codec. Little/big endian, encapsulated uncompressed stay in the entry.
 */
const LAZY_CODECS = [
  'decodeRLE',
  'decodeJPEGBaseline8Bit',
  'decodeJPEGBaseline12Bit',
  'decodeJPEGLossless',
  'decodeJPEGLS',
  'decodeJPEG2000',
  'decodeHTJ2K',
  'decodeDeflatedFrame',
  'decodeJPEGXL',
] as const;

const DECODE_WORKER = /@cornerstonejs\/dicom-image-loader\/dist\/esm\/decodeImageFrameWorker\.js$/;

/**
 * Rewrites the decode worker's static `import decodeX from './shared/decoders/decodeX….js'` into
 * a function that imports the module on its first call. Safe because the worker awaits every
 * decoder's result (`decodePromise`), so a promise-returning wrapper changes no behaviour. A
 * Cornerstone upgrade that renames or drops one of these imports fails the build here, by name,
 * rather than silently bundling every codec again.
 */
export function lazyCodecImports(code: string): string {
  let out = code;
  for (const name of LAZY_CODECS) {
    const re = new RegExp(`^import ${name} from '(\\./shared/decoders/[A-Za-z0-9_-]+\\.js)';$`, 'm');
    const m = re.exec(out);
    if (!m) {
      throw new Error(`vite.config.ts lazyCodecImports: Cornerstone's decodeImageFrameWorker.js no longer imports ${name} as expected; update LAZY_CODECS`);
    }
    const wrapper =
      `let ${name}__module;\n` +
      // A failed chunk fetch is not cached: the next frame of that syntax asks again.
      `const ${name} = (...args) => (${name}__module ??= import('${m[1]}').catch((e) => { ${name}__module = undefined; throw e; }))` +
      `.then((mod) => mod.default(...args));`;
    out = out.replace(m[0], wrapper);
  }
  return out;
}

function lazyCodecs(): Plugin {
  return {
    name: 'twinscope-lazy-codecs',
    enforce: 'pre',
    transform(code, id) {
      if (!DECODE_WORKER.test(id.split('?')[0]!)) return null;
      return { code: lazyCodecImports(code), map: null };
    },
  };
}

/**
 * Cornerstone's mesh geometry (`cache/classes/Mesh.js`, `loaders/utils/mesh/createMesh.js`) imports
 * vtk.js's PLY, STL, OBJ, MTL and XML poly-data readers, and the XML reader pulls xmlbuilder2 and
 * js-yaml: ≈ 89 KB gzipped in the Imaging chunk for a feature Twinscope never calls (its meshes
 * are drawn by the Anatomy view's own vtk.js pipeline; the viewer loads no Cornerstone geometry).
 * The tools' `OrientationMarkerTool` (not registered by the viewer) imports the XML reader again
 * for its body model. Imported from those Cornerstone files only, each reader resolves to a
 * stand-in that names itself if anything ever does call it; other importers are untouched.
 */
const CORNERSTONE_MESH_IMPORTERS =
  /@cornerstonejs\/(?:core\/dist\/esm\/(?:cache\/classes\/Mesh|loaders\/utils\/mesh\/createMesh)|tools\/dist\/esm\/tools\/OrientationMarkerTool)\.js$/;
const UNUSED_MESH_READERS = /^@kitware\/vtk\.js\/IO\/(?:Geometry\/(?:PLY|STL)Reader|Misc\/(?:OBJ|MTL)Reader|XML\/XMLPolyDataReader)\.js$/;
const NO_MESH_READER = '\0twinscope-no-mesh-reader:';

export function withoutCornerstoneMeshReaders(): Plugin {
  return {
    name: 'twinscope-without-cornerstone-mesh-readers',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer || !UNUSED_MESH_READERS.test(source) || !CORNERSTONE_MESH_IMPORTERS.test(importer.split('?')[0]!)) return null;
      return NO_MESH_READER + source;
    },
    load(id) {
      if (!id.startsWith(NO_MESH_READER)) return null;
      const name = JSON.stringify(id.slice(NO_MESH_READER.length));
      return (
        `const fail = () => { throw new Error('Cornerstone mesh files are not read in Twinscope: ' + ${name} + ' is not bundled (vite.config.ts withoutCornerstoneMeshReaders)'); };\n` +
        `export const newInstance = fail;\nexport const extend = fail;\nexport default { newInstance, extend };\n`
      );
    },
  };
}

// Cornerstone3D + Vite: see docs/STACK-NOTES.md. Missing pieces fail quietly
// (setStack hangs forever without the exclude), so keep these in step with the loader.
export default defineConfig({
  plugins: [react(), withoutCornerstoneMeshReaders()],
  build: {
    outDir: 'dist',
    sourcemap: true,
    // bench/bundle.bench.ts reads the manifest to size the first-screen JS and each lazy chunk.
    manifest: true,
    chunkSizeWarningLimit: 4000,
  },
  // Code-split module workers: the decode worker's codecs load per transfer syntax (lazyCodecs).
  worker: { format: 'es', plugins: () => [lazyCodecs()] },
  optimizeDeps: {
    exclude: ['@cornerstonejs/dicom-image-loader'],
    include: [
      'dicom-parser',
      '@cornerstonejs/metadata',
      '@cornerstonejs/dicom-image-loader > @cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs',
      '@cornerstonejs/dicom-image-loader > @cornerstonejs/codec-charls/decodewasmjs',
      '@cornerstonejs/dicom-image-loader > @cornerstonejs/codec-openjpeg/decodewasmjs',
      '@cornerstonejs/dicom-image-loader > @cornerstonejs/codec-openjph/wasmjs',
    ],
  },
  server: {
    port: 5173,
    proxy: {
      '/auth': 'http://127.0.0.1:8080',
      '/fhir': 'http://127.0.0.1:8080',
      '/dicomweb': 'http://127.0.0.1:8080',
      '/events': 'http://127.0.0.1:8080',
      '/healthz': 'http://127.0.0.1:8080',
      '/api': 'http://127.0.0.1:8080',
    },
  },
});
