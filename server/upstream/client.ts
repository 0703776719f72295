// HTTP client for a FHIR R4 upstream: keep-alive connections, the proxy's service credentials,
// bounded waiting (no answer within timeoutMs → 504; unreachable → 502) and streamed bodies.
// It also keeps the upstream's observed health for /healthz.
//
// Per-process state, and why several proxy copies may run side by side: the connection pool,
// the cached service token and the last observed health are caches of facts about the upstream;
// losing them (restart) or having a different copy of them per process changes nothing a client
// can see except one extra token request or probe.
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { UpstreamCredentials } from './credentials';
import { classifyUpstreamFailure, UpstreamError } from './errors';

export interface UpstreamRequest {
  method: string;
  /** Path and query relative to the upstream base, without a leading slash: "Observation?patient=…". */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Overrides the client's timeout (health probes use a shorter one). */
  timeoutMs?: number;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body stream; the caller must consume or destroy it. */
  body: IncomingMessage;
}

export type UpstreamState = 'unknown' | 'ok' | 'down' | 'slow';

export interface UpstreamHealth {
  status: UpstreamState;
  /** ISO time of the last request that reached (or failed to reach) the upstream. */
  checkedAt?: string;
  /** PHI-free reason of the last failure. */
  detail?: string;
}

export interface UpstreamClientOptions {
  baseUrl: string;
  credentials: UpstreamCredentials;
  timeoutMs: number;
  maxSockets?: number;
}

export class UpstreamFhirClient {
  readonly baseUrl: string;
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private health: UpstreamHealth = { status: 'unknown' };

  constructor(private readonly opts: UpstreamClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.base = new URL(`${this.baseUrl}/`);
    const secure = this.base.protocol === 'https:';
    this.transport = secure ? https : http;
    const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 64, keepAliveMsecs: 10_000 };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  get timeoutMs(): number {
    return this.opts.timeoutMs;
  }

  get lastHealth(): UpstreamHealth {
    return { ...this.health };
  }

  /** True when the last request, less than `withinMs` ago, found the upstream down or too slow. */
  recentlyUnavailable(withinMs: number): boolean {
    const h = this.health;
    if (h.status !== 'down' && h.status !== 'slow') return false;
    return h.checkedAt !== undefined && Date.now() - Date.parse(h.checkedAt) < withinMs;
  }

  /** Sends one request; resolves when the response headers arrived. Throws UpstreamError. */
  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    const first = await this.send(req, await this.opts.credentials.authorization());
    if (first.status !== 401) return first;
    // A cached service token may have been revoked or expired early: get a new one and retry once.
    first.body.resume();
    this.opts.credentials.invalidate();
    const header = await this.opts.credentials.authorization();
    if (header === null) return this.send(req, null);
    return this.send(req, header);
  }

  /** Buffered JSON request for the proxy's own needs (polling, consent lookups). */
  async json(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<{ status: number; body: unknown }> {
    const res = await this.request({
      method,
      path,
      headers: { accept: 'application/fhir+json', ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
    const text = await readAll(res.body, 64 * 1024 * 1024);
    try {
      return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
    } catch {
      throw new UpstreamError(502, 'invalid', `the FHIR server answered HTTP ${res.status} with a body that is not JSON`);
    }
  }

  /** Asks the upstream for its CapabilityStatement with a short deadline; updates and returns the health. */
  async probe(timeoutMs = Math.min(this.opts.timeoutMs, 3000)): Promise<UpstreamHealth> {
    try {
      const res = await this.request({ method: 'GET', path: 'metadata?_summary=true', headers: { accept: 'application/fhir+json' }, timeoutMs });
      res.body.resume();
      if (res.status >= 500) this.mark('down', `metadata answered HTTP ${res.status}`);
    } catch {
      // mark() already recorded the failure
    }
    return this.lastHealth;
  }

  close(): void {
    this.agent.destroy();
  }

  private mark(status: UpstreamState, detail?: string): void {
    this.health = { status, checkedAt: new Date().toISOString(), ...(detail ? { detail } : {}) };
  }

  private send(req: UpstreamRequest, authorization: string | null): Promise<UpstreamResponse> {
    const timeoutMs = req.timeoutMs ?? this.opts.timeoutMs;
    const url = new URL(req.path.replace(/^\/+/, ''), this.base);
    // The joined URL must stay under the base: a path like "../admin" never leaves the FHIR root.
    if (!url.href.startsWith(this.base.href)) {
      return Promise.reject(new UpstreamError(502, 'exception', 'refused to send a request outside the FHIR base'));
    }
    const headers: Record<string, string> = {
      // Identity encoding: the proxy rewrites base URLs in the body as it streams.
      'accept-encoding': 'identity',
      ...req.headers,
    };
    if (authorization) headers.authorization = authorization;
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    return new Promise<UpstreamResponse>((resolve, reject) => {
      let settled = false;
      const outgoing = this.transport.request(url, { method: req.method, headers, agent: this.agent }, (res) => {
        settled = true;
        clearTimeout(timer);
        this.mark(res.statusCode !== undefined && res.statusCode >= 500 ? 'down' : 'ok', res.statusCode !== undefined && res.statusCode >= 500 ? `HTTP ${res.statusCode}` : undefined);
        // A body that stalls longer than the timeout is cut off (the status line is already sent).
        res.setTimeout(timeoutMs, () => res.destroy(Object.assign(new Error('upstream body stalled'), { code: 'UPSTREAM_TIMEOUT' })));
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: res });
      });
      const timer = setTimeout(() => {
        outgoing.destroy(Object.assign(new Error('upstream timeout'), { code: 'UPSTREAM_TIMEOUT' }));
      }, timeoutMs);
      outgoing.on('error', (err) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        const mapped = classifyUpstreamFailure(err, timeoutMs);
        this.mark(mapped.status === 504 ? 'slow' : 'down', mapped.message);
        reject(mapped);
      });
      if (req.body !== undefined) outgoing.end(req.body);
      else outgoing.end();
    });
  }
}

/** Reads a stream into a string, refusing more than maxBytes. */
export async function readAll(stream: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const b = chunk as Buffer;
      size += b.length;
      if (size > maxBytes) {
        stream.destroy();
        throw new UpstreamError(502, 'too-costly', `the FHIR server's answer is larger than ${maxBytes} bytes`);
      }
      chunks.push(b);
    }
  } catch (err) {
    if (err instanceof UpstreamError) throw err;
    throw classifyUpstreamFailure(err, 0);
  }
  return Buffer.concat(chunks).toString('utf8');
}
