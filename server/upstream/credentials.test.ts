// OAuth2 client-credentials grant against a real HTTP token endpoint on loopback (node:http),
// plus the static-bearer and open-upstream cases.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientCredentialsGrant, credentialsFor, noCredentials, staticBearer } from './credentials';
import { UpstreamError } from './errors';

interface TokenRequest {
  authorization: string | undefined;
  body: string;
}

describe('upstream credentials', () => {
  let server: http.Server;
  let url = '';
  const seen: TokenRequest[] = [];
  /** What the endpoint answers next: status and JSON body. */
  let answer: { status: number; body: unknown } = { status: 200, body: {} };
  let issued = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ authorization: req.headers.authorization, body });
        issued++;
        const payload = typeof answer.body === 'function' ? (answer.body as () => unknown)() : answer.body;
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const a = server.address();
    url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/token`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('sends a client_secret_basic client-credentials request and caches the token until shortly before expiry', async () => {
    seen.length = 0;
    issued = 0;
    answer = { status: 200, body: () => ({ access_token: `tok-${issued}`, token_type: 'Bearer', expires_in: 120 }) };
    let nowMs = 1_000_000;
    const grant = new ClientCredentialsGrant({ tokenUrl: url, clientId: 'twin proxy', clientSecret: 's3cr:t', scope: 'system/*.read', now: () => nowMs });
    const [a, b] = await Promise.all([grant.authorization(), grant.authorization()]);
    expect(a).toBe('Bearer tok-1');
    expect(b).toBe('Bearer tok-1'); // concurrent callers share one request
    expect(seen).toHaveLength(1);
    // RFC 6749 §2.3.1: id and secret form-urlencoded, then Basic.
    expect(seen[0]?.authorization).toBe(`Basic ${Buffer.from('twin%20proxy:s3cr%3At').toString('base64')}`);
    expect(new URLSearchParams(seen[0]?.body)).toEqual(new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.read' }));

    nowMs += 89_000; // 120 s lifetime − 30 s skew = 90 s of use
    expect(await grant.authorization()).toBe('Bearer tok-1');
    nowMs += 2_000;
    expect(await grant.authorization()).toBe('Bearer tok-2');
    grant.invalidate();
    expect(await grant.authorization()).toBe('Bearer tok-3');
    expect(seen).toHaveLength(3);
  });

  it('maps refusals and malformed answers to a 502 naming the problem, without the secret', async () => {
    const grant = new ClientCredentialsGrant({ tokenUrl: url, clientId: 'c', clientSecret: 'very-secret' });
    answer = { status: 401, body: { error: 'invalid_client', error_description: 'nope' } };
    const refused = await grant.authorization().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UpstreamError);
    expect((refused as UpstreamError).status).toBe(502);
    expect((refused as UpstreamError).message).toMatch(/refused the client credentials \(HTTP 401, invalid_client\)/);
    expect((refused as UpstreamError).message).not.toContain('very-secret');
    answer = { status: 200, body: { token_type: 'Bearer' } };
    await expect(grant.authorization()).rejects.toThrow(/without an access_token/);
    answer = { status: 200, body: { access_token: 'x', token_type: 'mac' } };
    await expect(grant.authorization()).rejects.toThrow(/only Bearer is supported/);
  });

  it('answers 502 when the token endpoint is unreachable', async () => {
    const grant = new ClientCredentialsGrant({ tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c', clientSecret: 's', timeoutMs: 2000 });
    const err = (await grant.authorization().catch((e: unknown) => e)) as UpstreamError;
    expect(err.status).toBe(502);
    expect(err.message).toMatch(/cannot be reached/);
  });

  it('picks static bearer, client credentials or none from the config', async () => {
    expect(await staticBearer('abc').authorization()).toBe('Bearer abc');
    expect(await noCredentials.authorization()).toBeNull();
    expect(await credentialsFor({ url: 'http://x/fhir', token: 't' }).authorization()).toBe('Bearer t');
    expect(await credentialsFor({ url: 'http://x/fhir' }).authorization()).toBeNull();
    expect(credentialsFor({ url: 'http://x/fhir', clientCredentials: { tokenUrl: url, clientId: 'a', clientSecret: 'b' } })).toBeInstanceOf(ClientCredentialsGrant);
  });
});
