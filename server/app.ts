// Composition root: builds the Fastify app from a config. Tests call buildApp() and listen on
// port 0; main.ts does the same for real. Order matters: cross-cutting hooks (security headers,
// sign-in, roles, audit) are installed before any route so they cover every route, including
// those the other server parts register in the marked place below.
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import type { AuditEvent } from '@medplum/fhirtypes';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildAuditRecord, isAuditedPath } from './audit/record';
import { AuditLog } from './audit/log';
import { AuditTrail, type AuditEventStore } from './audit/trail';
import { decide, protectedAreaOf, type BundleEntryShape } from './auth/rbac';
import { registerAuthRoutes } from './auth/routes';
import { createAuthenticator, createGuards } from './auth/session';
import { UserStore } from './auth/users';
import type { ServerConfig } from './config';
import type { Authenticate, Guards } from './contracts';
import { registerConsentRoutes } from './consent/routes';
import { ConsentService, type ConsentSource } from './consent/service';
import type { ConsentLike } from './consent/evaluate';
import { seedDemoData } from './demo/seed';
import { setupDicomweb } from './dicomweb/setup';
import { registerFhirRoutes, type FhirBackend } from './fhir/routes';
import { FhirStore } from './fhir/store';
import { FHIR_JSON_CONTENT_TYPE, operationOutcome, sendOutcome } from './http/operation-outcome';
import { installSecurityHeaders } from './http/security-headers';
import { openDatabase, type Db } from './storage/database';
import { registerLiveEvents } from './events/plugin';
import { registerMonitorFeed } from './feed/monitor';
import { DEMO_MONITORED_PATIENT } from './demo/ids';
import { createUpstreamFhir, registerUpstreamFhir } from './upstream';

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
  fhirBackend: FhirBackend;
  users: UserStore;
  authenticate: Authenticate;
  guards: Guards;
  consent: ConsentService;
  audit: AuditTrail;
  /**
   * Records the audit line of a request that bypasses onSend (hijacked/streamed replies such
   * as SSE). Call once when the response starts; the automatic hook then skips the request.
   */
  auditRequest: (req: FastifyRequest, httpStatus: number, extra?: AuditExtra) => Promise<void>;
  health: HealthRegistry;
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
}

function embeddedBackend(store: FhirStore): FhirBackend {
  return {
    mode: 'embedded',
    handle: (req) => store.handle(req),
    health: async () => ({ status: 'ok' }),
  };
}

