// Pure parsing of an import file: a FHIR R4 Bundle (transaction, batch, collection, searchset or
// message), a single resource, a JSON array of resources, or NDJSON (FHIR bulk data: one resource
// per line). Every entry keeps where it came from (entry index or line number) so the report can
// point at it; what cannot be parsed becomes a refusal, never a throw.

export interface ImportEntry {
  /** Where in the file: "entry[12]" or "line 7". */
  where: string;
  /** The Bundle entry's fullUrl (urn:uuid:… or an absolute URL), when it had one. */
  fullUrl: string | undefined;
  resource: Record<string, unknown>;
}

export interface ParseRefusal {
  where: string;
  resourceType?: string;
  reason: string;
}

export interface ParsedImport {
  /** What the file was: "Bundle (transaction)", "NDJSON", "resource", "array". */
  kind: string;
  entries: ImportEntry[];
  refused: ParseRefusal[];
}

/** Bundle types whose entries are records to import (a history Bundle has versions, not records). */
const IMPORTABLE_BUNDLES = new Set(['transaction', 'batch', 'collection', 'searchset', 'document', 'message']);

/** Thrown when the whole file is unusable (not JSON/NDJSON, wrong Bundle type); nothing is imported. */
export class ImportFileError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fromBundle(bundle: Record<string, unknown>, out: ParsedImport, prefix = ''): void {
  const type = typeof bundle.type === 'string' ? bundle.type : undefined;
  if (type === undefined || !IMPORTABLE_BUNDLES.has(type)) {
    throw new ImportFileError(`Bundle type "${String(type ?? '(none)')}" cannot be imported: use a transaction, batch, collection or searchset Bundle`);
  }
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  entries.forEach((raw, i) => {
    const where = `${prefix}entry[${i}]`;
    if (!isObject(raw) || !isObject(raw.resource)) {
      out.refused.push({ where, reason: 'entry has no resource' });
      return;
    }
    const request = isObject(raw.request) ? raw.request : undefined;
    if (request && typeof request.method === 'string' && request.method.toUpperCase() === 'DELETE') {
      out.refused.push({ where, reason: 'DELETE entries are not imported: clinical records are kept' });
      return;
    }
    const resource = raw.resource;
    if (resource.resourceType === 'Bundle') {
      fromBundle(resource, out, `${where}.`);
      return;
    }
    out.entries.push({ where, fullUrl: typeof raw.fullUrl === 'string' ? raw.fullUrl : undefined, resource });
  });
}

/** Parses an import file's text (or an already parsed JSON value). */
export function parseImport(input: string | unknown): ParsedImport {
  let value: unknown = input;
  if (typeof input === 'string') {
    const text = input.replace(/^\uFEFF/, '');
    const trimmed = text.trimStart();
    if (trimmed === '') throw new ImportFileError('the file is empty');
    try {
      value = JSON.parse(text);
    } catch (err) {
      // Not one JSON document: NDJSON when its first line is a JSON object.
      const firstLine = trimmed.split('\n', 1)[0] ?? '';
      let firstOk = false;
      try {
        firstOk = isObject(JSON.parse(firstLine));
      } catch {
        firstOk = false;
      }
      if (!firstOk) throw new ImportFileError(`the file is neither JSON nor NDJSON (${err instanceof Error ? err.message.slice(0, 120) : 'unparseable'})`);
      return parseNdjson(text);
    }
  }
  const out: ParsedImport = { kind: 'resource', entries: [], refused: [] };
  if (Array.isArray(value)) {
    out.kind = 'array';
    value.forEach((r, i) => {
      if (isObject(r) && typeof r.resourceType === 'string') {
        if (r.resourceType === 'Bundle') fromBundle(r, out, `[${i}].`);
        else out.entries.push({ where: `[${i}]`, fullUrl: undefined, resource: r });
      } else out.refused.push({ where: `[${i}]`, reason: 'not a FHIR resource (no resourceType)' });
    });
    return out;
  }
  if (!isObject(value) || typeof value.resourceType !== 'string') throw new ImportFileError('the JSON is not a FHIR resource or Bundle (no resourceType)');
  if (value.resourceType === 'Bundle') {
    out.kind = `Bundle (${String(value.type ?? 'no type')})`;
    fromBundle(value, out);
  } else {
    out.entries.push({ where: 'resource', fullUrl: undefined, resource: value });
  }
  return out;
}

function parseNdjson(text: string): ParsedImport {
  const out: ParsedImport = { kind: 'NDJSON', entries: [], refused: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '') continue;
    const where = `line ${i + 1}`;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch (err) {
      out.refused.push({ where, reason: `not valid JSON (${err instanceof Error ? err.message.slice(0, 100) : 'unparseable'})` });
      continue;
    }
    if (!isObject(r) || typeof r.resourceType !== 'string') {
      out.refused.push({ where, reason: 'not a FHIR resource (no resourceType)' });
      continue;
    }
    if (r.resourceType === 'Bundle') {
      try {
        fromBundle(r, out, `${where} `);
      } catch (err) {
        out.refused.push({ where, resourceType: 'Bundle', reason: (err as Error).message });
      }
      continue;
    }
    out.entries.push({ where, fullUrl: undefined, resource: r });
  }
  return out;
}
