// FHIR OperationOutcome bodies for every error the server returns, so clients handle one shape.
import type { FastifyReply } from 'fastify';

export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'not-supported'
  | 'not-found'
  | 'security'
  | 'login'
  | 'forbidden'
  | 'too-costly'
  | 'throttled'
  | 'conflict'
  | 'processing'
  | 'business-rule'
  | 'exception'
  | 'timeout'
  | 'transient';

export interface OperationOutcomeBody {
  resourceType: 'OperationOutcome';
  issue: { severity: 'error' | 'fatal' | 'warning' | 'information'; code: IssueCode; diagnostics: string; expression?: string[] }[];
}

export function operationOutcome(code: IssueCode, diagnostics: string, expression?: string): OperationOutcomeBody {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, diagnostics, ...(expression ? { expression: [expression] } : {}) }],
  };
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export function sendOutcome(reply: FastifyReply, status: number, code: IssueCode, diagnostics: string): FastifyReply {
  return reply.code(status).type(FHIR_JSON).send(operationOutcome(code, diagnostics));
}

export const FHIR_JSON_CONTENT_TYPE = FHIR_JSON;
