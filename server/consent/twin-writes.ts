// Pure analysis of a FHIR write: which twin outputs it carries, for which patients, and whether
// each is accompanied by its Provenance. Policy (server/README.md, "Twin outputs"), keyed on what
// is written, not on where the client chose to put a tag (issue 10):
//  - a twin output is a resource carrying the `twin-output` code in meta.tag or meta.security,
//    under any system (the Twinscope system, an http:// spelling of it, or another: claiming to
//    be a twin output is enough), itself or in one of its contained resources;
//  - a Provenance in the same bundle whose target is a twin output is a twin output too, and so
//    is every resource a twin-output Provenance targets;
//  - the patients of a twin output are every Patient it references, anywhere (subject, patient,
//    Task.for, focus, Provenance targets, contained resources, …): consent is checked for each;
//  - every twin output must name a patient it can be checked for: a Patient reference that
//    cannot be resolved here (contained `#…`, conditional `Patient?…`) is refused;
//  - twin outputs other than Provenance are written in a `transaction` Bundle together with a
//    Provenance that targets them, so an output never exists without its provenance.
import { TWIN_OUTPUT_TAG } from '../../core/contracts';
import { patientIdFromReference, referencesIn } from '../fhir/references';

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

function codingsMarkTwin(codings: unknown): boolean {
  return Array.isArray(codings) && codings.some((t) => isObj(t) && typeof t.code === 'string' && t.code.trim().toLowerCase() === TWIN_OUTPUT_TAG.code);
}

/** True when the resource, or one it contains, carries the twin-output code in meta.tag or meta.security. */
export function isTwinOutput(resource: unknown, depth = 0): boolean {
  if (!isObj(resource) || depth > 4) return false;
  if (isObj(resource.meta) && (codingsMarkTwin(resource.meta.tag) || codingsMarkTwin(resource.meta.security))) return true;
  return Array.isArray(resource.contained) && resource.contained.some((c) => isTwinOutput(c, depth + 1));
}

interface Item {
  resource: Json;
  /** Names by which other entries may reference this one: fullUrl, "Type/id", PUT url. */
  names: string[];
}

function targetsOf(provenance: Json): string[] {
  const targets = Array.isArray(provenance.target) ? provenance.target : [];
  return targets.flatMap((t) => (isObj(t) && typeof t.reference === 'string' ? [t.reference] : []));
}

/**
 * Analyses a write. `body` is the HTTP request body: a single resource for
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
  // Provenance links both ways: the Provenance of a twin output is one, and so is what a
  // twin-output Provenance targets. Repeat until nothing changes (chains are short).
  for (let changed = true; changed; ) {
    changed = false;
    for (const it of items) {
      if (it.resource.resourceType !== 'Provenance') continue;
      const targets = targetsOf(it.resource).map((ref) => byName.get(ref)).filter((t): t is Item => t !== undefined);
      if (!outputs.has(it) && targets.some((t) => outputs.has(t))) {
        outputs.add(it);
        changed = true;
      }
      if (outputs.has(it)) {
        for (const t of targets) {
          if (!outputs.has(t)) {
            outputs.add(t);
            changed = true;
          }
        }
      }
    }
  }

  for (const it of outputs) {
    const type = String(it.resource.resourceType ?? 'resource');
    const own = patientsOf(it, byName, result.problems);
    for (const pid of own) result.patientIds.add(pid);
    if (own.size === 0) {
      result.problems.push(
        type === 'Provenance'
          ? 'a twin-output Provenance must target the twin output or patient it is about'
          : `a twin-output ${type} must reference its patient (subject, patient or for)`,
      );
    }
    if (type === 'Provenance') continue;
    const hasProvenance =
      bundleType === 'transaction' &&
      items.some((p) => p.resource.resourceType === 'Provenance' && targetsOf(p.resource).some((ref) => it.names.includes(ref)));
    if (!hasProvenance) {
      result.problems.push(`a twin-output ${type} must be written in a transaction Bundle together with a Provenance whose target is it`);
    }
  }
  result.problems = [...new Set(result.problems)];
  return result;
}

/** The patients a twin output references, resolving references to other entries of the bundle (one level). */
function patientsOf(it: Item, byName: Map<string, Item>, problems: string[]): Set<string> {
  const out = new Set<string>();
  if (it.resource.resourceType === 'Patient' && typeof it.resource.id === 'string') out.add(it.resource.id);
  const containedPatients = new Set(
    (Array.isArray(it.resource.contained) ? it.resource.contained : []).flatMap((c) => (isObj(c) && c.resourceType === 'Patient' && typeof c.id === 'string' ? [`#${c.id}`] : [])),
  );
  for (const ref of referencesIn(it.resource)) {
    const direct = patientIdFromReference(ref);
    if (direct) {
      out.add(direct);
      continue;
    }
    if (/^Patient\?/.test(ref) || containedPatients.has(ref)) {
      problems.push('a twin output must reference its patient by id (Patient/{id}): contained or conditional patient references cannot be checked against consent');
      continue;
    }
    const target = byName.get(ref);
    if (!target || target === it) continue;
    if (target.resource.resourceType === 'Patient' && typeof target.resource.id === 'string') out.add(target.resource.id);
    else for (const r of referencesIn(target.resource)) {
      const pid = patientIdFromReference(r);
      if (pid) out.add(pid);
    }
  }
  return out;
}
