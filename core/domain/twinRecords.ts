// FHIR resources the twin writes back: forecasts (Observation), acknowledged band alerts (Flag)
// and accepted plans (CarePlan), each in a `transaction` Bundle with the Provenance that targets
// it, tagged `twin-output` (server/README.md "Twin outputs"). Idempotent: the output is a
// conditional create on its identifier, and the Provenance is a PUT to an id derived from that
// identifier, so a retried or repeated save creates nothing new. Pure: builds JSON, sends nothing.

import type { Bundle, BundleEntry, CarePlan, Device, Flag, Observation, Practitioner, Provenance, Reference, Resource } from '@medplum/fhirtypes';

/** The tag on every resource the twin writes (the one definition; core/contracts re-exports it as TWIN_OUTPUT_TAG). */
export const TWIN_TAG = { system: 'https://twinscope.dev/fhir/CodeSystem/tags', code: 'twin-output' } as const;
export const FORECAST_ID_SYSTEM = 'https://twinscope.dev/fhir/identifier/twin-forecast';
export const ALERT_ID_SYSTEM = 'https://twinscope.dev/fhir/identifier/twin-band-alert';
/** Identifier of a twin CarePlan (a chosen scenario). Not the rehearsal plan below. */
export const TWIN_PLAN_ID_SYSTEM = 'https://twinscope.dev/fhir/identifier/twin-plan';
/** Identifier and document type of a surgical rehearsal plan (DocumentReference, src/compute/anatomy/planDocument.ts). */
export const REHEARSAL_PLAN_ID_SYSTEM = 'urn:twinscope:rehearsal-plan';
export const REHEARSAL_PLAN_DOC_SYSTEM = 'https://twinscope.dev/fhir/CodeSystem/document-type';
export const REHEARSAL_PLAN_DOC_CODE = 'surgical-rehearsal-plan';
/** Flag extension: the note written when a band alert was acknowledged. */
export const ACK_NOTE_EXTENSION = 'https://twinscope.dev/fhir/StructureDefinition/acknowledgement-note';
/** Provenance extension: the calibration's confidence, missing inputs and "as of" when the output was made. */
export const TWIN_CONFIDENCE_EXTENSION = 'https://twinscope.dev/fhir/StructureDefinition/twin-confidence';
/** Provenance extension: what the author explicitly confirmed to accept a plan from a low-confidence or stale twin. */
export const PLAN_CONFIRMATION_EXTENSION = 'https://twinscope.dev/fhir/StructureDefinition/plan-confirmed-despite';

export interface Actor {
  userId: string;
  display: string;
}

export interface ModelInfo {
  /** e.g. the calibration method string plus engine name. */
  name: string;
  version: string;
}

export function isTwinOutputResource(r: { meta?: { tag?: { system?: string; code?: string }[] } }): boolean {
  return (r.meta?.tag ?? []).some((t) => t.system === TWIN_TAG.system && t.code === TWIN_TAG.code);
}

/** FNV-1a 32-bit, hex: short, stable ids from identifiers (not a security hash). */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** A FHIR id ([A-Za-z0-9-.]{1,64}) derived from an identifier. */
export function stableId(prefix: string, identifier: string): string {
  return `${prefix}-${fnv1a(identifier)}${fnv1a(`${identifier}#`)}`.slice(0, 64);
}

const practitioner = (a: Actor): Reference<Practitioner> => ({ reference: `Practitioner/${a.userId}`, display: a.display });
const modelDevice = (m: ModelInfo): Reference<Device> => ({ display: `${m.name} ${m.version}` });

function entry<T extends Resource>(fullUrl: string, resource: T, ifNoneExist: string): BundleEntry {
  return { fullUrl, resource, request: { method: 'POST', url: resource.resourceType, ifNoneExist } };
}

function provenanceEntry(p: Provenance & { id: string }): BundleEntry {
  return { fullUrl: `Provenance/${p.id}`, resource: p, request: { method: 'PUT', url: `Provenance/${p.id}` } };
}

// ------------------------------------------------------------------------------- forecast

/** Observations per forecast transaction (plus its Provenance = 8 entries, the store's limit). */
export const MAX_FORECAST_POINTS_PER_BUNDLE = 7;

