// The patient's `Record` of twin outputs and the decisions made on them: accepted plans (reason,
// override), acknowledged band alerts (note), saved forecasts and surgical rehearsal plans, each
// with its Provenance (activity, who, when, inputs), newest first, and the workspace tab whose
// screen made it. Pure: from FHIR resources the sources layer fetched to rows the view renders.
import type { CarePlan, DocumentReference, Flag, Observation, Provenance, Reference, Resource } from '@medplum/fhirtypes';
import { ACK_NOTE_EXTENSION, ALERT_ID_SYSTEM, FORECAST_ID_SYSTEM, PLAN_CONFIRMATION_EXTENSION, TWIN_PLAN_ID_SYSTEM, TWIN_CONFIDENCE_EXTENSION } from './twinRecords';

export type RecordEntryKind = 'plan' | 'alert' | 'forecast' | 'rehearsal';
export const RECORD_KIND_LABEL: Record<RecordEntryKind, string> = {
  plan: 'Plan',
  alert: 'Alert acknowledged',
  forecast: 'Saved forecast',
  rehearsal: 'Rehearsal plan',
};
/** Workspace tab that made each kind (for the link back). */
export const RECORD_KIND_TAB: Record<RecordEntryKind, 'scenarios' | 'twin' | 'anatomy'> = { plan: 'scenarios', alert: 'twin', forecast: 'twin', rehearsal: 'anatomy' };

export interface ProvenanceSummary {
  ref: string;
  activity: string;
  recordedIso: string | undefined;
  /** "author: Dr Carla Cardio", "assembler: Twinscope physiology engine …". */
  agents: string[];
  reason?: string;
  /** Number of source entities (the Observations the twin used). */
  inputCount: number;
  /** The calibration's confidence when the output was made (level, missing inputs, "as of"). */
  confidence?: string;
  /** What the author explicitly confirmed (a plan from a low-confidence or stale twin). */
  confirmedDespite?: string;
}

export interface RecordEntry {
  kind: RecordEntryKind;
  /** `Type/id` of the resource (the first one for a grouped forecast). */
  ref: string;
  title: string;
  details: string[];
  author: string;
  timeIso: string | undefined;
  override?: boolean;
  reason?: string;
  note?: string;
  provenance: ProvenanceSummary[];
}

const refOf = (r: Resource) => `${r.resourceType}/${r.id ?? ''}`;
const who = (r: Reference | undefined) => r?.display ?? r?.identifier?.value ?? r?.reference ?? '—';

function provenanceSummary(p: Provenance): ProvenanceSummary {
  return {
    ref: refOf(p),
    activity: p.activity?.text ?? p.activity?.coding?.[0]?.display ?? p.activity?.coding?.[0]?.code ?? '—',
    recordedIso: p.recorded,
    agents: (p.agent ?? []).map((a) => `${a.type?.text ?? a.type?.coding?.[0]?.code ?? 'agent'}: ${who(a.who)}`),
    ...(p.reason?.[0]?.text ? { reason: p.reason[0].text } : {}),
    inputCount: (p.entity ?? []).filter((e) => e.role === 'source').length,
    ...ext(p, TWIN_CONFIDENCE_EXTENSION, 'confidence'),
    ...ext(p, PLAN_CONFIRMATION_EXTENSION, 'confirmedDespite'),
  };
}

function ext<K extends 'confidence' | 'confirmedDespite'>(p: Provenance, url: string, key: K): Partial<Record<K, string>> {
  const v = p.extension?.find((e) => e.url === url)?.valueString;
  return v ? ({ [key]: v } as Partial<Record<K, string>>) : {};
}

/** Provenance per target reference. */
function indexProvenance(provenances: readonly Provenance[]): Map<string, Provenance[]> {
  const byTarget = new Map<string, Provenance[]>();
  for (const p of provenances) {
    for (const t of p.target ?? []) {
      const ref = t.reference?.split('/_history')[0];
      if (!ref) continue;
      const list = byTarget.get(ref) ?? [];
      if (!list.includes(p)) list.push(p);
      byTarget.set(ref, list);
    }
  }
  return byTarget;
}

const identifierValue = (r: { identifier?: { system?: string; value?: string }[] }, system: string) => r.identifier?.find((i) => i.system === system)?.value;