function embeddedAuditEvents(store: FhirStore): AuditEventStore {
  // Micro-batch: AuditEvents arriving in the same tick share one SQLite transaction (one fsync).
  let batch: { event: AuditEvent; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const flush = (): void => {
    const current = batch;
    batch = [];
    store
      .putAll(
        current.map((b) => b.event),
        'relaxed', // audit.log (fsync'ed) is the source of truth; missing AuditEvents are re-sent at start
      )
      .then(() => current.forEach((b) => b.resolve()))
      .catch((err: unknown) => current.forEach((b) => b.reject(err)));
  };
  return {
    put: (event) =>
      new Promise<void>((resolve, reject) => {
        if (batch.length === 0) setImmediate(flush);
        batch.push({ event, resolve, reject });
      }),
    has: async (id) => store.repo.has('AuditEvent', id),
  };
}

function embeddedConsents(store: FhirStore): ConsentSource {
  return async (patientId) => (await store.search('Consent', { patient: `Patient/${patientId}`, status: 'active' })) as ConsentLike[];
}

/** Extracts (method, type) of each entry of a POST /fhir Bundle, for the role check. */
function bundleEntriesOf(body: unknown): BundleEntryShape[] {
  const entries = body && typeof body === 'object' ? (body as { entry?: unknown }).entry : undefined;
  if (!Array.isArray(entries)) return [];
  return entries.map((e: unknown) => {
    const req = e && typeof e === 'object' ? (e as { request?: { method?: unknown; url?: unknown } }).request : undefined;
    const url = typeof req?.url === 'string' ? req.url : '';
    const type = url.replace(/^\/+/, '').split(/[/?]/)[0];
    return { method: typeof req?.method === 'string' ? req.method : 'GET', resourceType: type || undefined };
  });
}

function pathOf(req: FastifyRequest): string {
  return req.url.split('?')[0] ?? '';
}

const API_PREFIXES = /^\/(fhir|dicomweb|events|api|auth|healthz)(?:\/|$|\?)/;

export async function buildApp(config: ServerConfig, overrides: AppOverrides = {}): Promise<FastifyInstance> {
  const db = openDatabase(config.dataDir);
  const users = new UserStore(db);
  await users.syncDemoUsers(config.demoMode, config.demoPassword);
  const store = await FhirStore.open(db);
  const seedDemo = config.demoMode && config.seedDemo && overrides.seedDemo !== false;
  if (seedDemo) await seedDemoData(store);

  // ---- FHIR backend switch (registerUpstream): server/upstream/ provides the upstream backend ----
  let fhirBackend: FhirBackend;
  // Upstream mode: /fhir (streamed), consents, AuditEvents and live events go to FHIR_UPSTREAM_URL.
  const upstream = !overrides.fhirBackend && config.fhirUpstream ? createUpstreamFhir(config) : null;
  if (overrides.fhirBackend) fhirBackend = overrides.fhirBackend;
  else if (upstream) fhirBackend = upstream.backend;
  else fhirBackend = embeddedBackend(store);

  const auditLog = AuditLog.inDir(config.dataDir);
  const audit = new AuditTrail(auditLog, overrides.auditEventStore ?? upstream?.auditEventStore ?? embeddedAuditEvents(store), overrides.auditRetryMs);
  await audit.resendMissing();
  const consent = new ConsentService(overrides.consentSource ?? upstream?.consentSource ?? embeddedConsents(store));
  const { authenticate, resolve } = createAuthenticator(users, config.sessionSecret);
  const guards = createGuards(authenticate);
  const health = new HealthRegistry();
  health.add('fhir', async () => ({ mode: fhirBackend.mode, ...(await fhirBackend.health()) }));
  health.add('dicom', async () => ({ status: 'not-configured' }));

  const app = Fastify({
    logger: false, // request logs would carry query strings, which can hold PHI
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
  });

  const auditRequest = async (req: FastifyRequest, httpStatus: number, extra: AuditExtra = {}): Promise<void> => {
    if (req.twinAudited) return;
    req.twinAudited = true;
    await audit.record(
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
      }),
    );
  };

  const ctx: AppContext = { config, db, store, fhirBackend, users, authenticate, guards, consent, audit, auditRequest, health };
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

  // ---- sign-in and roles on every protected route (also unknown ones under those prefixes) ----
  app.addHook('onRequest', async (req, reply) => {
    const path = pathOf(req);
    const area = protectedAreaOf(path);
    if (area === null && path !== '/auth/logout') return;
    const auth = resolve(req);
    // Cookies ride along on cross-site requests; SameSite=Strict stops that in modern browsers,
    // and this Origin check stops it in the rest.
    if (auth?.via === 'cookie' && req.method !== 'GET' && req.method !== 'HEAD') {
      const origin = req.headers.origin;
      if (typeof origin === 'string' && origin !== 'null') {
        let originHost = '';
        try {
          originHost = new URL(origin).host;
        } catch {
          originHost = '';
        }
        if (originHost !== req.host) {
          req.auditDetail = 'cross-origin request refused';
          return sendOutcome(reply, 403, 'security', 'cross-origin request refused');
        }
      }
    }
    if (area !== null && !auth) {
      req.auditDetail = 'unauthenticated';
      return sendOutcome(reply, 401, 'login', 'sign in first: no valid session (missing, expired, revoked or tampered token)');
    }
  });
  app.addHook('preHandler', async (req, reply) => {
    const path = pathOf(req);
    if (protectedAreaOf(path) === null) return;
    const user = resolve(req)?.user ?? null;
    const isBundlePost = req.method === 'POST' && /^\/fhir\/?$/.test(path);
    const decision = decide(user?.role ?? null, {
      method: req.method,
      pathname: path,
      ...(isBundlePost ? { bundleEntries: bundleEntriesOf(req.body) } : {}),
    });
    if (!decision.allow) {
      req.auditDetail = decision.reason;
      return sendOutcome(reply, decision.status, decision.status === 401 ? 'login' : decision.status === 405 ? 'not-supported' : 'forbidden', decision.reason);
    }
  });

  // ---- audit: exactly one durable record per /fhir, /dicomweb, /events request ----
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.twinAudited || !isAuditedPath(pathOf(req))) return payload;
    try {
      await auditRequest(req, reply.statusCode);
      return payload;
    } catch {
      // Without its audit record the response must not go out as if nothing happened.
      reply.code(503).type(FHIR_JSON_CONTENT_TYPE);
      return JSON.stringify(operationOutcome('exception', 'the audit log could not be written; the request was not completed'));
    }
  });
  app.addHook('onRequestAbort', async (req) => {
    if (!req.twinAudited && isAuditedPath(pathOf(req))) {
      await auditRequest(req, 499, { detail: 'client closed the request' }).catch(() => undefined);
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      // Message and code only: never the request URL or body (PHI).
      console.error(`twinscope: internal error on ${req.method} ${pathOf(req).slice(0, 80)}: ${err.code ?? ''} ${err.message.slice(0, 300)}`);
      req.auditDetail = 'internal error';
      return sendOutcome(reply, 500, 'exception', 'internal server error');
    }
    if (status === 413) return sendOutcome(reply, 413, 'too-costly', `the request body is larger than ${config.bodyLimitBytes} bytes`);
    if (status === 415) return sendOutcome(reply, 415, 'not-supported', `unsupported Content-Type: send application/fhir+json or application/json`);
    if (status === 429) {
      // @fastify/rate-limit throws what errorResponseBuilder returned: an OperationOutcome plus statusCode.
      const diagnostics = (err as { issue?: { diagnostics?: string }[] }).issue?.[0]?.diagnostics ?? 'too many requests; try again later';
      return reply.code(429).type(FHIR_JSON_CONTENT_TYPE).send(operationOutcome('throttled', diagnostics));
    }
    req.auditDetail = err.message.slice(0, 120);
    return sendOutcome(reply, status, 'invalid', err.message.slice(0, 300));
  });

  app.get('/healthz', async (_req, reply) => {
    const sections = await health.report();
    return reply.header('cache-control', 'no-store').send({ status: 'ok', ...sections });
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
  if (upstream) await registerUpstreamFhir(app, upstream);
  else await registerFhirRoutes(app, { backend: fhirBackend, consent });

  // ======================================================================================
  // Other server parts register their Fastify plugins here, with `app.twin` (AppContext):
  //   registerEvents(app)     server/events/    GET /events (SSE) from ctx.store.onWrite; audit via ctx.auditRequest
  //   registerUpstream(app)   server/upstream/  (backend itself is chosen above: overrides.fhirBackend)
  //   registerDicomweb(app)   server/dicomweb/  /dicomweb/*; health.add('dicom', …)
  // ======================================================================================
  registerLiveEvents(app, upstream ? { hub: upstream.hub } : {});
  registerMonitorFeed(app, DEMO_MONITORED_PATIENT);
  await setupDicomweb(app, { seedDemo });

  await registerStaticSpa(app, config.staticDir);
  app.addHook('onClose', async () => {
    await audit.close();
    store.close();
    db.close();
  });
  return app;
}

/** Serves the built SPA with history fallback; unknown API paths get a 404 OperationOutcome. */
async function registerStaticSpa(app: FastifyInstance, staticDir: string): Promise<void> {
  const hasIndex = existsSync(join(staticDir, 'index.html'));
  if (existsSync(staticDir)) {
    await app.register(fastifyStatic, {
      root: staticDir,
      prefix: '/',
      wildcard: true,
      index: false,
      cacheControl: false,
      setHeaders: (res, filePath) => {
        // Hashed bundle files never change under the same name; index.html must always be revalidated.
        if (/[\\/]assets[\\/]/.test(filePath)) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
        else if (filePath.endsWith('index.html')) res.setHeader('cache-control', 'no-cache');
        else res.setHeader('cache-control', 'public, max-age=3600');
      },
    });
  }
  const sendIndex = (reply: FastifyReply): FastifyReply => {
    if (!hasIndex) {
      return sendOutcome(reply, 503, 'not-found', `the web app is not built (no ${join(staticDir, 'index.html')}); run npm run build`);
    }
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html', staticDir, { cacheControl: false });
  };
  app.setNotFoundHandler((req, reply) => {
    const path = pathOf(req);
    const isHistoryRoute = (req.method === 'GET' || req.method === 'HEAD') && !API_PREFIXES.test(path) && !/^\/assets\//.test(path);
    if (isHistoryRoute) return sendIndex(reply);
    return sendOutcome(reply, 404, 'not-found', `no route for ${req.method} ${path.slice(0, 120)}`);
  });
  app.get('/', (_req, reply) => sendIndex(reply));
}
