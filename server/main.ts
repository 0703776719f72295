// `node --import tsx server/main.ts`: load config, build the app, listen, print where to go.
// Expected failures (bad config, port in use, unusable data dir or store) end with one clear
// line and exit code 1 — no stack trace, nothing deleted.
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app';
import { ConfigError, loadConfig, type ServerConfig } from './config';
import { DEMO_USERS } from './auth/users';
import { StoreError } from './storage/database';
import { AuditLogError } from './audit/log';
import { describeListenError } from './listen-errors';

function fail(message: string): never {
  process.stderr.write(`twinscope: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  // Everything this server writes (store, audit log, DICOM files, secrets) holds PHI or keys:
  // files 0600, folders 0700, whatever the shell's umask was.
  process.umask(0o077);
  let config: ServerConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }

  let app: FastifyInstance;
  try {
    app = await buildApp(config);
  } catch (err) {
    if (err instanceof StoreError || err instanceof AuditLogError || err instanceof ConfigError) fail(err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
      fail(`the data directory ${config.dataDir} is not writable (${code}); set TWIN_DATA_DIR to a writable folder`);
    }
    fail(`could not start: ${err instanceof Error ? err.message : String(err)}`);
  }

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app.close().catch(() => undefined);
    fail(describeListenError(err as NodeJS.ErrnoException, config.host, config.port));
  }

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const lines = [`Twinscope is running at http://${hostForUrl}:${port}/`];
  lines.push(`  FHIR: ${config.fhirUpstream ? `upstream ${config.fhirUpstream.url}` : `embedded store in ${config.dataDir}`}`);
  if (config.demoMode) {
    lines.push(`  Demo sign-ins (password "${config.demoPassword}"): ${DEMO_USERS.map((u) => u.username).join(', ')}`);
  }
  process.stdout.write(lines.join('\n') + '\n');

  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    process.stdout.write(`twinscope: ${signal} received, closing…\n`);
    // Bounded: SSE clients and keep-alive sockets must not hold the process open forever.
    const force = setTimeout(() => process.exit(0), 5000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => fail(`unexpected failure at start: ${err instanceof Error ? err.message : String(err)}`));
