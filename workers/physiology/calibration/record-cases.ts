// The records the twin's prior is checked on, each with the archetype a clinician would expect
// and why: the four Synthea R4 sample bundles (test-data/fhir/synthea) and generated edge cases.
// Used by record-cases.test.ts (tests, not eyeballing) and scripts/real-records.ts (the review in
// docs/real-records.md shows expected against got). Pure data and FHIR builders, no I/O.

export type ExpectedTwin =
  | { kind: 'archetype'; top: readonly string[]; why: string }
  | { kind: 'refused'; why: string }
  | { kind: 'no-calibration'; why: string };

export interface RecordCase {
  name: string;
  /** What the case checks (issue 12). */
  why: string;
  expect: ExpectedTwin;
  /** A generated bundle, or the Synthea sample's file name in test-data/fhir/synthea. */
  bundle?: unknown;
  synthea?: string;
}

export const q = (code: string, value: number, unit: string) => ({ code: { coding: [{ system: 'http://loinc.org', code }] }, valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit } });
interface Gen {
  birthDate: string;
  sex?: 'male' | 'female';
  deceased?: string;
  readings?: { at: string; sbp: number; dbp: number; hr: number; unit?: string }[];
  conditions?: { code: string; display: string; system?: string }[];
  meds?: string[];
  extra?: unknown[];
}
export function generated(id: string, g: Gen): unknown {
  const entry: unknown[] = [{ resource: { resourceType: 'Patient', id, gender: g.sex ?? 'female', birthDate: g.birthDate, ...(g.deceased ? { deceasedDateTime: g.deceased } : {}) } }];
  (g.readings ?? []).forEach((r, i) => {
    const u = r.unit ?? 'mm[Hg]';
    entry.push({ resource: { resourceType: 'Observation', id: `${id}-bp${i}`, status: 'final', effectiveDateTime: r.at, code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] }, component: [q('8480-6', r.sbp, u), q('8462-4', r.dbp, u)] } });
    entry.push({ resource: { resourceType: 'Observation', id: `${id}-hr${i}`, status: 'final', effectiveDateTime: r.at, ...q('8867-4', r.hr, '/min') } });
  });
  (g.conditions ?? []).forEach((c, i) =>
    entry.push({ resource: { resourceType: 'Condition', id: `${id}-c${i}`, clinicalStatus: { coding: [{ code: 'active' }] }, code: { coding: [{ system: c.system ?? 'http://snomed.info/sct', code: c.code, display: c.display }], text: c.display } } }),
  );
  (g.meds ?? []).forEach((text, i) => entry.push({ resource: { resourceType: 'MedicationRequest', id: `${id}-m${i}`, status: 'active', medicationCodeableConcept: { text } } }));
  for (const r of g.extra ?? []) entry.push({ resource: r });
  return { resourceType: 'Bundle', type: 'collection', entry };
}

const fresh = '2026-12-01T10:00:00Z';
const echo = (id: string, code: string, value: number, unit: string, at = '2026-11-20T09:00:00Z') => ({ resourceType: 'Observation', id, status: 'final', effectiveDateTime: at, ...q(code, value, unit) });
const HF = { code: '88805009', display: 'Chronic congestive heart failure (disorder)' };
const A = (top: readonly string[], why: string): ExpectedTwin => ({ kind: 'archetype', top, why });

/** The Synthea samples (heart-failure module): every one has chronic CHF coded and echo LVEFs. */
export const SYNTHEA_CASES: RecordCase[] = [
  { name: 'Beatrice Aufderhar', synthea: 'Beatrice_Aufderhar.json', why: 'Synthea R4 sample: CHF, MI, latest LVEF 38 %', expect: A(['hfref'], 'CHF coded and the latest echo LVEF 38 % (≤ 40 %: HFrEF, ESC 2021)') },
  { name: 'Isaura Dietrich', synthea: 'Isaura_Dietrich.json', why: 'Synthea R4 sample: CHF, AF, hypertension, latest LVEF 35 % (issue 12: was HFpEF)', expect: A(['hfref'], 'CHF coded and the latest echo LVEF 35 % (≤ 40 %), a year before the last BP') },
  { name: 'Oda Gerlach', synthea: 'Oda_Gerlach.json', why: 'Synthea R4 sample: CHF, hypertension, latest LVEF 45 %', expect: A(['hfref', 'hfpef'], 'LVEF 45 % is mildly reduced (41–49 %, ESC 2021): the model has no HFmrEF archetype, so HFrEF or HFpEF, neither decisively') },
  { name: 'Parker Casper', synthea: 'Parker_Casper.json', why: 'Synthea R4 sample: CHF, AF, CAD, diabetes, latest LVEF 35 %', expect: A(['hfref'], 'CHF coded and the latest echo LVEF 35 % (≤ 40 %)') },
];

