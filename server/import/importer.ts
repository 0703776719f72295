// Server-side import of FHIR records into the embedded store.
//
//   parse (parse.ts) → identity and server id per resource → references rewritten → validated
//   per resource (server/fhir/validate.ts + the R4 structure definitions) → dependents of refused
//   resources refused too → one store transaction (all-or-nothing) → report.
//
// Idempotent on identifiers: a resource's server id is derived from its identity (its first
// business identifier system|value, else the Bundle fullUrl, else its id), so importing the same
// record twice finds every resource already there, compares content and creates nothing. A Patient
// whose identifier is already on a stored Patient (created some other way) is matched to it.
// A failed write rolls the whole transaction back: nothing already stored is altered. A cancelled
// import (AbortSignal) writes nothing.
import { createHash } from 'node:crypto';
import { OperationOutcomeError } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { assessTwinCapability, readClinicalRecord } from '../../core/domain/clinical-record';
import { SERVER_ONLY_TYPES } from '../auth/rbac';
import type { FhirStore } from '../fhir/store';
import { FhirInputError, validateResourceBody } from '../fhir/validate';
import { FHIR_ID_PATTERN } from '../fhir/references';
import { parseImport, type ImportEntry } from './parse';

type Json = Record<string, unknown>;

/** Types an import may not write: the server's own audit trail, and consent (recorded by an administrator). */
const NOT_IMPORTED: ReadonlyMap<string, string> = new Map([
  ...[...SERVER_ONLY_TYPES].map((t) => [t, `${t} is written by the server only`] as const),
  ['Consent', 'consent decisions are recorded by an administrator in Twinscope, not imported'],
]);

export interface ImportRefusal {
  where: string;
  resourceType?: string;
  /** The resource's id in the file, when it had one. */
  id?: string;
  reason: string;
}

export interface ImportedPatient {
  id: string;
  name: string;
  birthDate: string | undefined;
  outcome: 'created' | 'updated' | 'unchanged';
  /** What the twin can do for this patient ("" when a live twin is possible). */
  twin: string;
  /** Limitations found in the record (pregnancy, device, AF…). */
  notes: string[];
}

export interface ImportCounts {
  received: number;
  created: number;
  updated: number;
  unchanged: number;
  refused: number;
}

export interface ImportReport {
  status: 'imported' | 'nothing-imported' | 'cancelled';
  file: string;
  counts: ImportCounts;
  byType: Record<string, ImportCounts>;
  refused: ImportRefusal[];
  patients: ImportedPatient[];
  elapsedMs: number;
}

export interface ImportOptions {
  /** Cancels the import; nothing is written once it fires (a started write is rolled back). */
  signal?: AbortSignal;
  /** Called with (done, total) while validating and writing. */
  onProgress?: (done: number, total: number, phase: 'validating' | 'writing') => void;
  /** "Now" for the twin assessment in the report (ISO); default the current time. */
  now?: string;
  /**
   * Longest stretch (ms of this thread) between yields to the event loop, so the server keeps
   * answering other requests during a large import (default 8 ms).
   */
  sliceMs?: number;
}

export class ImportCancelledError extends Error {
  constructor() {
    super('import cancelled: nothing was written');
  }
}

