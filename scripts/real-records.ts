// Writes docs/real-records.md: for every sample record (the Synthea bundles in test-data/fhir/synthea
// and generated edge cases), what the twin read, what it can do, the prior it chose and why, the
// fitted values against the observed ones and the posterior's top archetype.
//   node --import tsx scripts/real-records.ts [--members N] [--now ISO]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assessTwinCapability } from '../core/domain/clinical-record';
import { ingestFhirVitals } from '../core/vitals/fhir-vitals';
import { calibrateFromRecord, clinicalInputsOf, TwinRefusedError } from '../workers/physiology/calibration/from-record';
import { EDGE_CASES, SYNTHEA_CASES, type RecordCase } from '../workers/physiology/calibration/record-cases';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const members = Number(args[args.indexOf('--members') + 1] ?? '') || 60;
const NOW = args.includes('--now') ? (args[args.indexOf('--now') + 1] as string) : '2026-12-01T12:00:00Z';

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const OUT_DIGITS: Record<string, number> = { ef: 2, avAreaCm2: 2 };

const summary: string[] = [];
function section(c: RecordCase, bundle: unknown): string {
  const lines: string[] = [`### ${c.name}`, '', `*${c.why}*`, ''];
  const expected = c.expect.kind === 'archetype' ? `top archetype ${c.expect.top.join(' or ')}` : c.expect.kind === 'refused' ? 'refused' : 'no calibration';
  lines.push(`- **Expected:** ${expected} (${c.expect.why})`);
  const clinical = clinicalInputsOf(bundle);
  const cap = assessTwinCapability(clinical.record, { now: NOW });
  const vitals = ingestFhirVitals(bundle);
  const problems = clinical.record.conditions.filter((c) => c.active && c.category !== 'social' && c.category !== 'other').map((c) => `${c.text} (${c.category})`);
  lines.push(`- **Diagnoses read:** ${problems.join('; ') || 'none with a cardiac or modelled category'}`);
  const meds = clinical.medications.filter((m) => m.current);
  lines.push(`- **Current medications:** ${meds.map((m) => `${m.text} → ${m.drug ?? 'not modelled'}`).join('; ') || 'none'}`);
  lines.push(`- **Twin:** ${cap.canForecast ? 'live forecast possible' : cap.canCalibrate ? 'calibration only, no forecast' : cap.notes.some((n) => n.effect === 'refuse') ? '**refused**' : '**no calibration**'}${cap.ageYears !== undefined ? `; age ${cap.ageYears} y` : ''}`);
  for (const n of cap.notes) lines.push(`  - ${n.effect}: ${n.message}`);
  if (!cap.canCalibrate) {
    const got = cap.notes.some((n) => n.effect === 'refuse') ? 'refused' : 'no-calibration';
    lines.push(`- **Got:** ${got} ${got === c.expect.kind ? '✓' : '✗ (not as expected)'}`);
    summary.push(`| ${c.name} | ${expected} | ${got} | ${got === c.expect.kind ? '✓' : '✗'} |`);
    return `${lines.join('\n')}\n`;
  }
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
    const top = ranked[0]?.label ?? '';
    const ok = c.expect.kind === 'archetype' && c.expect.top.includes(top);
    const decided = (ranked[0]?.posteriorWeight ?? 0) >= 0.6;
    summary.push(`| ${c.name} | ${expected} | ${ranked.slice(0, 3).map((a) => `${a.label} ${f(a.posteriorWeight, 2)}`).join(', ')}${decided ? '' : ' (undecided)'} | ${ok ? '✓' : '✗'} |`);
    lines.push(`- **Got:** ${top} ${ok ? '✓' : '✗ (not as expected)'}${decided ? '' : ` — undecided (top posterior ${f(ranked[0]?.posteriorWeight ?? 0, 2)} < 0.60): ${r.inputs.used.some((u) => u.kind === 'lvefFraction') ? 'the data fit more than one archetype' : 'an echo LVEF would decide'}`}`);
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
];
const body: string[] = ['## Synthea sample records', ''];
for (const c of SYNTHEA_CASES) body.push(section(c, JSON.parse(readFileSync(join(synthea, c.synthea!), 'utf8'))));
body.push('## Generated edge cases', '');
for (const c of EDGE_CASES) body.push(section(c, c.bundle));
parts.push('## Summary: expected against got', '', 'Posterior archetype weights (top three); "undecided" when the top one is below 0.60. Checked by `workers/physiology/calibration/record-cases.test.ts`.', '', '| record | expected | got (posterior) | |', '|---|---|---|---|', ...summary, '', ...body);
writeFileSync(join(root, 'docs', 'real-records.md'), parts.join('\n'));
process.stderr.write(`wrote docs/real-records.md (${SYNTHEA_CASES.length + EDGE_CASES.length} records)\n`);
