// GET /api/patients/:id/twin-permission → {allowed, reason?}: the UI asks before calibrating.
import type { FastifyInstance } from 'fastify';
import { isValidFhirId } from '../fhir/references';
import { sendOutcome } from '../http/operation-outcome';
import type { ConsentService } from './service';

export async function registerConsentRoutes(app: FastifyInstance, consent: ConsentService): Promise<void> {
  app.get<{ Params: { id: string } }>('/api/patients/:id/twin-permission', async (req, reply) => {
    const { id } = req.params;
    if (!isValidFhirId(id)) return sendOutcome(reply, 400, 'invalid', 'patient id must be 1–64 of A-Z a-z 0-9 - .');
    const permission = await consent.twinPermission(id);
    return reply.header('cache-control', 'no-store').send({ allowed: permission.allowed, ...(permission.reason ? { reason: permission.reason } : {}) });
  });
}