export interface RecordResources {
  carePlans: readonly CarePlan[];
  flags: readonly Flag[];
  forecasts: readonly Observation[];
  rehearsals: readonly DocumentReference[];
  provenances: readonly Provenance[];
}

export function recordEntries(r: RecordResources): RecordEntry[] {
  const prov = indexProvenance(r.provenances);
  const provOf = (res: Resource) => (prov.get(refOf(res)) ?? []).map(provenanceSummary);
  const out: RecordEntry[] = [];
  for (const c of r.carePlans) {
    if (!identifierValue(c, TWIN_PLAN_ID_SYSTEM)) continue;
    const noteText = c.note?.[0]?.text ?? '';
    const override = /^Override/i.test(noteText);
    const reason = /Reason: ([\s\S]*)$/.exec(noteText)?.[1]?.trim();
    out.push({
      kind: 'plan',
      ref: refOf(c),
      title: c.title ?? 'Plan',
      details: [...(c.activity ?? []).map((a) => a.detail?.description ?? '').filter(Boolean), ...(c.description ? [c.description] : [])],
      author: who(c.author),
      timeIso: c.created,
      override,
      ...(reason ? { reason } : {}),
      provenance: provOf(c),
    });
  }
  for (const f of r.flags) {
    if (!identifierValue(f, ALERT_ID_SYSTEM)) continue;
    const note = f.extension?.find((e) => e.url === ACK_NOTE_EXTENSION)?.valueString;
    out.push({
      kind: 'alert',
      ref: refOf(f),
      title: f.code?.text ?? 'Band alert',
      details: [f.period?.start ? `observed ${f.period.start}` : ''].filter(Boolean),
      author: who(f.author),
      timeIso: f.period?.end,
      ...(note ? { note } : {}),
      provenance: provOf(f),
    });
  }
  // Forecast Observations: one entry per saved forecast (identifier `patient:forecast-hN:key:tMs`).
  const groups = new Map<string, Observation[]>();
  for (const o of r.forecasts) {
    const v = identifierValue(o, FORECAST_ID_SYSTEM);
    if (!v) continue;
    const forecastId = v.split(':')[1]?.replace(/-h\d+$/, '') ?? v;
    groups.set(forecastId, [...(groups.get(forecastId) ?? []), o]);
  }
  for (const [forecastId, list] of groups) {
    list.sort((a, b) => (a.effectiveDateTime ?? '').localeCompare(b.effectiveDateTime ?? ''));
    const seen = new Set<string>();
    const provenance: ProvenanceSummary[] = [];
    for (const o of list) {
      for (const p of prov.get(refOf(o)) ?? []) {
        if (seen.has(p.id ?? '')) continue;
        seen.add(p.id ?? '');
        provenance.push(provenanceSummary(p));
      }
    }
    const vitals = [...new Set(list.map((o) => o.code?.coding?.[0]?.display ?? o.code?.text ?? '?'))];
    const first = provenance[0];
    out.push({
      kind: 'forecast',
      ref: refOf(list[0]!),
      title: `Forecast ${forecastId}: ${list.length} values (${vitals.join(', ')})`,
      details: [`from ${list[0]!.effectiveDateTime ?? '?'} to ${list[list.length - 1]!.effectiveDateTime ?? '?'}`],
      author: first?.agents.find((a) => a.startsWith('author'))?.replace(/^author: /, '') ?? '—',
      timeIso: list[0]!.issued,
      provenance,
    });
  }
  for (const d of r.rehearsals) {
    out.push({
      kind: 'rehearsal',
      ref: refOf(d),
      title: d.description ?? d.content?.[0]?.attachment?.title ?? 'Rehearsal plan',
      details: [],
      author: d.author?.map(who).join(', ') ?? '—',
      timeIso: d.date,
      provenance: provOf(d),
    });
  }
  return out.sort((a, b) => (b.timeIso ?? '').localeCompare(a.timeIso ?? ''));
}

/** `Type/id` references whose Provenance the record needs (searched in chunks by `target`). */
export function provenanceTargets(r: Omit<RecordResources, 'provenances'>): string[] {
  return [...r.carePlans, ...r.flags, ...r.forecasts, ...r.rehearsals].map(refOf);
}
