// Reading untyped FHIR JSON (records from other systems): total accessors that never throw, and
// the one flattening of Bundles / resources / arrays that the vitals ingest, the clinical-record
// reader and the medication mapping share.

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/**
 * A Bundle (nested Bundles too, up to 4 deep), one resource or an array of them → the resources,
 * in document order, appended to `out`.
 */
export function resourcesOf(input: unknown, out: Json[] = [], depth = 0): Json[] {
  if (depth > 4) return out;
  if (Array.isArray(input)) {
    for (const item of input) resourcesOf(item, out, depth + 1);
  } else if (isObject(input)) {
    if (input.resourceType === 'Bundle') {
      for (const e of arr(input.entry)) if (isObject(e)) resourcesOf(e.resource, out, depth + 1);
    } else if (typeof input.resourceType === 'string') out.push(input);
  }
  return out;
}
