// POST /api/import?name=FILE — import one file (FHIR JSON Bundle/resource/array, or NDJSON) into
// the embedded store for a role in IMPORT_ROLES (the rule is in auth/rbac.ts).
//
// The response is NDJSON, streamed: `{"progress":{"done":120,"total":467,"phase":"validating"}}`
// lines while it works, then one `{"report":{…}}` (importer.ts ImportReport) or
// `{"error":"…"}` line. Closing the connection cancels the import; nothing is written then.
// Exactly one audit record per import, with its counts (never names or values).
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ImportCancelledError, importRecords, type ImportReport } from './importer';
import { ImportFileError } from './parse';

/** Largest file one request may carry (a 100-patient Synthea NDJSON export is about 150 MB). */
export const IMPORT_BODY_LIMIT_BYTES = 256 * 1024 * 1024;

const NDJSON_TYPES = ['application/x-ndjson', 'application/fhir+ndjson', 'application/ndjson', 'text/plain'];

export function auditDetailOf(report: ImportReport): string {
  const c = report.counts;
  return `import: ${c.received} received, ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.refused} refused; ${report.patients.length} patients`;
}

function safeName(raw: unknown): string {
  const s = typeof raw === 'string' ? raw : 'upload';
  // The file name is shown back in the report only (never audited): keep it short and printable.
  return s.replace(/[^\w .()-]/g, '_').slice(0, 120) || 'upload';
}

export async function registerImportRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    scope.addContentTypeParser(NDJSON_TYPES, { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT_BYTES }, (_req, body, done) => done(null, body));
    scope.post('/api/import', { bodyLimit: IMPORT_BODY_LIMIT_BYTES, compress: false }, async (req: FastifyRequest<{ Querystring: { name?: string } }>, reply) => {
      const ctx = app.twin;
      if (ctx.fhirBackend.mode !== 'embedded') {
        await ctx.auditRequest(req, 409, { detail: 'import refused: upstream FHIR mode' });
        return reply.code(409).send({ error: 'import writes to the embedded store; this server reads an upstream FHIR server: import the records there' });
      }
      const name = safeName(req.query.name);
      const controller = new AbortController();
      const out = new PassThrough();
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) controller.abort();
      });
      let last = 0;
      const work = (async () => {
        try {
          const report = await importRecords(ctx.store, req.body, name, {
            signal: controller.signal,
            onProgress: (done, total, phase) => {
              const now = Date.now();
              if (now - last < 150 && done !== total) return;
              last = now;
              out.write(`${JSON.stringify({ progress: { done, total, phase } })}\n`);
            },
          });
          await ctx.auditRequest(req, 200, {
            detail: auditDetailOf(report),
            entities: report.patients.slice(0, 50).map((p) => `Patient/${p.id}`),
            ...(report.patients.length === 1 ? { patientId: report.patients[0]!.id } : {}),
          });
          out.end(`${JSON.stringify({ report })}\n`);
        } catch (err) {
          const cancelled = err instanceof ImportCancelledError || controller.signal.aborted;
          const fileError = err instanceof ImportFileError;
          const message = cancelled ? 'import cancelled: nothing was written' : fileError ? (err as Error).message : `import failed, nothing was written: ${err instanceof Error ? err.message.slice(0, 200) : 'error'}`;
          await ctx
            .auditRequest(req, cancelled ? 499 : fileError ? 400 : 500, { detail: cancelled ? 'import cancelled' : fileError ? 'import refused: unusable file' : 'import failed' })
            .catch(() => undefined);
          out.end(`${JSON.stringify({ error: message })}\n`);
        }
      })();
      void work;
      return reply.type('application/x-ndjson; charset=utf-8').header('cache-control', 'no-store').send(out);
    });
  });
}
