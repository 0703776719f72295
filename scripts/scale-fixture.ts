// A deterministic, Synthea-like record of many patients for the store benchmark (issue 14):
// each patient has demographics, ~25 encounters over ten years, conditions, medication
// requests, procedures, diagnostic reports, and ~200 Observations (a vital-sign set at every
// encounter — heart rate, blood pressure panel with components, respiratory rate, temperature,
// SpO2, weight, height, BMI — plus laboratory results), which is the size and shape of a
// Synthea record of an adult with a chronic condition. Same (index, seed) → same resources.
// Codes are real LOINC / SNOMED CT / RxNorm codes; every person and value is synthetic.
import type { Resource } from '@medplum/fhirtypes';
import { createPrng, type Prng } from '../server/demo/prng';

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const MRN = 'https://twinscope.dev/fhir/mrn-scale';

/** The fixture's "now": fixed so that the record is the same on every machine and day. */
export const SCALE_FIXTURE_NOW_MS = Date.parse('2026-11-01T08:00:00Z');
export const SCALE_FIXTURE_SEED = 20261101;
/** Bump when generateScalePatient changes what it makes: cached fixtures (bench/store.bench.ts) are regenerated. */
export const SCALE_FIXTURE_VERSION = 1;

const GIVEN_F = ['Ana', 'Maria', 'Eva', 'Ines', 'Lena', 'Sofia', 'Clara', 'Nora', 'Ida', 'Mila', 'Rosa', 'Alma'];
const GIVEN_M = ['Jon', 'Luis', 'Omar', 'Ivan', 'Paul', 'Hugo', 'Karl', 'Tomas', 'Emil', 'Noah', 'Felix', 'Milan'];
const FAMILY = ['Hale', 'Moreau', 'Schmidt', 'Rossi', 'Novak', 'Jensen', 'Garcia', 'Kowalski', 'Silva', 'Dubois', 'Meyer', 'Costa', 'Berg', 'Larsen', 'Weber', 'Ferrari'];
const CITIES = ['Lyon', 'Basel', 'Porto', 'Gent', 'Graz', 'Turku'];

const CONDITIONS: [string, string][] = [
  ['59621000', 'Essential hypertension'],
  ['44054006', 'Diabetes mellitus type 2'],
  ['55822004', 'Hyperlipidemia'],
  ['49436004', 'Atrial fibrillation'],
  ['84114007', 'Heart failure'],
  ['60573004', 'Aortic valve stenosis'],
  ['13645005', 'Chronic obstructive lung disease'],
  ['709044004', 'Chronic kidney disease'],
  ['195967001', 'Asthma'],
  ['40055000', 'Chronic sinusitis'],
  ['162864005', 'Body mass index 30+ - obesity'],
  ['271737000', 'Anemia'],
];
const MEDICATIONS: [string, string][] = [
  ['314076', 'lisinopril 10 MG Oral Tablet'],
  ['860975', 'metformin hydrochloride 500 MG Oral Tablet'],
  ['617312', 'atorvastatin 10 MG Oral Tablet'],
  ['866924', 'metoprolol tartrate 25 MG Oral Tablet'],
  ['310798', 'hydrochlorothiazide 25 MG Oral Tablet'],
  ['197361', 'amlodipine 5 MG Oral Tablet'],
  ['855332', 'warfarin sodium 5 MG Oral Tablet'],
  ['313782', 'acetaminophen 325 MG Oral Tablet'],
];
const PROCEDURES: [string, string][] = [
  ['430193006', 'Medication reconciliation'],
  ['710824005', 'Assessment of health and social care needs'],
  ['171207006', 'Depression screening'],
  ['268556000', 'Echocardiography'],
  ['29303009', 'Electrocardiographic procedure'],
];
const ENCOUNTER_TYPES: [string, string, string][] = [
  ['AMB', '185349003', 'Encounter for check up'],
  ['AMB', '390906007', 'Follow-up encounter'],
  ['EMER', '50849002', 'Emergency room admission'],
  ['IMP', '32485007', 'Hospital admission'],
];
/** [LOINC, display, unit, mean, sd] */
const LABS: [string, string, string, number, number][] = [
  ['2339-0', 'Glucose [Mass/volume] in Blood', 'mg/dL', 105, 20],
  ['2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', 'mg/dL', 1.1, 0.3],
  ['718-7', 'Hemoglobin [Mass/volume] in Blood', 'g/dL', 13.8, 1.4],
  ['2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma', 'mg/dL', 190, 30],
  ['4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', '%', 6.1, 0.8],
  ['2823-3', 'Potassium [Moles/volume] in Serum or Plasma', 'mmol/L', 4.2, 0.4],
  ['2951-2', 'Sodium [Moles/volume] in Serum or Plasma', 'mmol/L', 140, 2.5],
];

