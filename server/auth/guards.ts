// Fastify-typed auth seams between the server's parts, so each part can be built and tested on
// its own; the composition root (app.ts) wires the real implementations together.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser, Role } from '../../core/contracts';

/** Resolves the signed-in user of a request (cookie or Bearer), or null. Never throws. */
export type Authenticate = (req: FastifyRequest) => Promise<AuthUser | null>;

/** Fastify preHandler-style guard helpers exposed by the auth module. */
export interface Guards {
  requireUser: (req: FastifyRequest, reply: FastifyReply) => Promise<AuthUser | undefined>;
  requireRole: (roles: readonly Role[]) => (req: FastifyRequest, reply: FastifyReply) => Promise<AuthUser | undefined>;
}