interface Planned {
  entry: ImportEntry;
  type: string;
  key: string;
  targetId: string;
  resource: Json;
  refused?: string;
  /** Target keys ("Type/id") this resource refers to inside the import. */
  refersTo: string[];
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function firstIdentifier(r: Json): { system: string; value: string } | undefined {
  for (const i of Array.isArray(r.identifier) ? r.identifier : []) {
    if (isObject(i) && typeof i.system === 'string' && typeof i.value === 'string' && i.value !== '') return { system: i.system, value: i.value };
  }
  return undefined;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function sha(text: string, chars: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, chars);
}

/** The identity of a resource across imports, and the server id derived from it. */
function identityOf(entry: ImportEntry): string {
  const r = entry.resource;
  const type = String(r.resourceType);
  const ident = firstIdentifier(r);
  if (ident) return `${type}|identifier|${ident.system}|${ident.value}`;
  if (entry.fullUrl) return `${type}|fullUrl|${entry.fullUrl}`;
  if (typeof r.id === 'string') return `${type}|id|${r.id}`;
  return `${type}|content|${sha(canonical(r), 40)}`;
}

/** Drops server-managed meta (versionId, lastUpdated) so stored and incoming content compare. */
function withoutServerMeta(r: Json): Json {
  const copy: Json = { ...r };
  if (isObject(r.meta)) {
    const meta: Json = { ...r.meta };
    delete meta.versionId;
    delete meta.lastUpdated;
    if (Object.keys(meta).length === 0) delete copy.meta;
    else copy.meta = meta;
  }
  return copy;
}

function issueText(err: unknown): string {
  if (err instanceof OperationOutcomeError) {
    const issues = err.outcome.issue ?? [];
    const parts = issues.slice(0, 3).map((i) => `${(i.expression ?? []).join(', ') || 'resource'}: ${i.details?.text ?? i.diagnostics ?? i.code}`);
    return `not valid FHIR R4: ${parts.join('; ')}${issues.length > 3 ? ` (+${issues.length - 3} more)` : ''}`;
  }
  if (err instanceof FhirInputError) return err.message;
  return err instanceof Error ? err.message.slice(0, 300) : 'invalid resource';
}

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function humanName(r: Json): string {
  const names = Array.isArray(r.name) ? r.name : [];
  const n = names.find((x) => isObject(x) && x.use === 'official') ?? names[0];
  if (!isObject(n)) return '(no name)';
  const given = Array.isArray(n.given) ? n.given.filter((g) => typeof g === 'string').join(' ') : '';
  const family = typeof n.family === 'string' ? n.family : '';
  return [given, family].filter(Boolean).join(' ') || (typeof n.text === 'string' ? n.text : '(no name)');
}

/** Imports a file's text (or parsed JSON) into the store. Throws ImportFileError for an unusable file. */
export async function importRecords(store: FhirStore, input: string | unknown, fileName: string, options: ImportOptions = {}): Promise<ImportReport> {
  const t0 = performance.now();
  const sliceMs = options.sliceMs ?? 8;
  let sliceStart = performance.now();
  /** Yields to the event loop once the current slice is used up; checks for a cancel then. */
  const pace = async () => {
    if (performance.now() - sliceStart < sliceMs) return;
    await tick();
    sliceStart = performance.now();
    checkCancel();
  };
  const parsed = parseImport(input);
  const refused: ImportRefusal[] = parsed.refused.map((r) => ({ ...r }));
  const total = parsed.entries.length;
  const checkCancel = () => {
    if (options.signal?.aborted) throw new ImportCancelledError();
  };

  // ---- identities, server ids and the reference map
  const plans: Planned[] = [];
  const refMap = new Map<string, string>(); // fullUrl | Type/origId | Type?identifier=s|v → Type/targetId
  const byKey = new Map<string, Planned>();
  const patientIdsByIdentifier = new Map<string, string>();
  for (const entry of parsed.entries) {
    const r = entry.resource;
    const type = String(r.resourceType);
    const key = identityOf(entry);
    let targetId = `imp-${sha(key, 32)}`;
    const ident = firstIdentifier(r);
    if (type === 'Patient' && ident) {
      // A Patient with this identifier stored some other way keeps its id: no duplicate patient.
      const existing = await store.search('Patient', { identifier: `${ident.system}|${ident.value}`, _count: '2' });
      if (existing[0]?.id) targetId = existing[0].id;
      patientIdsByIdentifier.set(`${ident.system}|${ident.value}`, targetId);
    }
    const plan: Planned = { entry, type, key, targetId, resource: r, refersTo: [] };
    const dup = byKey.get(key);
    if (dup) {
      const same = canonical(withoutServerMeta({ ...dup.entry.resource, id: undefined })) === canonical(withoutServerMeta({ ...r, id: undefined }));
      plan.refused = same
        ? `duplicate of ${dup.entry.where} (same ${ident ? `identifier ${ident.system}|${ident.value}` : 'identity'}, same content): imported once`
        : `conflicts with ${dup.entry.where}: same ${ident ? `identifier ${ident.system}|${ident.value}` : 'identity'} but different content; neither overwrites the other, fix the file`;
      if (!same && dup.refused === undefined) dup.refused = `conflicts with ${entry.where}: same identity but different content`;
      plans.push(plan);
      continue;
    }
    byKey.set(key, plan);
    plans.push(plan);
    const target = `${type}/${targetId}`;
    if (entry.fullUrl) refMap.set(entry.fullUrl, target);
    if (typeof r.id === 'string') refMap.set(`${type}/${r.id}`, target);
    for (const i of Array.isArray(r.identifier) ? r.identifier : []) {
      if (isObject(i) && typeof i.system === 'string' && typeof i.value === 'string') refMap.set(`${type}?identifier=${i.system}|${i.value}`, target);
    }
  }

  // ---- per resource: type rule, body checks, references rewritten, R4 validation
  let done = 0;
  for (const plan of plans) {
    await pace();
    done += 1;
    options.onProgress?.(done, total, 'validating');
    if (plan.refused !== undefined) continue;
    const notImported = NOT_IMPORTED.get(plan.type);
    if (notImported) {
      plan.refused = notImported;
      continue;
    }
    if (typeof plan.resource.id !== 'undefined' && (typeof plan.resource.id !== 'string' || !FHIR_ID_PATTERN.test(plan.resource.id))) {
      plan.refused = 'resource id must be 1–64 of A-Z a-z 0-9 - .';
      continue;
    }
    const copy = structuredClone(plan.resource);
    copy.id = plan.targetId;
    const cleaned = withoutServerMeta(copy);
    const problems: string[] = [];
    rewriteReferences(cleaned, (ref) => {
      const hit = refMap.get(ref) ?? refMap.get(ref.replace(/\/_history\/[^/]+$/, ''));
      if (hit) {
        plan.refersTo.push(hit);
        return hit;
      }
      if (ref.startsWith('#') || /^https?:\/\//.test(ref) || ref.startsWith('urn:oid:')) return ref;
      if (ref.startsWith('urn:uuid:')) {
        problems.push(`reference ${ref.slice(0, 60)} points to no entry of this file`);
        return ref;
      }
      const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(ref);
      if (m && store.repo.has(m[1] as string, m[2] as string)) return ref;
      const cond = /^(Patient)\?identifier=(.+)$/.exec(ref);
      const pid = cond ? patientIdsByIdentifier.get(cond[2] as string) : undefined;
      if (pid) return `Patient/${pid}`;
      problems.push(`reference ${ref.slice(0, 80)} points to nothing in this file or the store`);
      return ref;
    });
    if (problems.length > 0) {
      plan.refused = problems.slice(0, 2).join('; ');
      continue;
    }
    // One validation per resource, of what will be stored (references rewritten): the R4
    // structure definitions and required bindings (the same check as a REST write).
    try {
      validateResourceBody(cleaned, plan.type);
    } catch (err) {
      plan.refused = issueText(err);
      continue;
    }
    plan.resource = cleaned;
  }

  // ---- a resource referring to a refused one is refused too (references stay consistent)
  const refusedTargets = new Set(plans.filter((p) => p.refused !== undefined && byKey.get(p.key) === p).map((p) => `${p.type}/${p.targetId}`));
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of plans) {
      if (p.refused !== undefined) continue;
      const bad = p.refersTo.find((t) => refusedTargets.has(t));
      if (bad) {
        const source = plans.find((q) => `${q.type}/${q.targetId}` === bad && byKey.get(q.key) === q);
        p.refused = `refers to ${source?.entry.where ?? bad} (${bad.split('/')[0]}), which was refused`;
        refusedTargets.add(`${p.type}/${p.targetId}`);
        changed = true;
      }
    }
  }
  checkCancel();

