// The built SPA: static files, immutable caching of hashed assets, history fallback to
// index.html for unknown non-API GETs, 404 OperationOutcome for unknown API paths.
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sendOutcome } from './operation-outcome';
import { API_PREFIXES, pathOf } from './paths';

export async function registerStaticSpa(app: FastifyInstance, staticDir: string): Promise<void> {
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