export const EDGE_CASES: RecordCase[] = [
  { name: 'gen: child, 9 y', why: 'adult-only model must refuse', expect: { kind: 'refused', why: 'under 18 y' }, bundle: generated('child', { birthDate: '2017-05-01', readings: [{ at: fresh, sbp: 100, dbp: 62, hr: 92 }] }) },
  {
    name: 'gen: 19 y, narrow pulse pressure, no diagnosis',
    why: 'issue 12: was given a valve area of 0.68 cm²',
    expect: A(['healthy'], 'no diagnosis, no echo: a narrow pulse pressure is not aortic stenosis'),
    bundle: generated('young', { birthDate: '2007-04-01', sex: 'male', readings: [{ at: fresh, sbp: 104, dbp: 82, hr: 70 }] }),
  },
  { name: 'gen: 25 y, HR 95, no diagnosis', why: 'issue 12: was given EF 0.33', expect: A(['healthy'], 'a fast resting HR is not heart failure'), bundle: generated('tachy', { birthDate: '2001-02-01', sex: 'male', readings: [{ at: fresh, sbp: 124, dbp: 76, hr: 95 }] }) },
  {
    name: 'gen: 78 y, treated hypertension',
    why: 'lisinopril, amlodipine, HCTZ and metoprolol must map to engine classes',
    expect: A(['hypertensive'], 'hypertension coded, no HF or AS, no echo'),
    bundle: generated('htn', {
      birthDate: '1948-03-03',
      readings: [{ at: fresh, sbp: 142, dbp: 78, hr: 62 }],
      conditions: [{ code: '59621000', display: 'Essential hypertension' }],
      meds: ['Lisinopril 10 MG Oral Tablet', 'Amlodipine 5 MG Oral Tablet', 'Hydrochlorothiazide 25 MG', 'Metoprolol tartrate 50 MG Oral Tablet'],
    }),
  },
  {
    name: 'gen: 81 y, severe AS on echo',
    why: 'ICD-10 I35.0 with an echo area and gradient',
    expect: A(['severe-as'], 'area 0.75 cm² and mean gradient 46 mmHg: severe (ESC/EACTS 2021)'),
    bundle: generated('as', {
      birthDate: '1945-01-01',
      sex: 'male',
      readings: [{ at: fresh, sbp: 128, dbp: 74, hr: 68 }],
      conditions: [{ code: 'I35.0', display: 'Nonrheumatic aortic (valve) stenosis', system: 'http://hl7.org/fhir/sid/icd-10-cm' }],
      extra: [echo('as-ava', '79956-9', 0.75, 'cm2'), echo('as-mg', '79962-7', 46, 'mm[Hg]')],
    }),
  },
  {
    name: 'gen: 76 y, AS coded, moderate on echo',
    why: 'the echo grade, not the code alone, decides the severity',
    expect: A(['moderate-as'], 'area 1.3 cm², mean gradient 28 mmHg: moderate (ESC/EACTS 2021)'),
    bundle: generated('modas', {
      birthDate: '1950-06-01',
      readings: [{ at: fresh, sbp: 138, dbp: 80, hr: 70 }],
      conditions: [{ code: '60573004', display: 'Aortic valve stenosis (disorder)' }],
      extra: [echo('modas-ava', '79956-9', 1.3, 'cm2'), echo('modas-mg', '79962-7', 28, 'mm[Hg]')],
    }),
  },
  {
    name: 'gen: 83 y, AS gradient on echo, not coded',
    why: 'echo evidence without a diagnosis is enough for AS',
    expect: A(['severe-as'], 'mean gradient 52 mmHg and peak velocity 4.6 m/s: severe AS though not on the problem list'),
    bundle: generated('asnocode', {
      birthDate: '1943-02-01',
      sex: 'male',
      readings: [{ at: fresh, sbp: 132, dbp: 72, hr: 66 }],
      extra: [echo('asnocode-mg', '79962-7', 52, 'mm[Hg]'), echo('asnocode-v', '79964-3', 4.6, 'm/s')],
    }),
  },
  {
    name: 'gen: 64 y, LVEF 30 % on echo, no diagnosis',
    why: 'the echo LVEF dominates: a reduced-EF ventricle without a coded diagnosis',
    expect: A(['hfref'], 'LVEF 30 % (≤ 40 %): LV systolic dysfunction, the HFrEF archetype, coded or not'),
    bundle: generated('lvsd', { birthDate: '1962-05-01', sex: 'male', readings: [{ at: fresh, sbp: 118, dbp: 72, hr: 78 }], extra: [echo('lvsd-ef', '10230-1', 30, '%')] }),
  },
  {
    name: 'gen: 72 y, HFrEF coded, recovered LVEF 58 %',
    why: 'the latest echo dominates the code (HF with improved EF, ESC 2021)',
    expect: A(['hfpef', 'healthy'], 'HF with LVEF ≥ 50 % now: not the reduced-EF archetype'),
    bundle: generated('hfimp', {
      birthDate: '1954-03-01',
      readings: [{ at: fresh, sbp: 126, dbp: 74, hr: 64 }],
      conditions: [{ code: '703272007', display: 'Heart failure with reduced ejection fraction' }],
      meds: ['Metoprolol succinate 50 MG Extended Release Oral Tablet', 'Lisinopril 10 MG Oral Tablet'],
      extra: [echo('hfimp-ef', '10230-1', 58, '%')],
    }),
  },
  {
    name: 'gen: 79 y, HF coded, LVEF 60 %, hypertension',
    why: 'HF with preserved EF by the ESC 2021 definition',
    expect: A(['hfpef'], 'HF coded and LVEF ≥ 50 %'),
    bundle: generated('hfpef', {
      birthDate: '1947-04-01',
      readings: [{ at: fresh, sbp: 158, dbp: 82, hr: 72 }],
      conditions: [HF, { code: '59621000', display: 'Essential hypertension' }],
      extra: [echo('hfpef-ef', '10230-1', 60, '%')],
    }),
  },
  {
    name: 'gen: deceased last week',
    why: 'marked, not forecast; issue 12 review: was calibrated as HFrEF (0.89) from BP 96/58 and HR 104 alone',
    expect: A(['healthy', 'hfref'], 'no diagnosis, no echo: hypotension and tachycardia before death do not establish HFrEF; undecided at most'),
    bundle: generated('dead', { birthDate: '1940-01-01', deceased: '2026-11-25', readings: [{ at: '2026-11-24T08:00:00Z', sbp: 96, dbp: 58, hr: 104 }] }),
  },
  {
    name: 'gen: pregnant, 31 y',
    why: 'pregnancy physiology named',
    expect: A(['healthy'], 'no cardiac diagnosis, normal vitals'),
    bundle: generated('preg', { birthDate: '1995-08-01', readings: [{ at: fresh, sbp: 112, dbp: 68, hr: 88 }], conditions: [{ code: '72892002', display: 'Normal pregnancy' }] }),
  },
  { name: 'gen: no vitals', why: 'nothing to calibrate', expect: { kind: 'no-calibration', why: 'no HR or BP' }, bundle: generated('novitals', { birthDate: '1960-01-01', conditions: [{ code: '44054006', display: 'Diabetes mellitus type 2' }] }) },
  {
    name: 'gen: only ancient vitals (2011)',
    why: 'no live forecast; calibration as of 2011',
    expect: A(['healthy'], 'no diagnosis; a raised BP fifteen years ago is not coded hypertension'),
    bundle: generated('ancient', { birthDate: '1950-01-01', readings: [{ at: '2011-05-05T10:00:00Z', sbp: 150, dbp: 92, hr: 80 }] }),
  },
  {
    name: 'gen: conflicting units (kPa BP, % and fraction EF)',
    why: 'kPa converted; an EF of 0.55 "%" is flagged implausible, not fitted',
    expect: A(['healthy'], 'no diagnosis; the implausible EF is not used'),
    bundle: generated('units', {
      birthDate: '1958-01-01',
      readings: [{ at: fresh, sbp: 17.3, dbp: 10.7, hr: 72, unit: 'kPa' }],
      extra: [{ resourceType: 'Observation', id: 'units-ef', status: 'final', effectiveDateTime: fresh, ...q('10230-1', 0.55, '%') }],
    }),
  },
  {
    name: 'gen: duplicate identifiers (every resource twice)',
    why: 'the same record exported twice into one bundle reads as one record',
    expect: A(['hfref'], 'as the LVEF-30 % case: duplicates add no evidence'),
    bundle: (() => {
      const b = generated('dup', { birthDate: '1962-05-01', sex: 'male', readings: [{ at: fresh, sbp: 118, dbp: 72, hr: 78 }], conditions: [HF], extra: [echo('dup-ef', '10230-1', 30, '%')] }) as { entry: { resource: Record<string, unknown> }[] };
      b.entry = b.entry.flatMap((e) => [e, { resource: { ...e.resource, identifier: [{ system: 'urn:twinscope:test', value: String(e.resource.id) }] } }]);
      return b;
    })(),
  },
];
