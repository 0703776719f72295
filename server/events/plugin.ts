// Wires GET /events into the app: the embedded store's commit hook by default, or a hub given by
// the upstream mode (server/upstream/). Uses the app context (app.twin) for guards and audit.
import type { FastifyInstance } from 'fastify';
import { createEmbeddedEvents } from './embedded';
import type { PatientEventHub } from './hub';
import { registerEvents } from './route';

export interface LiveEventsOptions {
  /** The hub to serve (upstream mode); default: one fed by the embedded store. */
  hub?: PatientEventHub;
  heartbeatMs?: number;
}

/** Registers /events and returns the hub it serves (the feed and tests publish/observe through it). */
export function registerLiveEvents(app: FastifyInstance, options: LiveEventsOptions = {}): PatientEventHub {
  const ctx = app.twin;
  let hub = options.hub;
  if (!hub) {
    const embedded = createEmbeddedEvents(ctx.db, ctx.store);
    hub = embedded.hub;
    app.addHook('onClose', async () => embedded.stop());
  }
  registerEvents(app, {
    hub,
    guards: ctx.guards,
    auditOpen: (req, patientId) => ctx.auditRequest(req, 200, { patientId, entities: [`Patient/${patientId}`] }),
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
  });
  return hub;
}
