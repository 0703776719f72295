// Whether the open case is cardiac, so the cardiology "Publish as LV volume" panel belongs on it:
// a structure is named as the LV blood pool, or the patient's record holds an active heart
// condition (SNOMED CT heart-disease concepts, ICD-10 I05–I52 — rheumatic, ischaemic, pulmonary
// and other heart disease — or a heart word in the condition's text). Hypertension alone (I10,
// SNOMED 59621000) and a liver case are not cardiac.
import type { Condition } from '@medplum/fhirtypes';
import { isLvBloodPoolName } from '../../compute/anatomy/lvVolume';

/** SNOMED CT concepts of heart disease (the parent 56265001 and common children used in records). */
const SNOMED_HEART = new Set([
  '56265001', // heart disease
  '60573004', // aortic valve stenosis
  '368009', // heart valve disorder
  '84114007', // heart failure
  '703272007', // heart failure with reduced ejection fraction
  '446221000', // heart failure with normal ejection fraction
  '53741008', // coronary arteriosclerosis
  '414545008', // ischaemic heart disease
  '22298006', // myocardial infarction
  '49436004', // atrial fibrillation
  '85898001', // cardiomyopathy
  '13213009', // congenital heart disease
  '48447003', // mitral valve regurgitation
  '79619009', // mitral valve stenosis
  '60234000', // aortic valve regurgitation
]);
const SNOMED_SYSTEM = 'http://snomed.info/sct';
const ICD10_SYSTEMS = new Set(['http://hl7.org/fhir/sid/icd-10', 'http://hl7.org/fhir/sid/icd-10-cm']);
const HEART_WORDS = /\b(heart|cardiac|cardio\w*|myocard\w*|ventric\w*|coronary|atrial|aortic valve|mitral|tricuspid|pericard\w*|endocard\w*)\b/i;

function isIcd10Heart(code: string): boolean {
  const m = /^I(\d{2})/i.exec(code.trim());
  if (!m) return false;
  const n = Number(m[1]);
  return n >= 5 && n <= 52 && n !== 10 && n !== 11 && n !== 12 && n !== 13 && n !== 15 && n !== 16;
}

function isActive(c: Condition): boolean {
  const status = c.clinicalStatus?.coding?.map((x) => x.code) ?? [];
  if (status.some((s) => s === 'inactive' || s === 'resolved' || s === 'remission')) return false;
  return !(c.verificationStatus?.coding ?? []).some((x) => x.code === 'entered-in-error' || x.code === 'refuted');
}

/** Whether one Condition is a heart condition. */
export function isHeartCondition(c: Condition): boolean {
  if (!isActive(c)) return false;
  for (const coding of c.code?.coding ?? []) {
    if (coding.system === SNOMED_SYSTEM && coding.code && SNOMED_HEART.has(coding.code)) return true;
    if (coding.system && ICD10_SYSTEMS.has(coding.system) && coding.code && isIcd10Heart(coding.code)) return true;
    if (coding.display && HEART_WORDS.test(coding.display)) return true;
  }
  return c.code?.text !== undefined && HEART_WORDS.test(c.code.text);
}

/** Cardiac case: an LV blood-pool structure, or an active heart condition in the record. */
export function isCardiacCase(input: { structureNames: readonly string[]; conditions: readonly Condition[] | undefined }): boolean {
  if (input.structureNames.some(isLvBloodPoolName)) return true;
  return (input.conditions ?? []).some(isHeartCondition);
}
