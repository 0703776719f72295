// Writes docs/real-records.md: for every sample record (the Synthea bundles in test-data/fhir/synthea
// and generated edge cases), what the twin read, what it can do, the prior it chose and why, the
// fitted values against the observed ones and the posterior's top archetype.
//   node --import tsx scripts/real-records.ts [--members N] [--now ISO]
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assessTwinCapability } from '../core/domain/clinical-record';
import { ingestFhirVitals } from '../core/vitals/fhir-vitals';
import { calibrateFromRecord, clinicalInputsOf, TwinRefusedError } from '../workers/physiology/calibration/from-record';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const members = Number(args[args.indexOf('--members') + 1] ?? '') || 60;
const NOW = args.includes('--now') ? (args[args.indexOf('--now') + 1] as string) : '2026-12-01T12:00:00Z';

const q = (code: string, value: number, unit: string) => ({ code: { coding: [{ system: 'http://loinc.org', code }] }, valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit } });
interface Gen {
  birthDate: string;
  sex?: 'male' | 'female';
  deceased?: string;
  readings?: { at: string; sbp: number; dbp: number; hr: number; unit?: string }[];
  conditions?: { code: string; display: string; system?: string }[];
  meds?: string[];
  extra?: unknown[];
}
function generated(id: string, g: Gen): unknown {
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
const EDGE: { name: string; why: string; bundle: unknown }[] = [
  { name: 'gen: child, 9 y', why: 'adult-only model must refuse', bundle: generated('child', { birthDate: '2017-05-01', readings: [{ at: fresh, sbp: 100, dbp: 62, hr: 92 }] }) },
  { name: 'gen: 19 y, narrow pulse pressure, no diagnosis', why: 'issue 12: was given a valve area of 0.68 cm²', bundle: generated('young', { birthDate: '2007-04-01', sex: 'male', readings: [{ at: fresh, sbp: 104, dbp: 82, hr: 70 }] }) },
  { name: 'gen: 25 y, HR 95, no diagnosis', why: 'issue 12: was given EF 0.33', bundle: generated('tachy', { birthDate: '2001-02-01', sex: 'male', readings: [{ at: fresh, sbp: 124, dbp: 76, hr: 95 }] }) },
  {
    name: 'gen: 78 y, treated hypertension',
    why: 'lisinopril, amlodipine, HCTZ and metoprolol must map to engine classes',
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
    bundle: generated('as', {
      birthDate: '1945-01-01',
      sex: 'male',
      readings: [{ at: fresh, sbp: 128, dbp: 74, hr: 68 }],
      conditions: [{ code: 'I35.0', display: 'Nonrheumatic aortic (valve) stenosis', system: 'http://hl7.org/fhir/sid/icd-10-cm' }],
      extra: [
        { resourceType: 'Observation', id: 'as-ava', status: 'final', effectiveDateTime: '2026-11-20T09:00:00Z', ...q('79956-9', 0.75, 'cm2') },
        { resourceType: 'Observation', id: 'as-mg', status: 'final', effectiveDateTime: '2026-11-20T09:00:00Z', ...q('79962-7', 46, 'mm[Hg]') },
      ],
    }),
  },
  { name: 'gen: deceased last week', why: 'marked, not forecast', bundle: generated('dead', { birthDate: '1940-01-01', deceased: '2026-11-25', readings: [{ at: '2026-11-24T08:00:00Z', sbp: 96, dbp: 58, hr: 104 }] }) },
  {
    name: 'gen: pregnant, 31 y',
    why: 'pregnancy physiology named',
    bundle: generated('preg', { birthDate: '1995-08-01', readings: [{ at: fresh, sbp: 112, dbp: 68, hr: 88 }], conditions: [{ code: '72892002', display: 'Normal pregnancy' }] }),
  },
  { name: 'gen: no vitals', why: 'nothing to calibrate', bundle: generated('novitals', { birthDate: '1960-01-01', conditions: [{ code: '44054006', display: 'Diabetes mellitus type 2' }] }) },
  { name: 'gen: only ancient vitals (2011)', why: 'no live forecast; calibration as of 2011', bundle: generated('ancient', { birthDate: '1950-01-01', readings: [{ at: '2011-05-05T10:00:00Z', sbp: 150, dbp: 92, hr: 80 }] }) },
  {
    name: 'gen: conflicting units (kPa BP, % and fraction EF)',
    why: 'kPa converted; an EF of 0.55 "%" is flagged implausible, not fitted',
    bundle: generated('units', {
      birthDate: '1958-01-01',
      readings: [{ at: fresh, sbp: 17.3, dbp: 10.7, hr: 72, unit: 'kPa' }],
      extra: [{ resourceType: 'Observation', id: 'units-ef', status: 'final', effectiveDateTime: fresh, ...q('10230-1', 0.55, '%') }],
    }),
  },
];

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const OUT_DIGITS: Record<string, number> = { ef: 2, avAreaCm2: 2 };

function section(name: string, why: string, bundle: unknown): string {
  const lines: string[] = [`### ${name}`, '', `*${why}*`, ''];
  const clinical = clinicalInputsOf(bundle);
  const cap = assessTwinCapability(clinical.record, { now: NOW });
  const vitals = ingestFhirVitals(bundle);
  const problems = clinical.record.conditions.filter((c) => c.active && c.category !== 'social' && c.category !== 'other').map((c) => `${c.text} (${c.category})`);
  lines.push(`- **Diagnoses read:** ${problems.join('; ') || 'none with a cardiac or modelled category'}`);
  const meds = clinical.medications.filter((m) => m.current);
  lines.push(`- **Current medications:** ${meds.map((m) => `${m.text} → ${m.drug ?? 'not modelled'}`).join('; ') || 'none'}`);
  lines.push(`- **Twin:** ${cap.canForecast ? 'live forecast possible' : cap.canCalibrate ? 'calibration only, no forecast' : cap.notes.some((n) => n.effect === 'refuse') ? '**refused**' : '**no calibration**'}${cap.ageYears !== undefined ? `; age ${cap.ageYears} y` : ''}`);
  for (const n of cap.notes) lines.push(`  - ${n.effect}: ${n.message}`);
  if (!cap.canCalibrate) return `${lines.join('\n')}\n`;
  try {
    const r = calibrateFromRecord(vitals, { fit: { ensembleSize: members, seed: 7 }, clinical, now: NOW });
    lines.push(`- **Inputs used** (as of ${r.inputs.asOf?.slice(0, 10) ?? '?'}): ${r.inputs.used.map((u) => `${u.kind} ${f(u.value)} (${u.effective?.slice(0, 10) ?? 'undated'}${u.sdFactor > 1.01 ? `, weight ×${f(1 / u.sdFactor ** 2)}` : ''})`).join('; ')}`);
    lines.push(`- **Missing:** ${r.inputs.missing.join(', ') || 'none'}${r.patientDefaults.length ? `; defaults for ${r.patientDefaults.join(', ')}` : ''}`);
    if (r.inputs.implausible.length) lines.push(`- **Not used (implausible):** ${r.inputs.implausible.map((i) => i.reason).join('; ')}`);
    if (r.inputs.converted.length) lines.push(`- **Converted units:** ${r.inputs.converted.map((c) => `${c.kind} from ${c.from}`).join('; ')}`);
    lines.push('- **Prior chosen, and why:**');
    for (const why of r.prior?.reasons ?? []) lines.push(`  - ${why.replace(/\b(Condition|MedicationRequest|Observation|Patient)\/[0-9a-f-]{36}/g, '$1/…')}`);
    const ranked = [...r.archetypes].sort((a, b) => b.posteriorWeight - a.posteriorWeight);
    lines.push(`- **Archetypes, prior → posterior:** ${ranked.map((a) => `${a.label} ${f(a.priorWeight, 3)} → **${f(a.posteriorWeight, 3)}**`).join(', ')}; top: **${ranked[0]?.label}**`);
    lines.push('', '| observed | value | fitted (MAP) | z |', '|---|---|---|---|');
    for (const x of r.residuals) lines.push(`| ${x.key} | ${f(x.observed, OUT_DIGITS[x.key] ?? 1)} | ${f(x.predicted, OUT_DIGITS[x.key] ?? 1)} | ${f(x.z)} |`);
    const o = r.outputs;
    lines.push('', `Posterior predictive (p05–p50–p95): EF ${f(o.ef!.p05)}–${f(o.ef!.p50)}–${f(o.ef!.p95)}, AV mean gradient ${f(o.avMeanGradientMmHg!.p05, 0)}–${f(o.avMeanGradientMmHg!.p50, 0)}–${f(o.avMeanGradientMmHg!.p95, 0)} mmHg, CO ${f(o.coLPerMin!.p05, 1)}–${f(o.coLPerMin!.p50, 1)}–${f(o.coLPerMin!.p95, 1)} L/min.`, '');
  } catch (err) {
    lines.push(`- **Calibration refused:** ${err instanceof TwinRefusedError ? err.capability.headline : (err as Error).message}`);
  }
  return `${lines.join('\n')}\n`;
}

const synthea = join(root, 'test-data', 'fhir', 'synthea');
const parts: string[] = [
  '# Real records: what the twin reads and does',
  '',
  `Generated by \`node --import tsx scripts/real-records.ts\` (${members} ensemble members, "now" = ${NOW}). Do not edit by hand.`,
  'Records: the four Synthea R4 sample bundles in `test-data/fhir/synthea/` (SMART sample data, Apache-2.0) and generated edge cases.',
  'Method: `workers/physiology/calibration/` (README there); capability rules: `core/domain/clinical-record.ts`; prior: `record-prior.ts`.',
  '',
  '## Synthea sample records',
  '',
];
for (const file of readdirSync(synthea).filter((n) => n.endsWith('.json')).sort()) {
  parts.push(section(file.replace('.json', '').replace('_', ' '), 'Synthea R4 sample (heart failure module)', JSON.parse(readFileSync(join(synthea, file), 'utf8'))));
}
parts.push('## Generated edge cases', '');
for (const e of EDGE) parts.push(section(e.name, e.why, e.bundle));
writeFileSync(join(root, 'docs', 'real-records.md'), parts.join('\n'));
process.stderr.write(`wrote docs/real-records.md (${4 + EDGE.length} records)\n`);