export const HEART_RATE_LOINC = '8867-4';

export function scalePatientId(index: number): string {
  return `scale-${String(index).padStart(5, '0')}`;
}

function pick<T>(rng: Prng, list: readonly T[]): T {
  return list[Math.floor(rng.next() * list.length)] as T;
}

function iso(ms: number): string {
  return new Date(Math.round(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function concept(system: string, code: string, display: string): { coding: { system: string; code: string; display: string }[]; text: string } {
  return { coding: [{ system, code, display }], text: display };
}

/** One patient's record (Patient first, then everything that references it). */
export function generateScalePatient(index: number, seed: number = SCALE_FIXTURE_SEED): Resource[] {
  const rng = createPrng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const pid = scalePatientId(index);
  const subject = { reference: `Patient/${pid}` };
  const female = rng.next() < 0.5;
  const ageYears = 35 + Math.floor(rng.next() * 50);
  const birth = new Date(SCALE_FIXTURE_NOW_MS - ageYears * 365.25 * 86_400_000 - rng.next() * 365 * 86_400_000);
  const family = pick(rng, FAMILY);
  const out: Resource[] = [
    {
      resourceType: 'Patient',
      id: pid,
      identifier: [{ system: MRN, value: `MRN-${String(index).padStart(7, '0')}` }],
      name: [{ use: 'official', family, given: [pick(rng, female ? GIVEN_F : GIVEN_M)] }],
      gender: female ? 'female' : 'male',
      birthDate: birth.toISOString().slice(0, 10),
      address: [{ city: pick(rng, CITIES), country: 'EU' }],
      telecom: [{ system: 'phone', value: `+000-${String(index).padStart(6, '0')}`, use: 'home' }],
    },
  ];

  const nConditions = 4 + Math.floor(rng.next() * 6);
  const conditions = [...CONDITIONS].sort(() => rng.next() - 0.5).slice(0, nConditions);
  const encounterCount = 20 + Math.floor(rng.next() * 10);
  const spanMs = 10 * 365.25 * 86_400_000;
  const weightKg = 60 + rng.next() * 40;
  const heightCm = female ? 162 + rng.normal() * 6 : 176 + rng.normal() * 7;
  let obsN = 0;
  const obs = (code: string, display: string, category: string, whenMs: number, encounterId: string, extra: Record<string, unknown>): void => {
    out.push({
      resourceType: 'Observation',
      id: `${pid}-obs-${String(obsN++).padStart(4, '0')}`,
      status: 'final',
      category: [{ coding: [{ system: CATEGORY, code: category, display: category === 'vital-signs' ? 'Vital signs' : 'Laboratory' }] }],
      code: concept(LOINC, code, display),
      subject,
      encounter: { reference: `Encounter/${encounterId}` },
      effectiveDateTime: iso(whenMs),
      issued: iso(whenMs + 3_600_000),
      ...extra,
    } as Resource);
  };
  const qty = (value: number, unit: string): Record<string, unknown> => ({ valueQuantity: { value, unit, system: UCUM, code: unit } });

  for (let e = 0; e < encounterCount; e++) {
    const startMs = SCALE_FIXTURE_NOW_MS - spanMs + (e + rng.next() * 0.8) * (spanMs / encounterCount);
    const [klass, typeCode, typeDisplay] = pick(rng, ENCOUNTER_TYPES);
    const endMs = startMs + (klass === 'IMP' ? 2 + rng.next() * 5 : 0.02 + rng.next() * 0.05) * 86_400_000;
    const encId = `${pid}-enc-${String(e).padStart(3, '0')}`;
    out.push({
      resourceType: 'Encounter',
      id: encId,
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: klass },
      type: [concept(SNOMED, typeCode, typeDisplay)],
      subject,
      period: { start: iso(startMs), end: iso(endMs) },
    } as Resource);
    const t = startMs + 600_000;
    const hr = Math.round(72 + rng.normal() * 10);
    obs(HEART_RATE_LOINC, 'Heart rate', 'vital-signs', t, encId, qty(hr, '/min'));
    const sys = Math.round(128 + rng.normal() * 14);
    const dia = Math.round(80 + rng.normal() * 9);
    obs('85354-9', 'Blood pressure panel with all children optional', 'vital-signs', t, encId, {
      component: [
        { code: concept(LOINC, '8480-6', 'Systolic blood pressure'), valueQuantity: { value: sys, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' } },
        { code: concept(LOINC, '8462-4', 'Diastolic blood pressure'), valueQuantity: { value: dia, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' } },
      ],
    });
    obs('9279-1', 'Respiratory rate', 'vital-signs', t, encId, qty(Math.round(15 + rng.normal() * 2), '/min'));
    obs('8310-5', 'Body temperature', 'vital-signs', t, encId, qty(round(36.8 + rng.normal() * 0.3, 1), 'Cel'));
    obs('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry', 'vital-signs', t, encId, qty(Math.round(97 + rng.normal()), '%'));
    const w = round(weightKg + rng.normal() * 1.5, 1);
    obs('29463-7', 'Body weight', 'vital-signs', t, encId, qty(w, 'kg'));
    if (e % 4 === 0) obs('8302-2', 'Body height', 'vital-signs', t, encId, qty(round(heightCm, 1), 'cm'));
    obs('39156-5', 'Body mass index (BMI) [Ratio]', 'vital-signs', t, encId, qty(round(w / (heightCm / 100) ** 2, 1), 'kg/m2'));
    if (e % 3 === 0) {
      const results: { reference: string }[] = [];
      for (const [code, display, unit, mean, sd] of LABS) {
        obs(code, display, 'laboratory', t + 1_800_000, encId, qty(round(mean + rng.normal() * sd, 2), unit));
        results.push({ reference: `Observation/${pid}-obs-${String(obsN - 1).padStart(4, '0')}` });
      }
      out.push({
        resourceType: 'DiagnosticReport',
        id: `${pid}-dr-${String(e).padStart(3, '0')}`,
        status: 'final',
        category: [concept('http://terminology.hl7.org/CodeSystem/v2-0074', 'LAB', 'Laboratory')],
        code: concept(LOINC, '24323-8', 'Comprehensive metabolic panel'),
        subject,
        encounter: { reference: `Encounter/${encId}` },
        effectiveDateTime: iso(t + 1_800_000),
        issued: iso(t + 7_200_000),
        result: results,
      } as Resource);
    }
    if (e % 5 === 0) {
      const [code, display] = pick(rng, PROCEDURES);
      out.push({
        resourceType: 'Procedure',
        id: `${pid}-proc-${String(e).padStart(3, '0')}`,
        status: 'completed',
        code: concept(SNOMED, code, display),
        subject,
        encounter: { reference: `Encounter/${encId}` },
        performedPeriod: { start: iso(t), end: iso(t + 1_200_000) },
      } as Resource);
    }
    const ci = e % Math.max(1, Math.floor(encounterCount / nConditions));
    const condition = ci === 0 ? conditions[Math.floor(e / Math.max(1, Math.floor(encounterCount / nConditions)))] : undefined;
    if (condition) {
      const [code, display] = condition;
      const cid = `${pid}-cond-${String(e).padStart(3, '0')}`;
      out.push({
        resourceType: 'Condition',
        id: cid,
        clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active', 'Active'),
        verificationStatus: concept('http://terminology.hl7.org/CodeSystem/condition-ver-status', 'confirmed', 'Confirmed'),
        category: [concept('http://terminology.hl7.org/CodeSystem/condition-category', 'encounter-diagnosis', 'Encounter Diagnosis')],
        code: concept(SNOMED, code, display),
        subject,
        encounter: { reference: `Encounter/${encId}` },
        onsetDateTime: iso(startMs),
        recordedDate: iso(startMs),
      } as Resource);
      const [rx, rxDisplay] = pick(rng, MEDICATIONS);
      out.push({
        resourceType: 'MedicationRequest',
        id: `${pid}-med-${String(e).padStart(3, '0')}`,
        status: rng.next() < 0.7 ? 'active' : 'stopped',
        intent: 'order',
        medicationCodeableConcept: concept(RXNORM, rx, rxDisplay),
        subject,
        encounter: { reference: `Encounter/${encId}` },
        authoredOn: iso(startMs + 900_000),
        reasonReference: [{ reference: `Condition/${cid}` }],
        dosageInstruction: [{ text: 'Take one tablet by mouth daily', timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } } }],
      } as Resource);
    }
  }
  return out;
}
