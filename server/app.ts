// Composition root: builds the Fastify app from a config. Tests call buildApp() and listen on
// port 0; main.ts does the same for real. Order matters: cross-cutting hooks (security headers,
// sign-in, roles, audit) are installed before any route so they cover every route, including
// those the other server parts register in the marked place below.
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { nodeThreadFactory } from '../workers/nodeThread/nodeThread';
import { installAuditHooks } from './audit/hooks';
import { buildAuditRecord } from './audit/record';
import { AuditEventTable } from './audit/event-table';
import { AUDIT_LOG_FILE, AuditLog, type AuditLogWriter } from './audit/log';
import { ThreadedAuditLog } from './audit/thread-log';
import { AuditTrail, type AuditEventStore } from './audit/trail';
import { installAccessControl } from './auth/hooks';
import { registerAuthRoutes } from './auth/routes';
import { createAuthenticator, createGuards } from './auth/session';
import { UserStore } from './auth/users';
import type { ServerConfig } from './config';
import type { Authenticate, Guards } from './auth/guards';
import { registerConsentRoutes } from './consent/routes';
import { ConsentService, type ConsentSource } from './consent/service';
import { seedDemoData } from './demo/seed';
import { setupDicomweb, type SetupDicomwebOptions } from './dicomweb/setup';
import { embeddedForwarder, type FhirBackend, type FhirBackendHealth } from './fhir/routes';
import { registerFhirPipeline } from './fhir/pipeline';
import { publicBaseOf } from './http/public-base';
import { embeddedBackend, embeddedConsents } from './fhir/embedded-adapters';
import { FhirStore } from './fhir/store';
import { frameworkErrorHandler, installErrorHandler } from './http/errors';
import { operationOutcome } from './http/operation-outcome';
import { installSecurityHeaders } from './http/security-headers';
import { registerStaticSpa } from './http/static-spa';
import { DB_FILE_NAME, openDatabase, startFullIntegrityCheck, type Db } from './storage/database';
import { registerLiveEvents } from './events/plugin';
import { registerImportRoutes } from './import/routes';
import { registerMonitorFeed } from './feed/monitor';
import { DEMO_MONITORED_PATIENT } from './demo/ids';
import { createUpstreamFhir, startUpstream, upstreamFhirForwarder } from './upstream';

export type HealthStatus = { status: string; [key: string]: unknown };

/** /healthz sections by name; "fhir" is built in, other parts add theirs (e.g. "dicom"). */
export class HealthRegistry {
  private readonly checks = new Map<string, () => Promise<HealthStatus>>();
  add(name: string, check: () => Promise<HealthStatus>): void {
    this.checks.set(name, check);
  }
  async report(): Promise<Record<string, HealthStatus>> {
    const out: Record<string, HealthStatus> = {};
    for (const [name, check] of this.checks) {
      try {
        out[name] = await check();
      } catch (err) {
        out[name] = { status: 'down', detail: err instanceof Error ? err.message.slice(0, 200) : 'check failed' };
      }
    }
    return out;
  }
}

export interface AuditExtra {
  entities?: string[];
  patientId?: string;
  detail?: string;
}

/** What the other server parts get (also available as `app.twin`). */
export interface AppContext {
  config: ServerConfig;
  db: Db;
  /** The embedded store (always present: it holds local data even in upstream mode). */
  store: FhirStore;
  fhirBackend: FhirBackendHealth;
  users: UserStore;
  authenticate: Authenticate;
  guards: Guards;
  consent: ConsentService;
  audit: AuditTrail;
  /** The embedded mode's AuditEvents (own SQLite table); in upstream mode they go upstream. */
  auditEvents: AuditEventTable;
  /**
   * Records the audit line of a request that bypasses onSend (hijacked/streamed replies such
   * as SSE). Call once when the response starts; the automatic hook then skips the request.
   */
  auditRequest: (req: FastifyRequest, httpStatus: number, extra?: AuditExtra) => Promise<void>;
  /**
   * Logs durably that this request is about to change stored data, before it does (the
   * completion is the request's auditRequest record). Rejects when the audit log cannot be
   * written: the caller must refuse the change (503) without making it.
   */
  auditIntent: (req: FastifyRequest, extra?: AuditExtra) => Promise<void>;
  health: HealthRegistry;
  /** Every route registered (Fastify onRoute), for the route × role table's completeness test. */
  routes: readonly { method: string; url: string }[];
}

declare module 'fastify' {
  interface FastifyInstance {
    twin: AppContext;
  }
  interface FastifyRequest {
    twinAudited?: boolean;
  }
}