export interface ForecastPoint {
  /** LOINC of the vital the forecast predicts. */
  loinc: string;
  display: string;
  unit: string;
  ucum: string;
  key: string;
  tMs: number;
  p05: number;
  p50: number;
  p95: number;
}

export function forecastBundle(args: {
  patientId: string;
  forecastId: string;
  issuedAt: string;
  points: readonly ForecastPoint[];
  inputs: readonly string[];
  actor: Actor;
  model: ModelInfo;
}): Bundle {
  // medplum's FhirRouter runs a transaction with conditional creates under strict isolation and
  // refuses more than 8 entries (fhir-router `bo = 8`): callers split a forecast (e.g. per hour).
  if (args.points.length === 0 || args.points.length > MAX_FORECAST_POINTS_PER_BUNDLE) {
    throw new Error(`forecastBundle: 1–${MAX_FORECAST_POINTS_PER_BUNDLE} points per transaction, got ${args.points.length}; split the forecast`);
  }
  const entries: BundleEntry[] = [];
  const targets: Reference[] = [];
  args.points.forEach((p, i) => {
    const value = `${args.patientId}:${args.forecastId}:${p.key}:${p.tMs}`;
    const fullUrl = `urn:uuid:${uuidLike(value, i)}`;
    const obs: Observation = {
      resourceType: 'Observation',
      meta: { tag: [{ ...TWIN_TAG }] },
      identifier: [{ system: FORECAST_ID_SYSTEM, value }],
      status: 'preliminary',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: p.loinc, display: p.display }], text: `${p.display} (twin forecast, median)` },
      subject: { reference: `Patient/${args.patientId}` },
      effectiveDateTime: new Date(p.tMs).toISOString(),
      issued: args.issuedAt,
      valueQuantity: { value: round(p.p50), unit: p.unit, system: 'http://unitsofmeasure.org', code: p.ucum },
      referenceRange: [{ low: { value: round(p.p05), unit: p.unit }, high: { value: round(p.p95), unit: p.unit }, text: 'twin forecast 90% band (p05–p95)' }],
      method: { text: `${args.model.name} ${args.model.version}` },
      note: [{ text: 'Forecast by the Twinscope digital twin, not a measurement.' }],
    };
    entries.push(entry(fullUrl, obs, `identifier=${FORECAST_ID_SYSTEM}|${value}`));
    targets.push({ reference: fullUrl });
  });
  const prov: Provenance & { id: string } = {
    resourceType: 'Provenance',
    id: stableId('twin-fc', `${args.patientId}:${args.forecastId}`),
    meta: { tag: [{ ...TWIN_TAG }] },
    target: targets,
    recorded: args.issuedAt,
    activity: { text: 'twin forecast saved to the record' },
    agent: [
      { type: { text: 'author' }, who: practitioner(args.actor) },
      { type: { text: 'assembler' }, who: modelDevice(args.model) },
    ],
    entity: args.inputs.map((ref) => ({ role: 'source', what: { reference: ref } })),
  };
  return { resourceType: 'Bundle', type: 'transaction', identifier: { system: FORECAST_ID_SYSTEM, value: `${args.patientId}:${args.forecastId}` }, entry: [...entries, provenanceEntry(prov)] };
}

// ------------------------------------------------------------------------------- band alert

export function alertAckBundle(args: {
  patientId: string;
  alertId: string;
  text: string;
  observation: string;
  observedAt: string;
  acknowledgedAt: string;
  actor: Actor;
  model: ModelInfo;
  /** The clinician's optional note (what was done, why it is not a concern). */
  note?: string;
}): Bundle {
  const value = `${args.patientId}:${args.alertId}`;
  const note = args.note?.trim();
  const fullUrl = `urn:uuid:${uuidLike(value, 0)}`;
  const flag: Flag = {
    resourceType: 'Flag',
    meta: { tag: [{ ...TWIN_TAG }] },
    identifier: [{ system: ALERT_ID_SYSTEM, value }],
    // Inactive: the alert was seen and acknowledged; the Flag is the record of that, not a banner.
    status: 'inactive',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'clinical', display: 'Clinical' }] }],
    code: { text: args.text },
    subject: { reference: `Patient/${args.patientId}` },
    period: { start: args.observedAt, end: args.acknowledgedAt },
    author: practitioner(args.actor),
    ...(note ? { extension: [{ url: ACK_NOTE_EXTENSION, valueString: note }] } : {}),
  };
  const prov: Provenance & { id: string } = {
    resourceType: 'Provenance',
    id: stableId('twin-ack', value),
    meta: { tag: [{ ...TWIN_TAG }] },
    target: [{ reference: fullUrl }],
    recorded: args.acknowledgedAt,
    activity: { text: 'band alert acknowledged' },
    agent: [
      { type: { text: 'verifier' }, who: practitioner(args.actor) },
      { type: { text: 'assembler' }, who: modelDevice(args.model) },
    ],
    entity: [{ role: 'source', what: { reference: args.observation } }],
  };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    identifier: { system: ALERT_ID_SYSTEM, value },
    entry: [entry(fullUrl, flag, `identifier=${ALERT_ID_SYSTEM}|${value}`), provenanceEntry(prov)],
  };
}

