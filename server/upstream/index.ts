// Upstream mode, assembled: when FHIR_UPSTREAM_URL is set, app.ts builds this instead of using
// the embedded store for /fhir, consents, AuditEvents and live events.
//
// What each proxy copy keeps in memory, and why that does not stop several copies running
// behind a load balancer:
//  - the upstream connection pool and the cached service token (client.ts, credentials.ts):
//    per-process caches; any copy can rebuild them;
//  - the last observed upstream health (for /healthz): per-copy by nature;
//  - the live-event ring and poll cursors (events/hub.ts, live-events.ts): event ids are the
//    upstream's lastUpdated, identical on every copy, and a reconnect with Last-Event-ID to a copy
//    whose ring does not reach back is answered from the upstream itself.
// Sessions are signed tokens verifiable by every copy (auth/), and the audit log is per-copy but
// every record is also forwarded to the upstream as an AuditEvent, where the trail is shared.
import type { AuditEvent } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import type { AuditEventStore } from '../audit/trail';
import type { ServerConfig } from '../config';
import type { ConsentSource } from '../consent/service';
import { PatientEventHub } from '../events/hub';
import type { FhirForwarder } from '../fhir/pipeline';
import type { FhirBackendHealth } from '../fhir/routes';
import { UpstreamFhirClient } from './client';
import { credentialsFor } from './credentials';
import { upstreamConsentSource } from './consent-source';
import { UpstreamError } from './errors';
import { UpstreamEventBackfill, UpstreamEventPoller } from './live-events';
import { upstreamForwarder } from './route';

export interface UpstreamFhir {
  client: UpstreamFhirClient;
  /** For /healthz. */
  backend: FhirBackendHealth;
  consentSource: ConsentSource;
  auditEventStore: AuditEventStore;
  hub: PatientEventHub;
  poller: UpstreamEventPoller;
  close(): Promise<void>;
}

export interface UpstreamOptions {
  timeoutMs?: number;
  pollIntervalMs?: number;
}

export function createUpstreamFhir(config: ServerConfig, options: UpstreamOptions = {}): UpstreamFhir {
  const upstream = config.fhirUpstream;
  if (!upstream) throw new Error('createUpstreamFhir needs FHIR_UPSTREAM_URL');
  const timeoutMs = options.timeoutMs ?? config.fhirUpstreamTimeoutMs;
  const client = new UpstreamFhirClient({ baseUrl: upstream.url, credentials: credentialsFor(upstream, timeoutMs), timeoutMs });
  // The ring only holds what was polled or written through this copy: resumes always ask the upstream too.
  const hub = new PatientEventHub({ floorSeq: Date.now(), backfill: new UpstreamEventBackfill(client), ringIsComplete: false });
  const poller = new UpstreamEventPoller(client, hub, { intervalMs: options.pollIntervalMs ?? config.fhirUpstreamPollMs });

  const backend: FhirBackendHealth = {
    mode: 'upstream',
    health: async () => {
      const h = await client.probe();
      return h.status === 'ok'
        ? { status: 'ok' }
        : { status: 'down', detail: h.detail ?? `upstream ${h.status}` };
    },
  };

  // The local audit log is the source of truth; the upstream copy is best-effort and retried by
  // the AuditTrail. While the upstream is known to be down, fail at once instead of making every
  // request (and the start-up re-send of the log) wait out a timeout.
  const failFast = (): void => {
    if (client.recentlyUnavailable(5000)) throw new UpstreamError(502, 'transient', 'the FHIR server is unavailable');
  };
  const auditEventStore: AuditEventStore = {
    put: async (event: AuditEvent) => {
      failFast();
      const { status } = await client.json('PUT', `AuditEvent/${encodeURIComponent(event.id ?? '')}`, event);
      if (status >= 300) throw new UpstreamError(502, 'transient', `the FHIR server refused the AuditEvent (HTTP ${status})`);
    },
    has: async (id: string) => {
      try {
        failFast();
        const { status } = await client.json('GET', `AuditEvent/${encodeURIComponent(id)}`);
        return status === 200;
      } catch {
        return false; // unknown: re-sending is harmless (PUT with the same id)
      }
    },
  };

  return {
    client,
    backend,
    consentSource: upstreamConsentSource(client),
    auditEventStore,
    hub,
    poller,
    close: async () => {
      await poller.stop();
      client.close();
    },
  };
}

/** The /fhir forward step for upstream mode (the pipeline itself is registered by app.ts). */
export function upstreamFhirForwarder(upstream: UpstreamFhir): FhirForwarder {
  return upstreamForwarder({ client: upstream.client, hub: upstream.hub });
}

/** Starts the live-event poller and stops the upstream parts with the app. */
export function startUpstream(app: FastifyInstance, upstream: UpstreamFhir): void {
  upstream.poller.start();
  app.addHook('onClose', async () => {
    await upstream.close();
  });
}
