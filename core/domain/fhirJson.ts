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
 * in document order, appended to `out`. One logical resource appears once: a repeat of the same
 * `resourceType/id`, as when one record is exported twice into one file, is merged into the first
 * one's place, the newer copy (`meta.lastUpdated`, then document order) winning. Identifiers are
 * not merged on: distinct resources in the wild share them (the R4 examples do).
 */
export function resourcesOf(input: unknown, out: Json[] = [], depth = 0): Json[] {
  const start = out.length;
  collect(input, out, depth);
  if (out.length - start < 2) return out;
  const kept: Json[] = [];
  const slot = new Map<string, number>();
  for (let i = start; i < out.length; i++) {
    const r = out[i]!;
    const keys = identityKeys(r);
    const at = keys.map((k) => slot.get(k)).find((x) => x !== undefined);
    if (at === undefined) {
      for (const k of keys) slot.set(k, kept.length);
      kept.push(r);
      continue;
    }
    for (const k of keys) slot.set(k, at);
    const prior = kept[at]!;
    if ((lastUpdated(r) ?? '') >= (lastUpdated(prior) ?? '')) kept[at] = r;
  }
  out.length = start;
  for (const r of kept) out.push(r);
  return out;
}

function collect(input: unknown, out: Json[], depth: number): void {
  if (depth > 4) return;
  if (Array.isArray(input)) {
    for (const item of input) collect(item, out, depth + 1);
  } else if (isObject(input)) {
    if (input.resourceType === 'Bundle') {
      for (const e of arr(input.entry)) if (isObject(e)) collect(e.resource, out, depth + 1);
    } else if (typeof input.resourceType === 'string') out.push(input);
  }
}

function identityKeys(r: Json): string[] {
  const id = str(r.id);
  return id === undefined ? [] : [`${String(r.resourceType)}/${id}`];
}

function lastUpdated(r: Json): string | undefined {
  return isObject(r.meta) ? str(r.meta.lastUpdated) : undefined;
}
