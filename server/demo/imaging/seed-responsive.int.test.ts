// The demo CT seeding runs after the server starts listening; while it runs the server must keep
// answering (the reported defect: 10–20 s of a blocked event loop after a first start). A real
// server with demo seeding on, CTs of the demo's slice size (256×256) but fewer slices to keep
// the test short, polled while seeding is under way.
import { afterAll, describe, expect, it } from 'vitest';
import { loadScaledTimeoutMs } from '../../../test-support/load';
import { startTestServer, type TestServer } from '../../testing/harness';

interface Health {
  status: string;
  demo?: boolean;
  dicom?: { demoImaging?: string };
}

describe('demo imaging seeding keeps the server responsive', () => {
  let server: TestServer | undefined;
  afterAll(async () => {
    await server?.close();
  });

  it('/healthz, sign-in and /fhir answer while the CTs are generated and written', async () => {
    server = await startTestServer({
      overrides: { seedDemo: true, demoPhantom: { dimensions: [256, 256, 48], spacingMm: [1.5, 1.5, 6] } },
      seedFhirDemo: false,
    });
    const s = server;
    const health = async (): Promise<{ ms: number; body: Health }> => {
      const t0 = performance.now();
      const res = await s.request('/healthz');
      const body = (await res.json()) as Health;
      expect(res.status).toBe(200);
      return { ms: performance.now() - t0, body };
    };
    const latencies: number[] = [];
    let sawRunning = false;
    let signedIn = false;
    let searched = false;
    // Poll until seeding is done (bounded: the whole test must stay well under a minute).
    for (let i = 0; i < 400; i++) {
      const h = await health();
      const state = h.body.dicom?.demoImaging;
      if (state === 'running') {
        sawRunning = true;
        latencies.push(h.ms);
        if (!signedIn) {
          const token = await s.login('clinician');
          signedIn = true;
          const res = await s.request('/fhir/Patient?_count=1', { token });
          expect(res.status).toBe(200);
          searched = true;
        }
      }
      if (state === 'done' || state === 'failed') {
        expect(state).toBe('done');
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(sawRunning).toBe(true);
    expect(signedIn && searched).toBe(true);
    expect(latencies.length).toBeGreaterThan(3);
    // Generous bound, stretched by the load factor (a CI machine busy with the rest of the suite
    // reached 2.8 s at load ≈ 8 on 2 cores): before the fix single requests waited 10–20 s.
    expect(Math.max(...latencies)).toBeLessThan(loadScaledTimeoutMs(2000));
    expect((await health()).body.demo).toBe(true);
  }, 60_000);
});
