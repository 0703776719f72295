import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Cornerstone3D + Vite: see docs/STACK-NOTES.md. Missing pieces fail quietly
// (setStack hangs forever without the exclude), so keep these in step with the loader.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    sourcemap: true,
    // bench/bundle.bench.ts reads the manifest to size the first-screen JS and each lazy chunk.
    manifest: true,
    chunkSizeWarningLimit: 4000,
  },
  worker: { format: 'es' },
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
