// Pure display logic for FHIR Patient and Condition resources: what the patient list and the
// workspace banner show. No React, no I/O.
import type { CodeableConcept, Condition, HumanName, Identifier, Patient } from '@medplum/fhirtypes';
import { categoryOfConcept, isSocialFinding, type ConditionCategory } from '../../../core/domain/clinical-record';

const PARTIAL_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/**
 * Age in completed years on `on` (a local calendar date), from a FHIR `date` (YYYY, YYYY-MM or
 * YYYY-MM-DD). Partial dates take the earliest possible birthday, so the age may be one year too
 * high (never too low); such ages are flagged `approximate`. Returns null for a missing, malformed
 * or future birth date.
 */
export function ageInYears(birthDate: string | undefined, on: Date = new Date()): { years: number; approximate: boolean } | null {
  if (!birthDate) return null;
  const m = PARTIAL_DATE.exec(birthDate);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = m[2] === undefined ? 1 : Number(m[2]);
  const d = m[3] === undefined ? 1 : Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const ty = on.getFullYear();
  const tm = on.getMonth() + 1;
  const td = on.getDate();
  let years = ty - y;
  // Birthday not yet reached this year. A 29 February birthday counts from 1 March in common years
  // (the convention of most civil law), which this comparison gives for free.
  if (tm < mo || (tm === mo && td < d)) years -= 1;
  if (years < 0) return null;
  return { years, approximate: m[3] === undefined };
}

export function formatAge(birthDate: string | undefined, on?: Date): string {
  const age = ageInYears(birthDate, on);
  if (!age) return '—';
  return `${age.approximate ? '~' : ''}${age.years} y`;
}

function pickName(names: HumanName[] | undefined): HumanName | undefined {
  if (!names || names.length === 0) return undefined;
  const current = names.filter((n) => !n.period?.end);
  const pool = current.length > 0 ? current : names;
  return pool.find((n) => n.use === 'official') ?? pool.find((n) => n.use === 'usual') ?? pool[0];
}

/** "FAMILY, Given Middle" as clinical lists show it; falls back to name.text, then "(no name)". */
export function formatName(patient: Pick<Patient, 'name'>): string {
  const n = pickName(patient.name);
  if (!n) return '(no name)';
  const family = n.family?.trim();
  const given = (n.given ?? []).map((g) => g.trim()).filter(Boolean).join(' ');
  if (family && given) return `${family.toUpperCase()}, ${given}`;
  if (family) return family.toUpperCase();
  if (given) return given;
  return n.text?.trim() || '(no name)';
}

export function formatSex(gender: Patient['gender']): string {
  switch (gender) {
    case 'female':
      return 'F';
    case 'male':
      return 'M';
    case 'other':
      return 'Other';
    case 'unknown':
    case undefined:
      return '—';
  }
}

const MR_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0203';

/** The medical record number: the identifier typed MR, else the one with use "usual"/"official", else the first. */
export function medicalRecordNumber(patient: Pick<Patient, 'identifier'>): Identifier | undefined {
  const ids = patient.identifier ?? [];
  return (
    ids.find((i) => i.type?.coding?.some((c) => c.code === 'MR' && (!c.system || c.system === MR_SYSTEM))) ??
    ids.find((i) => i.use === 'usual' || i.use === 'official') ??
    ids[0]
  );
}

export function conceptText(concept: CodeableConcept | undefined): string | undefined {
  if (!concept) return undefined;
  return concept.text?.trim() || concept.coding?.find((c) => c.display)?.display || concept.coding?.[0]?.code;
}

/** Problems the twin models come first in the list, in this order; the rest keep record order. */
const KEY_ORDER: readonly ConditionCategory[] = [
  'hfref',
  'hfpef',
  'heart-failure',
  'aortic-stenosis',
  'congenital-heart-disease',
  'cardiac-device',
  'atrial-fibrillation',
  'myocardial-infarction',
  'coronary-disease',
  'hypertension',
  'ckd',
  'diabetes',
  'pregnancy',
];

/**
 * Active (or unspecified-status) clinical problems, as display texts: excluding refuted or
 * entered-in-error, resolved (abated) ones, and social findings ("Unemployed (finding)", ICD-10
 * Z55–Z65), which stay in the record but are not key conditions. Cardiovascular problems (what the
 * twin reads) first, then the others in record order.
 */
export function activeConditionTexts(conditions: readonly Condition[]): string[] {
  const out: { text: string; rank: number; at: number }[] = [];
  for (const c of conditions) {
    const clinical = c.clinicalStatus?.coding?.find((x) => x.code)?.code;
    const verification = c.verificationStatus?.coding?.find((x) => x.code)?.code;
    if (clinical && clinical !== 'active' && clinical !== 'recurrence' && clinical !== 'relapse') continue;
    if (verification === 'refuted' || verification === 'entered-in-error') continue;
    if (c.abatementDateTime || c.abatementPeriod?.end || c.abatementString) continue;
    if (isSocialFinding(c.code)) continue;
    const text = conceptText(c.code);
    if (!text || out.some((o) => o.text === text)) continue;
    const rank = KEY_ORDER.indexOf(categoryOfConcept(c.code));
    out.push({ text, rank: rank < 0 ? KEY_ORDER.length : rank, at: out.length });
  }
  return out.sort((a, b) => a.rank - b.rank || a.at - b.at).map((o) => o.text);
}
