// /dicomweb/* → DICOMWEB_UPSTREAM_URL (any DICOMweb PACS: Orthanc, dcm4chee, a cloud service).
// Bodies stream both ways (STOW uploads and WADO downloads are never buffered whole), with
// bounded waits: no response headers in time → 504, upstream unreachable → 502. JSON answers
// are rewritten so the PACS's own URLs (RetrieveURL, BulkDataURI) point back through the proxy.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pipeline, Readable, Transform } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { sendOutcome } from '../http/operation-outcome';

export interface ProxyOptions {
  /** Wait for the upstream's response headers, ms (default 30 s). */
  headersTimeoutMs?: number;
  /** Longest pause between body chunks while streaming, ms (default 60 s). */
  bodyIdleTimeoutMs?: number;
}

const FORWARD_REQUEST_HEADERS = ['accept', 'content-type', 'content-length'];
const FORWARD_RESPONSE_HEADERS = ['content-type', 'content-location', 'warning', 'etag', 'last-modified', 'cache-control'];
const UID = /^[0-9]+(\.[0-9]+)*$/;

interface Upstream {
  base: string;
  authorization: string | undefined;
}

function parseUpstream(url: string): Upstream {
  const u = new URL(url);
  // fetch refuses URLs with credentials; send them as Basic auth instead.
  const authorization = u.username ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}` : undefined;
  u.username = '';
  u.password = '';
  return { base: u.toString().replace(/\/+$/, ''), authorization };
}

function causeCode(err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code ?? (err instanceof Error ? err.name : 'error');
}

export async function registerDicomwebProxy(app: FastifyInstance, options: { url: string } & ProxyOptions): Promise<void> {
  const upstream = parseUpstream(options.url);
  const headersTimeoutMs = options.headersTimeoutMs ?? 30_000;
  const bodyIdleTimeoutMs = options.bodyIdleTimeoutMs ?? 60_000;
  const upstreamHost = new URL(upstream.base).host;

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const [path = '', query] = req.url.split(/\?(.*)/s, 2);
    // The router matched /dicomweb/* on the decoded path; drop the first raw segment (however it
    // was encoded) and forward the rest as sent.
    const rest = `/${path.split('/').slice(2).join('/')}`;
    const segments = rest.split('/').filter(Boolean);
    const unsafe = segments.some((s) => {
      let d: string;
      try {
        d = decodeURIComponent(s);
      } catch {
        return true;
      }
      return d === '..' || d === '.' || d.includes('/') || d.includes('\\');
    });
    if (unsafe) return sendOutcome(reply, 400, 'value', 'the path has dot, slash-encoded or badly encoded segments');
    const studiesAt = segments.indexOf('studies');
    const study = studiesAt >= 0 ? segments[studiesAt + 1] : undefined;
    if (study && UID.test(study)) req.auditEntities = [...(req.auditEntities ?? []), `Study/${study}`];

    const headers: Record<string, string> = {};
    for (const h of FORWARD_REQUEST_HEADERS) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    if (upstream.authorization) headers.authorization = upstream.authorization;
    const target = `${upstream.base}${rest}${query ? `?${query}` : ''}`;
    const controller = new AbortController();
    const headersTimer = setTimeout(() => controller.abort(new Error('headers timeout')), headersTimeoutMs);
    let res: Response;
    try {
      const hasBody = req.method === 'POST' || req.method === 'PUT';
      res = await fetch(target, {
        method: req.method,
        headers,
        signal: controller.signal,
        redirect: 'manual',
        ...(hasBody ? { body: req.body as Readable as unknown as NonNullable<RequestInit['body']>, duplex: 'half' } : {}),
      } as RequestInit);
    } catch (err) {
      clearTimeout(headersTimer);
      if (controller.signal.aborted) {
        req.auditDetail = 'upstream PACS timeout';
        return sendOutcome(reply, 504, 'timeout', `the PACS at ${upstreamHost} did not answer within ${Math.round(headersTimeoutMs / 1000)} s`);
      }
      req.auditDetail = 'upstream PACS unreachable';
      return sendOutcome(reply, 502, 'transient', `the PACS at ${upstreamHost} could not be reached (${causeCode(err)})`);
    }
    clearTimeout(headersTimer);

    reply.code(res.status);
    for (const h of FORWARD_RESPONSE_HEADERS) {
      const v = res.headers.get(h);
      if (v !== null) reply.header(h, v);
    }
    if (res.status >= 500) req.auditDetail = `upstream PACS answered ${res.status}`;
    const contentType = res.headers.get('content-type') ?? '';
    if (!res.body) return reply.send();
    if (/json/i.test(contentType)) {
      // Small answers (QIDO, metadata, STOW results): rewrite the PACS's URLs to ours.
      const text = await res.text();
      const ours = `${req.protocol}://${req.host}/dicomweb`;
      return reply.send(text.split(upstream.base).join(ours));
    }
    // Everything else streams through; a stalled upstream is cut after the idle timeout.
    // (A Transform, not a 'data' listener: a listener would start the flow before Fastify pipes.)
    const source = Readable.fromWeb(res.body as unknown as NodeReadableStream<Uint8Array>);
    let idle = setTimeout(() => controller.abort(new Error('body idle timeout')), bodyIdleTimeoutMs);
    const body = new Transform({
      transform(chunk: Buffer, _enc, done) {
        clearTimeout(idle);
        idle = setTimeout(() => controller.abort(new Error('body idle timeout')), bodyIdleTimeoutMs);
        done(null, chunk);
      },
    });
    pipeline(source, body, () => clearTimeout(idle));
    return reply.send(body);
  };

  await app.register(async (scope) => {
    // Request bodies stay streams: a 1 GB STOW goes through without being held in memory.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    // Passed through as the PACS sent it: no second compression of pixel data on the way.
    scope.get('/dicomweb/*', { compress: false }, handler);
    scope.post('/dicomweb/*', { compress: false }, handler);
  });
}
