// GET /events?patient={id}: Server-Sent Events of resources created or updated for one patient.
// Resumable with the Last-Event-ID header (what EventSource sends on reconnect) or ?lastEventId=
// (for clients that reconnect by hand). Clinical roles only: the stream names clinical resources.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CLINICAL_ROLES } from '../../core/contracts';
import type { Guards } from '../auth/guards';
import { sendOutcome, type IssueCode } from '../http/operation-outcome';
import type { PatientEventHub } from './hub';
import { formatEventFrame, SseConnection } from './sse';

export interface EventsRouteDeps {
  hub: PatientEventHub;
  guards: Guards;
  /**
   * Records the one audit record of an opened stream. A stream stays open for minutes or hours
   * and usually ends by the client going away, so the app's "audit when the response is sent"
   * hook would record it late or never: the route records it itself, durably, before the first
   * byte (AppContext.auditRequest, which also marks the request as audited). Refusals (401/403/
   * 400) are ordinary replies and are audited by the app's hook.
   */
  auditOpen: (req: FastifyRequest, patientId: string) => Promise<void>;
  /** Interval of the `: heartbeat` comment that keeps proxies and load balancers from idling the stream out. */
  heartbeatMs?: number;
  /** Per-connection send queue limit while the client is slow; beyond it the connection is dropped. */
  maxQueuedBytes?: number;
  /** EventSource reconnect delay suggested to browsers. */
  retryMs?: number;
}

const PATIENT_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const SEQ = /^\d{1,15}$/;

/** The refusal reason goes into the audit record (PHI-free: these texts are fixed). */
function noteRefusal(reply: FastifyReply, text: string): void {
  reply.request.auditDetail = text.slice(0, 120);
}

/** Parses the resume point; null when absent, undefined when malformed. */
export function parseResumePoint(header: string | string[] | undefined, query: unknown): number | null | undefined {
  const fromHeader = Array.isArray(header) ? header[0] : header;
  const raw = fromHeader !== undefined && fromHeader !== '' ? fromHeader : typeof query === 'string' && query !== '' ? query : undefined;
  if (raw === undefined) return null;
  const trimmed = raw.trim();
  if (!SEQ.test(trimmed)) return undefined;
  return Number(trimmed);
}

export function registerEvents(app: FastifyInstance, deps: EventsRouteDeps): void {
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const maxQueuedBytes = deps.maxQueuedBytes ?? 1024 * 1024;
  const retryMs = deps.retryMs ?? 3000;
  const connections = new Set<SseConnection>();
  // One timer for every connection (not one per subscriber), alive only while someone listens.
  let heartbeat: NodeJS.Timeout | null = null;
  const startHeartbeat = (): void => {
    if (heartbeat) return;
    heartbeat = setInterval(() => {
      for (const c of connections) c.heartbeat();
    }, heartbeatMs);
    heartbeat.unref();
  };
  const stopHeartbeatIfIdle = (): void => {
    if (connections.size === 0 && heartbeat) {
      clearInterval(heartbeat);
      heartbeat = null;
    }
  };

  const refuse = (reply: FastifyReply, status: number, code: IssueCode, text: string): FastifyReply => {
    noteRefusal(reply, text);
    return sendOutcome(reply, status, code, text);
  };

  const requireClinical = deps.guards.requireRole(CLINICAL_ROLES);

  app.get('/events', async (req, reply) => {
    const query = (req.query ?? {}) as Record<string, unknown>;
    // The app's hooks already refused anonymous and non-clinical users; checked again here so the
    // route is safe wherever it is mounted.
    const user = await requireClinical(req, reply);
    if (!user) return reply;
    const patientId = query.patient;
    if (typeof patientId !== 'string' || patientId === '') {
      return refuse(reply, 400, 'required', 'the query parameter "patient" is required, e.g. /events?patient=demo-as-72f');
    }
    if (!PATIENT_ID.test(patientId)) {
      return refuse(reply, 400, 'value', 'the patient id must be 1-64 letters, digits, "-" or "."');
    }
    const afterSeq = parseResumePoint(req.headers['last-event-id'], query.lastEventId);
    if (afterSeq === undefined) {
      return refuse(reply, 400, 'value', 'Last-Event-ID (or lastEventId) must be a non-negative whole number');
    }

    // Durable audit first: the stream is only opened once its record exists.
    await deps.auditOpen(req, patientId);

    reply.hijack();
    const res = reply.raw;
    // Headers that hooks already set on the reply (security headers, request id) still apply.
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) res.setHeader(name, typeof value === 'number' ? String(value) : value);
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells nginx-style reverse proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    const conn = new SseConnection(res, maxQueuedBytes, () => {
      req.log.warn({ patientId, reason: 'slow-consumer' }, 'events: dropping a slow SSE client; it will resume with Last-Event-ID');
    });
    connections.add(conn);
    startHeartbeat();
    conn.send(`retry: ${retryMs}\n\n`);

    const sub = deps.hub.open(patientId, afterSeq, (e) => conn.send(formatEventFrame(e)));
    sub.ready.catch((err: unknown) => {
      req.log.warn({ patientId, afterSeq, err: err instanceof Error ? err.message : String(err) }, 'events: replay from the store failed');
    });

    const cleanup = (): void => {
      sub.unsubscribe();
      connections.delete(conn);
      conn.close();
      stopHeartbeatIfIdle();
    };
    req.raw.once('close', cleanup);
    res.once('close', cleanup);
    res.once('error', cleanup);
  });

  app.addHook('preClose', (done) => {
    // End open streams so server.close() does not wait for clients that never hang up.
    for (const c of connections) c.close();
    connections.clear();
    stopHeartbeatIfIdle();
    done();
  });
}
