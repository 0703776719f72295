// Pure analysis of a FHIR write: which twin outputs it carries, for which patients, and whether
// each is accompanied by its Provenance. Policy (server/README.md, "Twin outputs"):
//  - a twin output is any resource tagged `twin-output` (TWIN_OUTPUT_TAG) in meta.tag;
//    the twin tags everything it produces, Provenance/CarePlan/Task included;
//  - a Provenance in the same bundle whose target is a twin output is a twin output too;
//  - every twin output must name its patient (subject/patient, or for Provenance its targets);
//  - twin outputs other than Provenance are written in a `transaction` Bundle together with a
//    Provenance that targets them, so an output never exists without its provenance.
import { TWIN_OUTPUT_TAG } from '../../core/contracts';
import { patientIdFromReference, patientIdOfResource } from '../fhir/references';

type Json = Record<string, unknown>;

export interface TwinWriteAnalysis {
  /** Patients for whom twin outputs are written; each needs a consent check. */
  patientIds: Set<string>;
  /** Problems that make the write invalid (422), PHI-free. */
  problems: string[];
}

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isTwinOutput(resource: unknown): boolean {
  if (!isObj(resource) || !isObj(resource.meta)) return false;
  const tags = resource.meta.tag;
  return Array.isArray(tags) && tags.some((t) => isObj(t) && t.system === TWIN_OUTPUT_TAG.system && t.code === TWIN_OUTPUT_TAG.code);
}

interface Item {
  resource: Json;
  /** Names by which other entries may reference this one: fullUrl, "Type/id", PUT url. */
  names: string[];
}

function referencesOf(provenance: Json): string[] {
  const targets = Array.isArray(provenance.target) ? provenance.target : [];
  return targets.flatMap((t) => (isObj(t) && typeof t.reference === 'string' ? [t.reference] : []));
}

/**
 * Analyses a write. `resourceType`/`body` describe the HTTP request: a single resource for
 * POST/PUT /fhir/{type}[/{id}], or a Bundle for POST /fhir.
 */
export function analyseTwinWrite(body: unknown): TwinWriteAnalysis {
  const result: TwinWriteAnalysis = { patientIds: new Set(), problems: [] };
  if (!isObj(body)) return result;
  const isBundle = body.resourceType === 'Bundle' && Array.isArray(body.entry);
  const bundleType = isBundle ? body.type : undefined;
  const items: Item[] = [];
  if (isBundle) {
    for (const e of body.entry as unknown[]) {
      if (!isObj(e) || !isObj(e.resource)) continue;
      const r = e.resource;
      const names: string[] = [];
      if (typeof e.fullUrl === 'string') names.push(e.fullUrl);
      if (typeof r.resourceType === 'string' && typeof r.id === 'string') names.push(`${r.resourceType}/${r.id}`);
      if (isObj(e.request) && typeof e.request.url === 'string' && !e.request.url.includes('?')) names.push(e.request.url);
      items.push({ resource: r, names });
    }
  } else {
    items.push({ resource: body, names: [] });
  }

  const byName = new Map<string, Item>();
  for (const it of items) for (const n of it.names) byName.set(n, it);
  const outputs = new Set<Item>(items.filter((it) => isTwinOutput(it.resource)));
  // Provenance of a twin output is itself a twin output.
  for (const it of items) {
    if (it.resource.resourceType !== 'Provenance') continue;
    if (referencesOf(it.resource).some((ref) => { const t = byName.get(ref); return t !== undefined && outputs.has(t); })) outputs.add(it);
  }

  for (const it of outputs) {
    const type = String(it.resource.resourceType ?? 'resource');
    if (type === 'Provenance') {
      let found = false;
      for (const ref of referencesOf(it.resource)) {
        const direct = patientIdFromReference(ref);
        const target = byName.get(ref);
        const pid = direct ?? (target ? patientIdOfResource(target.resource) : undefined);
        if (pid) {
          result.patientIds.add(pid);
          found = true;
        }
      }
      const own = patientIdOfResource(it.resource);
      if (own) result.patientIds.add(own);
      if (!found && !own) result.problems.push('a twin-output Provenance must target the twin output or patient it is about');
      continue;
    }
    const pid = patientIdOfResource(it.resource);
    if (pid) result.patientIds.add(pid);
    else result.problems.push(`a twin-output ${type} must reference its patient (subject or patient)`);
    const hasProvenance =
      bundleType === 'transaction' &&
      items.some((p) => p.resource.resourceType === 'Provenance' && referencesOf(p.resource).some((ref) => it.names.includes(ref)));
    if (!hasProvenance) {
      result.problems.push(`a twin-output ${type} must be written in a transaction Bundle together with a Provenance whose target is it`);
    }
  }
  return result;
}
