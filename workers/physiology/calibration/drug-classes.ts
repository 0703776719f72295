// Medications in a FHIR record → the drug classes the physiology engine models.
//
// CONTRACT with workers/physiology (helper "physio"): the engine's drug names are `metoprolol`
// (beta-blockers), `ace-inhibitor`, `arb`, `calcium-channel-blocker`, `thiazide`, `furosemide`
// (loop diuretics) and `nitrate`, given as `{ type: 'drug', drug, doseMg, route: 'oral' }`. Until
// the engine exports its modelled list (`workers/physiology/drugs.ts`), this table is the mapping.
//
// Matching: RxNorm ingredient codes where the record carries them, otherwise the ingredient name in
// the text or display (RxNorm has hundreds of product codes per ingredient, e.g. Synthea's
// "24 HR metoprolol succinate 100 MG Extended Release Oral Tablet [Toprol]" is RxCUI 866412).
// Ingredient RxCUIs from RxNav (https://mor.nlm.nih.gov/RxNav), checked by name.

import type { MappedMedication, MedicationRoute, ModelledDrug } from '../../../core/vitals/twin';
import { arr, isObject, str, type Json } from '../../../core/domain/fhirJson';
export type { MappedMedication, ModelledDrug } from '../../../core/vitals/twin';
export type DrugRoute = MedicationRoute;

export const MODELLED_DRUGS: readonly ModelledDrug[] = ['metoprolol', 'ace-inhibitor', 'arb', 'calcium-channel-blocker', 'thiazide', 'furosemide', 'nitrate'];

export const DRUG_CLASS_LABEL: Readonly<Record<ModelledDrug, string>> = {
  metoprolol: 'beta-blocker',
  'ace-inhibitor': 'ACE inhibitor',
  arb: 'angiotensin receptor blocker',
  'calcium-channel-blocker': 'calcium-channel blocker',
  thiazide: 'thiazide diuretic',
  furosemide: 'loop diuretic',
  nitrate: 'nitrate',
};

interface Ingredient {
  name: string;
  re: RegExp;
  rxcui?: string;
  drug: ModelledDrug;
  /** Non-dihydropyridine calcium-channel blockers slow the heart; dihydropyridines only dilate. */
  rateLowering?: boolean;
}

const INGREDIENTS: readonly Ingredient[] = [
  { name: 'metoprolol', re: /metoprolol|toprol|lopressor/i, rxcui: '6918', drug: 'metoprolol' },
  { name: 'carvedilol', re: /carvedilol|coreg/i, rxcui: '20352', drug: 'metoprolol' },
  { name: 'bisoprolol', re: /bisoprolol/i, drug: 'metoprolol' },
  { name: 'atenolol', re: /atenolol|tenormin/i, rxcui: '1202', drug: 'metoprolol' },
  { name: 'nebivolol', re: /nebivolol/i, drug: 'metoprolol' },
  { name: 'propranolol', re: /propranolol/i, drug: 'metoprolol' },
  { name: 'lisinopril', re: /lisinopril/i, rxcui: '29046', drug: 'ace-inhibitor' },
  { name: 'enalapril', re: /enalapril/i, rxcui: '3827', drug: 'ace-inhibitor' },
  { name: 'ramipril', re: /ramipril/i, drug: 'ace-inhibitor' },
  { name: 'captopril', re: /captopril/i, drug: 'ace-inhibitor' },
  { name: 'perindopril', re: /perindopril/i, drug: 'ace-inhibitor' },
  { name: 'losartan', re: /losartan/i, rxcui: '52175', drug: 'arb' },
  { name: 'valsartan', re: /valsartan/i, drug: 'arb' },
  { name: 'candesartan', re: /candesartan/i, drug: 'arb' },
  { name: 'irbesartan', re: /irbesartan/i, drug: 'arb' },
  { name: 'telmisartan', re: /telmisartan/i, drug: 'arb' },
  { name: 'olmesartan', re: /olmesartan/i, drug: 'arb' },
  { name: 'amlodipine', re: /amlodipine/i, rxcui: '17767', drug: 'calcium-channel-blocker' },
  { name: 'nifedipine', re: /nifedipine/i, drug: 'calcium-channel-blocker' },
  { name: 'felodipine', re: /felodipine/i, drug: 'calcium-channel-blocker' },
  { name: 'verapamil', re: /verapamil/i, rxcui: '11170', drug: 'calcium-channel-blocker', rateLowering: true },
  { name: 'diltiazem', re: /diltiazem/i, rxcui: '3443', drug: 'calcium-channel-blocker', rateLowering: true },
  { name: 'hydrochlorothiazide', re: /hydrochlorothiazide|\bhctz\b/i, rxcui: '5487', drug: 'thiazide' },
  { name: 'chlorthalidone', re: /chlorthalidone/i, drug: 'thiazide' },
  { name: 'indapamide', re: /indapamide/i, drug: 'thiazide' },
  { name: 'furosemide', re: /furosemide|lasix/i, rxcui: '4603', drug: 'furosemide' },
  { name: 'bumetanide', re: /bumetanide/i, drug: 'furosemide' },
  { name: 'torsemide', re: /torsemide|torasemide/i, drug: 'furosemide' },
  { name: 'nitroglycerin', re: /nitroglycerin|glyceryl trinitrate/i, rxcui: '4917', drug: 'nitrate' },
  { name: 'isosorbide', re: /isosorbide/i, drug: 'nitrate' },
];