  // ---- one transaction: unchanged / updated / created
  const accepted = plans.filter((p) => p.refused === undefined);
  const outcome = new Map<Planned, 'created' | 'updated' | 'unchanged'>();
  let written = 0;
  await store.runWrite(
    async () => {
      for (const p of accepted) {
        await pace();
        written += 1;
        options.onProgress?.(written, accepted.length, 'writing');
        if (store.repo.has(p.type, p.targetId)) {
          const existing = (await store.repo.readResource(p.type, p.targetId)) as unknown as Json;
          if (canonical(withoutServerMeta(existing)) === canonical(p.resource)) {
            outcome.set(p, 'unchanged');
            continue;
          }
          await store.repo.updateResource(p.resource as unknown as Resource);
          outcome.set(p, 'updated');
        } else {
          await store.repo.updateResource(p.resource as unknown as Resource);
          outcome.set(p, 'created');
        }
      }
      // Cancelled at the last moment: roll back rather than commit.
      checkCancel();
    },
    () => true,
  );

  // ---- report
  const counts: ImportCounts = { received: total + parsed.refused.length, created: 0, updated: 0, unchanged: 0, refused: parsed.refused.length };
  const byType: Record<string, ImportCounts> = {};
  for (const p of plans) {
    const c = (byType[p.type] ??= { received: 0, created: 0, updated: 0, unchanged: 0, refused: 0 });
    c.received += 1;
    const o = outcome.get(p);
    if (o) {
      c[o] += 1;
      counts[o] += 1;
    } else {
      c.refused += 1;
      counts.refused += 1;
      const id = typeof p.entry.resource.id === 'string' ? p.entry.resource.id : undefined;
      refused.push({ where: p.entry.where, resourceType: p.type, ...(id !== undefined ? { id } : {}), reason: p.refused ?? 'refused' });
    }
  }
  const patients = summarisePatients(accepted, outcome, options.now);
  const status = counts.created + counts.updated + counts.unchanged > 0 ? 'imported' : 'nothing-imported';
  return { status, file: `${fileName} (${parsed.kind})`, counts, byType, refused, patients, elapsedMs: Math.round(performance.now() - t0) };
}

