// Wires /dicomweb into the app (called from app.ts's marked section): the embedded store under
// TWIN_DATA_DIR, or the proxy to DICOMWEB_UPSTREAM_URL; the "dicom" /healthz section; and, in
// demo mode, the demo CTs. Seeding starts when the server starts listening (not for
// inject-only tests) or at the first /dicomweb request, whichever comes first; /dicomweb
// requests wait for it, so nobody sees a half-written demo study.
import type { FastifyInstance } from 'fastify';
import { seedDemoImaging, type SeedImagingOptions } from '../demo/imaging/seed';
import { registerDicomweb } from './routes';
import { DicomStore } from './store';

export interface SetupDicomwebOptions {
  seedDemo: boolean;
  /** Phantom size override (tests). */
  demoPhantom?: SeedImagingOptions['phantom'];
  stowMaxBytes?: number;
  /** Upstream waits, ms. */
  upstreamHeadersTimeoutMs?: number;
}

export async function setupDicomweb(app: FastifyInstance, options: SetupDicomwebOptions): Promise<void> {
  const { config, health, store: fhir } = app.twin;

  if (config.dicomwebUpstreamUrl) {
    const url = config.dicomwebUpstreamUrl;
    const host = new URL(url).host;
    health.add('dicom', async () => {
      try {
        const res = await fetch(`${url.replace(/\/\/[^@/]*@/, '//')}/studies?limit=1`, { signal: AbortSignal.timeout(3000), headers: { accept: 'application/dicom+json' } });
        await res.body?.cancel();
        return { status: res.ok || res.status === 401 || res.status === 403 ? 'ok' : 'degraded', mode: 'upstream', upstream: host, httpStatus: res.status };
      } catch {
        return { status: 'down', mode: 'upstream', upstream: host };
      }
    });
    await registerDicomweb(app, {
      mode: { kind: 'upstream', url, ...(options.upstreamHeadersTimeoutMs ? { headersTimeoutMs: options.upstreamHeadersTimeoutMs } : {}) },
      ...(options.stowMaxBytes ? { stowMaxBytes: options.stowMaxBytes } : {}),
    });
    return;
  }

  const store = DicomStore.open(config.dataDir);
  const controller = new AbortController();
  let seeding: Promise<void> | null = null;
  let seedState: 'idle' | 'running' | 'done' | 'failed' = options.seedDemo ? 'idle' : 'done';
  const startSeeding = (): Promise<void> => {
    if (!options.seedDemo) return Promise.resolve();
    seeding ??= (async () => {
      seedState = 'running';
      try {
        await seedDemoImaging(store, fhir, {
          signal: controller.signal,
          ...(options.demoPhantom ? { phantom: options.demoPhantom } : {}),
          // TWIN_DEMO_LIVER_CT=phantom: the liver patient keeps the generated phantom (the e2e
          // checks numbers against its ground truth); by default it gets the shipped real CT.
          liverCt: process.env.TWIN_DEMO_LIVER_CT === 'phantom' ? 'phantom' : 'real',
        });
        seedState = 'done';
      } catch (err) {
        seedState = 'failed';
        // No PHI here: the demo data is synthetic and the message names no patient.
        console.error(`twinscope: demo imaging could not be seeded: ${err instanceof Error ? err.message.slice(0, 200) : 'error'}`);
      }
    })();
    return seeding;
  };

  health.add('dicom', async () => ({ status: 'ok', mode: 'embedded', ...store.counts(), demoImaging: seedState }));
  app.addHook('onListen', async () => {
    // Not awaited: listening must not wait for a few seconds of phantom generation.
    setImmediate(() => void startSeeding());
  });
  app.addHook('onClose', async () => {
    controller.abort();
    await seeding?.catch(() => undefined);
    store.close();
  });
  await registerDicomweb(app, {
    mode: { kind: 'embedded', store },
    ready: startSeeding,
    ...(options.stowMaxBytes ? { stowMaxBytes: options.stowMaxBytes } : {}),
  });
}