const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

function routeOf(text: string, r: Json): DrugRoute {
  const dosage = arr(r.dosageInstruction)[0];
  const routeText = isObject(dosage) && isObject(dosage.route) ? [str(dosage.route.text), ...arr(dosage.route.coding).map((c) => (isObject(c) ? str(c.display) : undefined))].join(' ') : '';
  const all = `${text} ${routeText}`;
  if (/inject|intraven|\biv\b|infusion/i.test(all)) return 'iv';
  if (/sublingual|mucosal|spray|buccal/i.test(all)) return 'sublingual';
  if (/transdermal|patch/i.test(all)) return 'transdermal';
  if (/oral|tablet|capsule|\btab\b/i.test(all) || /^[a-z][a-z -]* \d+(\.\d+)? ?mg$/i.test(text.trim())) return 'oral';
  return 'unknown';
}

/** "Amlodipine 5 MG Oral Tablet" → 5; "10 ML Furosemide 10 MG/ML Injection" → undefined (a concentration, not a dose). */
export function doseMgOf(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)\s*(mg|mcg|µg|g)\b(?!\s*\/)/gi;
  const m = re.exec(text);
  if (!m) return undefined;
  const v = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  if (!Number.isFinite(v)) return undefined;
  if (unit === 'g') return v * 1000;
  if (unit === 'mcg' || unit === 'µg') return v / 1000;
  return v;
}

const CURRENT_STATUS = new Set(['active', 'on-hold', 'intended']);

/** Maps one MedicationRequest / MedicationStatement (with its referenced Medication, if any). */
export function mapMedication(r: Json, medication?: Json): MappedMedication | undefined {
  const cc = r.medicationCodeableConcept ?? medication?.code;
  if (!isObject(cc)) return undefined;
  const texts = [str(cc.text), ...arr(cc.coding).map((c) => (isObject(c) ? str(c.display) : undefined))].filter((t): t is string => !!t);
  const rxnorm = arr(cc.coding).map((c) => (isObject(c) && c.system === RXNORM ? str(c.code) : undefined)).find((c) => c !== undefined);
  const text = texts[0] ?? (rxnorm !== undefined ? `RxNorm ${rxnorm}` : '');
  if (text === '') return undefined;
  const all = texts.join(' ');
  const ing = INGREDIENTS.find((i) => i.rxcui !== undefined && i.rxcui === rxnorm) ?? INGREDIENTS.find((i) => i.re.test(all));
  const status = str(r.status);
  return {
    drug: ing?.drug,
    ingredient: ing?.name,
    doseMg: doseMgOf(all),
    route: routeOf(all, r),
    rateLowering: ing?.drug === 'metoprolol' || ing?.rateLowering === true,
    text,
    rxnorm,
    current: status === undefined || CURRENT_STATUS.has(status),
    status,
    authoredOn: str(r.authoredOn) ?? str(r.dateAsserted) ?? (isObject(r.effectivePeriod) ? str(r.effectivePeriod.start) : undefined),
    source: `${String(r.resourceType)}/${str(r.id) ?? '?'}`,
  };
}

/** Every medication in a list of resources (Bundle entries flattened), in record order. */
export function mapMedications(resources: readonly Json[], byReference: ReadonlyMap<string, Json> = new Map()): MappedMedication[] {
  const out: MappedMedication[] = [];
  for (const r of resources) {
    if (r.resourceType !== 'MedicationRequest' && r.resourceType !== 'MedicationStatement') continue;
    const ref = isObject(r.medicationReference) ? str(r.medicationReference.reference) : undefined;
    const m = mapMedication(r, ref !== undefined ? byReference.get(ref) : undefined);
    if (m) out.push(m);
  }
  return out;
}

/** Current therapy per engine drug class (latest authored first), for the prior and for scenarios. */
export function currentTherapy(meds: readonly MappedMedication[]): MappedMedication[] {
  const byDrug = new Map<ModelledDrug, MappedMedication>();
  // Oral first (the engine's drug model is oral dosing), then the most recently authored.
  const sorted = [...meds].sort((a, b) => Number(b.route === 'oral') - Number(a.route === 'oral') || (Date.parse(b.authoredOn ?? '') || 0) - (Date.parse(a.authoredOn ?? '') || 0));
  for (const m of sorted) if (m.current && m.drug !== undefined && !byDrug.has(m.drug)) byDrug.set(m.drug, m);
  return [...byDrug.values()];
}