// ------------------------------------------------------------------------------- plan

export function carePlanBundle(args: {
  patientId: string;
  planId: string;
  title: string;
  activities: readonly string[];
  /** The comparison that supported the choice, one line per endpoint. */
  summary: string;
  override: boolean;
  reason: string;
  createdAt: string;
  actor: Actor;
  model: ModelInfo;
  inputs: readonly string[];
  /** The calibration's confidence when the plan was accepted (one line: level, missing inputs, "as of"). */
  confidence?: string;
  /** What the author confirmed in the explicit confirmation (low confidence, stale twin); absent when none was needed. */
  confirmedDespite?: string;
}): Bundle {
  const value = `${args.patientId}:${args.planId}`;
  const fullUrl = `urn:uuid:${uuidLike(value, 0)}`;
  const plan: CarePlan = {
    resourceType: 'CarePlan',
    meta: { tag: [{ ...TWIN_TAG }] },
    identifier: [{ system: TWIN_PLAN_ID_SYSTEM, value }],
    status: 'active',
    intent: 'plan',
    title: args.title,
    description: args.summary,
    subject: { reference: `Patient/${args.patientId}` },
    created: args.createdAt,
    author: practitioner(args.actor),
    activity: args.activities.map((d) => ({ detail: { status: 'not-started', description: d } })),
    note: [
      { text: args.override ? `Override of the simulated scenarios. Reason: ${args.reason}` : `Chosen from simulated scenarios.${args.reason ? ` Reason: ${args.reason}` : ''}` },
    ],
  };
  const prov: Provenance & { id: string } = {
    resourceType: 'Provenance',
    id: stableId('twin-plan', value),
    meta: { tag: [{ ...TWIN_TAG }] },
    target: [{ reference: fullUrl }],
    recorded: args.createdAt,
    activity: { text: args.override ? 'plan recorded as an override of the twin scenarios' : 'plan accepted from twin scenarios' },
    ...(args.reason ? { reason: [{ text: args.reason }] } : {}),
    ...(args.confidence || args.confirmedDespite
      ? {
          extension: [
            ...(args.confidence ? [{ url: TWIN_CONFIDENCE_EXTENSION, valueString: args.confidence }] : []),
            ...(args.confirmedDespite ? [{ url: PLAN_CONFIRMATION_EXTENSION, valueString: args.confirmedDespite }] : []),
          ],
        }
      : {}),
    agent: [
      { type: { text: 'author' }, who: practitioner(args.actor) },
      { type: { text: 'assembler' }, who: modelDevice(args.model) },
    ],
    entity: args.inputs.map((ref) => ({ role: 'source', what: { reference: ref } })),
  };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    identifier: { system: TWIN_PLAN_ID_SYSTEM, value },
    entry: [entry(fullUrl, plan, `identifier=${TWIN_PLAN_ID_SYSTEM}|${value}`), provenanceEntry(prov)],
  };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** A deterministic RFC 4122-shaped id for urn:uuid fullUrls inside one Bundle. */
function uuidLike(seed: string, i: number): string {
  const h = `${fnv1a(`${seed}:${i}:a`)}${fnv1a(`${seed}:${i}:b`)}${fnv1a(`${seed}:${i}:c`)}${fnv1a(`${seed}:${i}:d`)}`;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