/** Calls `rewrite` on every `reference` string in a resource (in place). */
function rewriteReferences(node: unknown, rewrite: (ref: string) => string): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteReferences(item, rewrite);
    return;
  }
  if (!isObject(node)) return;
  for (const [k, v] of Object.entries(node)) {
    if (k === 'reference' && typeof v === 'string') node[k] = rewrite(v);
    else if (k === 'contained' || typeof v === 'object') rewriteReferences(v, rewrite);
  }
}

const PATIENT_REF_FIELDS = ['subject', 'patient', 'beneficiary'];

function patientOf(r: Json): string | undefined {
  if (r.resourceType === 'Patient') return `Patient/${String(r.id)}`;
  for (const f of PATIENT_REF_FIELDS) {
    const v = r[f];
    if (isObject(v) && typeof v.reference === 'string' && v.reference.startsWith('Patient/')) return v.reference;
  }
  return undefined;
}

function summarisePatients(accepted: readonly Planned[], outcome: ReadonlyMap<Planned, 'created' | 'updated' | 'unchanged'>, now: string | undefined): ImportedPatient[] {
  const groups = new Map<string, Json[]>();
  for (const p of accepted) {
    const ref = patientOf(p.resource);
    if (ref === undefined) continue;
    let g = groups.get(ref);
    if (!g) groups.set(ref, (g = []));
    g.push(p.resource);
  }
  const out: ImportedPatient[] = [];
  for (const p of accepted) {
    if (p.type !== 'Patient') continue;
    const resources = groups.get(`Patient/${p.targetId}`) ?? [p.resource];
    const capability = assessTwinCapability(readClinicalRecord(resources), now !== undefined ? { now } : {});
    out.push({
      id: p.targetId,
      name: humanName(p.resource),
      birthDate: typeof p.resource.birthDate === 'string' ? p.resource.birthDate : undefined,
      outcome: outcome.get(p) ?? 'unchanged',
      twin: capability.headline,
      notes: capability.notes.filter((n) => n.effect === 'limitation').map((n) => n.message),
    });
  }
  return out;
}
