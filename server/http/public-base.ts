// The base URL of this server as clients should use it in links (Location, Bundle.fullUrl,
// paging links, rewritten upstream URLs). Never built from the request's Host header, which a
// client sets freely (issue 10: it was echoed into Location/fullUrl): the configured public base
// (TWIN_PUBLIC_BASE_URL), else the local address and port the connection arrived on.
import type { FastifyRequest } from 'fastify';

/** `${origin}${path}` without a trailing slash, e.g. https://twin.example.org/fhir. */
export function publicBaseOf(req: FastifyRequest, configured: string | null, path: string): string {
  if (configured !== null) return `${configured}${path}`;
  const socket = req.raw.socket;
  const address = socket.localAddress ?? '127.0.0.1';
  const host = address.includes(':') ? (address.startsWith('::ffff:') ? address.slice(7) : `[${address}]`) : address;
  const encrypted = (socket as { encrypted?: boolean }).encrypted === true;
  return `${encrypted ? 'https' : 'http'}://${host}:${socket.localPort ?? 0}${path}`;
}
