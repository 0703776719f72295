// Demo mode's bedside monitor: every TWIN_FEED_INTERVAL_MS it posts a new set of vitals (HR, BP
// panel, SpO2, RR) for the monitored demo patient, continuing from her last recorded values.
// It writes through the same path as clinicians — an HTTP request to /fhir (app.inject) signed in
// as a service account — so sign-in, roles, consent, audit and live events all apply to it.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { issueToken } from '../auth/tokens';
import type { FhirStore } from '../fhir/store';
import { vitalsToObservations } from './observations';
import { VitalsGenerator, type VitalsState } from './vitals-model';
import { writeObservations, type PostFhir } from './writer';

/** The service account the monitor signs in as: a clinical role, no usable password. */
export const MONITOR_USER = { id: 'svc-monitor-feed', username: 'monitor-feed', role: 'clinician', displayName: 'Bedside monitor feed' } as const;

/** Typical resting values of a 72-year-old with severe aortic stenosis and hypertension, used when the record has none. */
export const FALLBACK_VITALS: VitalsState = { hrBpm: 76, sbpMmHg: 148, dbpMmHg: 78, spo2Pct: 95, rrPerMin: 17 };

type Json = Record<string, unknown>;

function quantityOf(o: Json | undefined, componentCode?: string): number | undefined {
  if (!o) return undefined;
  const source = componentCode
    ? ((o.component as Json[] | undefined) ?? []).find((c) => ((c.code as Json | undefined)?.coding as Json[] | undefined)?.some((x) => x.code === componentCode))
    : o;
  const v = (source?.valueQuantity as Json | undefined)?.value;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The patient's most recent value of each vital, from the store (fallbacks where absent). */
export async function lastVitals(store: FhirStore, patientId: string): Promise<VitalsState> {
  const latest = async (code: string): Promise<Json | undefined> =>
    (await store.search('Observation', { subject: `Patient/${patientId}`, code: `http://loinc.org|${code}`, _sort: '-date', _count: '1' }))[0] as
      | Json
      | undefined;
  const [hr, bp, spo2, rr] = await Promise.all([latest('8867-4'), latest('85354-9'), latest('59408-5'), latest('9279-1')]);
  const start: VitalsState = {
    hrBpm: quantityOf(hr) ?? FALLBACK_VITALS.hrBpm,
    sbpMmHg: quantityOf(bp, '8480-6') ?? FALLBACK_VITALS.sbpMmHg,
    dbpMmHg: quantityOf(bp, '8462-4') ?? FALLBACK_VITALS.dbpMmHg,
    spo2Pct: quantityOf(spo2) ?? FALLBACK_VITALS.spo2Pct,
    rrPerMin: quantityOf(rr) ?? FALLBACK_VITALS.rrPerMin,
  };
  if (start.dbpMmHg >= start.sbpMmHg) {
    start.sbpMmHg = FALLBACK_VITALS.sbpMmHg;
    start.dbpMmHg = FALLBACK_VITALS.dbpMmHg;
  }
  return start;
}

export interface MonitorFeedOptions {
  patientId: string;
  intervalMs: number;
  seed?: number;
  now?: () => number;
}

export interface MonitorFeed {
  /** Posts one set now (tests and the first tick use it). Resolves with the number of Observations created. */
  tick(): Promise<number>;
  stop(): Promise<void>;
}

/** Makes sure the service account exists (random password: nobody can sign in as it). */
async function ensureMonitorUser(app: FastifyInstance): Promise<void> {
  const users = app.twin.users;
  if (users.get(MONITOR_USER.id)) return;
  // demo: true — removed with the other demo accounts when the server runs against a real upstream.
  await users.create({ ...MONITOR_USER, password: randomBytes(32).toString('base64url'), demo: true, id: MONITOR_USER.id });
}

export async function startMonitorFeed(app: FastifyInstance, options: MonitorFeedOptions): Promise<MonitorFeed> {
  const ctx = app.twin;
  await ensureMonitorUser(app);
  const now = options.now ?? Date.now;
  const generator = new VitalsGenerator(await lastVitals(ctx.store, options.patientId), options.seed ?? 20260301);
  let lastTickMs = now();
  const post: PostFhir = async (path, body, headers) => {
    // A short-lived token per tick: nothing long-lived to leak, and a role change applies at once.
    const { token } = issueToken(MONITOR_USER.id, MONITOR_USER.role, 300, ctx.config.sessionSecret);
    const res = await app.inject({ method: 'POST', url: path, payload: body, headers: { ...headers, authorization: `Bearer ${token}` } });
    return { status: res.statusCode, body: res.body };
  };

  const tick = async (): Promise<number> => {
    const t = now();
    const dtSec = Math.max(1, (t - lastTickMs) / 1000);
    lastTickMs = t;
    const v = generator.step(dtSec);
    const effectiveIso = new Date(t).toISOString();
    const observations = vitalsToObservations(options.patientId, { effectiveIso, ...v }, `monitor:${options.patientId}:${effectiveIso}`, 'Bedside monitor (demo feed)');
    const summary = await writeObservations(post, observations, { retries: 0 });
    return summary.created;
  };

  let stopped = false;
  let inflight: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (stopped || inflight) return; // a slow tick is not overlapped by the next
    inflight = tick()
      .catch((err: unknown) => {
        // No PHI here: the message names the HTTP status and OperationOutcome text only.
        console.warn(`twinscope: monitor feed tick failed: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`);
      })
      .finally(() => {
        inflight = null;
      });
  }, options.intervalMs);
  timer.unref();

  return {
    tick,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await inflight;
    },
  };
}

/** Registers the demo monitor feed with the app's lifecycle (demo mode, interval > 0). */
export function registerMonitorFeed(app: FastifyInstance, patientId: string): void {
  const { config } = app.twin;
  if (!config.demoMode || config.feedIntervalMs <= 0) return;
  let feed: MonitorFeed | null = null;
  app.addHook('onReady', async () => {
    // Without the demo record (TWIN_SEED_DEMO=0) there is no monitored patient to feed.
    if (!(await app.twin.store.read('Patient', patientId))) return;
    feed = await startMonitorFeed(app, { patientId, intervalMs: config.feedIntervalMs });
  });
  app.addHook('preClose', async () => {
    await feed?.stop();
  });
}