export interface AppOverrides {
  /** Replaces the embedded store as the /fhir backend (upstream mode). */
  fhirBackend?: FhirBackend;
  /** Where consents are read from (default: the /fhir backend's store when embedded). */
  consentSource?: ConsentSource;
  /** Where AuditEvents are forwarded (default: the embedded store). */
  auditEventStore?: AuditEventStore;
  /** Seed the demo patients into an empty store (default: in demo mode). */
  seedDemo?: boolean;
  loginAttemptsPerMinute?: number;
  /** Milliseconds between re-sends of AuditEvents the store refused. */
  auditRetryMs?: number;
  /** The audit log to use (fault-injection tests: a log whose disk fills up). Default: audit.log in the data dir. */
  auditLog?: AuditLogWriter;
  /** Smaller demo CTs (tests); the demo uses the full 256×256×200 phantom. */
  demoPhantom?: SetupDicomwebOptions['demoPhantom'];
}

export async function buildApp(config: ServerConfig, overrides: AppOverrides = {}): Promise<FastifyInstance> {
  const db = openDatabase(config.dataDir);
  // The full integrity check of the store file runs beside the server (storage/database.ts).
  const integrity = startFullIntegrityCheck(db, (s) => {
    if (s.status === 'failed') process.stderr.write(`twinscope: the store file failed its integrity check (${s.detail ?? 'unknown'}); restore it from a backup\n`);
  });
  const users = new UserStore(db);
  await users.syncDemoUsers(config.demoMode, config.demoPassword);
  if (config.bootstrapAdmin) await users.ensureAdmin(config.bootstrapAdmin.username, config.bootstrapAdmin.password);
  // AuditEvents live in their own table, not in the FHIR store's memory index; move any an
  // earlier version put there before the store loads.
  const auditEvents = new AuditEventTable(db);
  auditEvents.migrateFromFhirVersions();
  const store = await FhirStore.open(db);
  const seedDemo = config.demoMode && config.seedDemo && overrides.seedDemo !== false;
  if (seedDemo) await seedDemoData(store);

  // ---- FHIR backend switch (registerUpstream): server/upstream/ provides the upstream backend ----
  let fhirBackend: FhirBackendHealth;
  // Upstream mode: /fhir (streamed), consents, AuditEvents and live events go to FHIR_UPSTREAM_URL.
  const upstream = !overrides.fhirBackend && config.fhirUpstream ? createUpstreamFhir(config) : null;
  const storeBackend: FhirBackend | null = upstream ? null : (overrides.fhirBackend ?? embeddedBackend(store, integrity));
  if (storeBackend) fhirBackend = storeBackend;
  else if (upstream) fhirBackend = upstream.backend;
  else throw new Error('no FHIR back end');

  // audit.log and (embedded mode) the AuditEvent inserts are written by the audit thread
  // (audit/thread-log.ts): the event loop only serialises each record and waits for its ack.
  // TWIN_AUDIT_THREAD=0: both on the event loop (audit/log.ts), for comparing the two.
  const auditEventStore = overrides.auditEventStore ?? upstream?.auditEventStore ?? auditEvents;
  const auditLog =
    overrides.auditLog ??
    (config.auditThread
      ? new ThreadedAuditLog(join(config.dataDir, AUDIT_LOG_FILE), auditEventStore === auditEvents ? join(config.dataDir, DB_FILE_NAME) : null, nodeThreadFactory(new URL('./audit/audit.worker.ts', import.meta.url), 'twinscope-audit'))
      : AuditLog.inDir(config.dataDir));
  const audit = new AuditTrail(auditLog, auditEventStore, overrides.auditRetryMs);
  await audit.resendMissing();
  const consent = new ConsentService(overrides.consentSource ?? upstream?.consentSource ?? embeddedConsents(store));
  const { authenticate, resolve } = createAuthenticator(users, config.sessionSecret);
  const guards = createGuards(authenticate);
  const health = new HealthRegistry();
  health.add('fhir', async () => ({ mode: fhirBackend.mode, ...(await fhirBackend.health()) }));
  health.add('dicom', async () => ({ status: 'not-configured' }));

  // Set once the audit trail is wired below; errors raised before routing are audited through it.
  const frameworkAudit: { record?: (req: FastifyRequest, httpStatus: number) => Promise<void> } = {};
  const app = Fastify({
    logger: false, // request logs would carry query strings, which can hold PHI
    // Bad percent-encoding and over-long path segments never reach the error handler or hooks.
    frameworkErrors: frameworkErrorHandler(config.bodyLimitBytes, () => frameworkAudit.record),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
  });

  const auditFacts = (req: FastifyRequest, httpStatus: number, extra: AuditExtra) =>
    buildAuditRecord({
      at: new Date().toISOString(),
      method: req.method,
      url: req.url,
      user: req.twinAuth?.user ?? null,
      httpStatus,
      requestId: String(req.id),
      sourceIp: req.ip,
      ...(extra.detail ?? req.auditDetail ? { detail: extra.detail ?? req.auditDetail } : {}),
      ...(extra.entities ?? req.auditEntities ? { entities: extra.entities ?? req.auditEntities } : {}),
      ...(extra.patientId ?? req.auditPatientId ? { patientId: extra.patientId ?? req.auditPatientId } : {}),
      ...(req.auditAction ? { action: req.auditAction } : {}),
    });
  const auditRequest = async (req: FastifyRequest, httpStatus: number, extra: AuditExtra = {}): Promise<void> => {
    if (req.twinAudited) return;
    req.twinAudited = true;
    await audit.record(auditFacts(req, httpStatus, extra));
  };
  const auditIntent = async (req: FastifyRequest, extra: AuditExtra = {}): Promise<void> => {
    await audit.recordIntent(auditFacts(req, 0, extra));
  };

  frameworkAudit.record = auditRequest;

  // Installed before any route: every route any part registers is seen (route-table.test.ts).
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (opts) => {
    for (const method of Array.isArray(opts.method) ? opts.method : [opts.method]) routes.push({ method, url: opts.url });
  });

  const ctx: AppContext = { config, db, store, fhirBackend, users, authenticate, guards, consent, audit, auditEvents, auditRequest, auditIntent, health, routes };
  app.decorate('twin', ctx);

  // FHIR clients send application/fhir+json; parse it like JSON everywhere (bad JSON → 400).
  app.addContentTypeParser(['application/fhir+json', 'application/json-patch+json'], { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  await app.register(cookie);
  await app.register(compress, { global: true, threshold: 1024 });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      ...operationOutcome('throttled', `too many sign-in attempts; try again in ${Math.ceil(context.ttl / 1000)} s`),
    }),
  });

  installSecurityHeaders(app);
  installAccessControl(app, resolve, config.publicBaseUrl);
  installAuditHooks(app, auditRequest);
  installErrorHandler(app, config.bodyLimitBytes);

  app.get('/healthz', async (_req, reply) => {
    const sections = await health.report();
    // Any back end down or degraded makes the whole server degraded (503), so a load balancer
    // or monitor stops trusting it; each section says which one.
    const healthy = Object.values(sections).every((s) => s.status === 'ok' || s.status === 'not-configured');
    // demo: the embedded store with the demo sign-ins (the UI shows their hint on the sign-in page).
    return reply
      .code(healthy ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: healthy ? 'ok' : 'degraded', demo: config.demoMode, ...sections });
  });

  await registerAuthRoutes(app, {
    users,
    guards,
    resolve,
    secret: config.sessionSecret,
    sessionTtlSec: config.sessionTtlSec,
    ...(overrides.loginAttemptsPerMinute !== undefined ? { loginAttemptsPerMinute: overrides.loginAttemptsPerMinute } : {}),
  });
  await registerConsentRoutes(app, consent);
  // One FHIR pipeline for both modes (fhir/pipeline.ts); only the forward step differs.
  await registerFhirPipeline(app, {
    forwarder: upstream ? upstreamFhirForwarder(upstream) : embeddedForwarder({ backend: storeBackend!, ...(overrides.fhirBackend ? {} : { auditEvents, flushAuditEvents: () => audit.flushEvents() }) }),
    consent,
    auditIntent: (req) => auditIntent(req),
    base: (req) => publicBaseOf(req, config.publicBaseUrl, '/fhir'),
  });
  if (upstream) startUpstream(app, upstream);

  // ======================================================================================
  // Other server parts register their Fastify plugins here, with `app.twin` (AppContext):
  //   registerEvents(app)     server/events/    GET /events (SSE) from ctx.store.onWrite; audit via ctx.auditRequest
  //   registerUpstream(app)   server/upstream/  (backend itself is chosen above: overrides.fhirBackend)
  //   registerDicomweb(app)   server/dicomweb/  /dicomweb/*; health.add('dicom', …)
  // ======================================================================================
  registerLiveEvents(app, upstream ? { hub: upstream.hub } : {});
  registerMonitorFeed(app, DEMO_MONITORED_PATIENT);
  await setupDicomweb(app, { seedDemo, ...(overrides.demoPhantom ? { demoPhantom: overrides.demoPhantom } : {}) });
  await registerImportRoutes(app); // server/import/: POST /api/import (IMPORT_ROLES)

  await registerStaticSpa(app, config.staticDir);
  app.addHook('onClose', async () => {
    await integrity.stop(); // the background check of the file must not outlive the server
    await audit.close();
    store.close();
    db.close();
  });
  return app;
}
