// How the proxy authenticates to the FHIR upstream: a static bearer token, or an OAuth 2.0
// client-credentials grant (RFC 6749 §4.4) whose access token is cached until shortly before it
// expires. The cache is per process and holds only the proxy's own service token — never a user's
// session — so several proxy copies may each hold one without any coordination.
import type { UpstreamFhirConfig } from '../config';
import { UpstreamError } from './errors';

export interface UpstreamCredentials {
  /** The Authorization header value to send, or null for an open upstream. */
  authorization(): Promise<string | null>;
  /** Forget a cached token (the upstream answered 401 with it). */
  invalidate(): void;
}

export const noCredentials: UpstreamCredentials = {
  authorization: () => Promise.resolve(null),
  invalidate: () => undefined,
};

export function staticBearer(token: string): UpstreamCredentials {
  const header = `Bearer ${token}`;
  return { authorization: () => Promise.resolve(header), invalidate: () => undefined };
}

export interface ClientCredentialsOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  /** Refresh this long before expiry so a token never expires in flight. */
  refreshSkewSec?: number;
  /** Lifetime assumed when the token endpoint does not say (expires_in is only RECOMMENDED). */
  defaultLifetimeSec?: number;
  timeoutMs?: number;
  now?: () => number;
  fetchImpl?: typeof fetch;
}

interface CachedToken {
  header: string;
  expiresAtMs: number;
}

export class ClientCredentialsGrant implements UpstreamCredentials {
  private cached: CachedToken | null = null;
  /** One request in flight at a time: concurrent callers share it instead of stampeding the token endpoint. */
  private inflight: Promise<CachedToken> | null = null;
  private readonly now: () => number;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: ClientCredentialsOptions) {
    this.now = opts.now ?? Date.now;
    this.fetchImpl = opts.fetchImpl ?? fetch;
  }

  async authorization(): Promise<string> {
    const c = this.cached;
    if (c && this.now() < c.expiresAtMs) return c.header;
    if (!this.inflight) {
      this.inflight = this.requestToken().finally(() => {
        this.inflight = null;
      });
    }
    const fresh = await this.inflight;
    this.cached = fresh;
    return fresh.header;
  }

  invalidate(): void {
    this.cached = null;
  }

  private async requestToken(): Promise<CachedToken> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.opts.scope) form.set('scope', this.opts.scope);
    // client_secret_basic (RFC 6749 §2.3.1): id and secret form-urlencoded, then base64 in Basic.
    const basic = Buffer.from(`${encodeURIComponent(this.opts.clientId)}:${encodeURIComponent(this.opts.clientSecret)}`).toString('base64');
    let res: Response;
    try {
      res = await this.fetchImpl(this.opts.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${basic}` },
        body: form.toString(),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new UpstreamError(
        timedOut ? 504 : 502,
        timedOut ? 'timeout' : 'transient',
        timedOut ? 'the upstream token endpoint did not answer in time' : 'the upstream token endpoint cannot be reached',
      );
    }
    const text = await res.text();
    if (!res.ok) {
      // The body of an OAuth error is {error, error_description}; the code alone is safe to show.
      let code = '';
      try {
        code = String((JSON.parse(text) as { error?: unknown }).error ?? '');
      } catch {
        // not JSON
      }
      throw new UpstreamError(502, 'security', `the upstream token endpoint refused the client credentials (HTTP ${res.status}${code ? `, ${code.slice(0, 40)}` : ''}); check FHIR_UPSTREAM_CLIENT_ID/SECRET`);
    }
    let body: { access_token?: unknown; token_type?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new UpstreamError(502, 'invalid', 'the upstream token endpoint answered with something that is not JSON');
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new UpstreamError(502, 'invalid', 'the upstream token endpoint answered without an access_token');
    }
    const tokenType = typeof body.token_type === 'string' ? body.token_type : 'Bearer';
    if (tokenType.toLowerCase() !== 'bearer') {
      throw new UpstreamError(502, 'not-supported', `the upstream token endpoint issued a "${tokenType.slice(0, 20)}" token; only Bearer is supported`);
    }
    const lifetimeSec =
      typeof body.expires_in === 'number' && body.expires_in > 0
        ? body.expires_in
        : typeof body.expires_in === 'string' && /^\d+$/.test(body.expires_in)
          ? Number(body.expires_in)
          : (this.opts.defaultLifetimeSec ?? 300);
    const skewSec = Math.min(this.opts.refreshSkewSec ?? 30, lifetimeSec / 2);
    return { header: `Bearer ${body.access_token}`, expiresAtMs: this.now() + (lifetimeSec - skewSec) * 1000 };
  }
}

export function credentialsFor(config: UpstreamFhirConfig, timeoutMs?: number): UpstreamCredentials {
  if (config.clientCredentials) {
    const cc = config.clientCredentials;
    return new ClientCredentialsGrant({
      tokenUrl: cc.tokenUrl,
      clientId: cc.clientId,
      clientSecret: cc.clientSecret,
      ...(cc.scope ? { scope: cc.scope } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
  }
  if (config.token) return staticBearer(config.token);
  return noCredentials;
}
