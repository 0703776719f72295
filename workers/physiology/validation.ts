// The validation table: every target of PHYSIOLOGY.md (healthy ranges, aortic stenosis grades,
// PARTNER TAVR results, HFrEF archetype) and the qualitative direction of every intervention,
// with its source and the engine's result. validation.test.ts asserts every row passes;
// scripts/gen-validation.ts writes docs/validation.md from the same rows.
import { type EngineMetrics, type Intervention, type PresetName } from '../../core/domain/physiology';
import { runMultiScale } from './longHorizon';
import { resolveParameters } from './presets';
import { Simulator, settle, simulateSteadyState } from './simulator';

export interface ValidationRow {
  group: string;
  quantity: string;
  target: string;
  source: string;
  value: number;
  unit: string;
  pass: boolean;
}

const HEALTHY_SOURCE = 'PHYSIOLOGY.md healthy adult at rest: Pulse SystemValidationData, BioGears CardiovascularValidation (Guyton; Leeuwen 2015; Brandfonbrener 1955; Hudsmith 2005)';
const AS_SOURCE = 'ACC/AHA aortic stenosis grading (PHYSIOLOGY.md)';

/** Short number for target strings (no binary-float tails such as 5.1000000000000005). */
function fmt(n: number): string {
  return String(Number(n.toPrecision(6)));
}
function range(group: string, quantity: string, value: number, lo: number, hi: number, unit: string, source: string): ValidationRow {
  return { group, quantity, target: `${fmt(lo)} to ${fmt(hi)} ${unit}`.trim(), source, value, unit, pass: value >= lo && value <= hi };
}
function above(group: string, quantity: string, value: number, lo: number, unit: string, source: string): ValidationRow {
  return { group, quantity, target: `> ${fmt(lo)} ${unit}`.trim(), source, value, unit, pass: value > lo };
}
function below(group: string, quantity: string, value: number, hi: number, unit: string, source: string): ValidationRow {
  return { group, quantity, target: `< ${fmt(hi)} ${unit}`.trim(), source, value, unit, pass: value < hi };
}
/** A signed change: `direction` −1 must fall by more than `minAbs`, +1 must rise by more than `minAbs`. */
function change(group: string, quantity: string, delta: number, direction: 1 | -1, minAbs: number, unit: string, source: string): ValidationRow {
  const word = direction < 0 ? 'falls' : 'rises';
  return { group, quantity: `Δ ${quantity}`, target: `${word} (by > ${fmt(minAbs)}${unit ? ` ${unit}` : ''})`, source, value: delta, unit, pass: direction * delta > minAbs };
}

function intervene(preset: PresetName, interventions: Intervention[], durationSec: number): { before: EngineMetrics; after: EngineMetrics; bloodVolumeChangeMl: number } {
  const r = runMultiScale(resolveParameters({ preset }), interventions, durationSec, 75);
  const first = r.trajectory[0]!;
  const last = r.trajectory.at(-1)!;
  return { before: first, after: r.metrics, bloodVolumeChangeMl: last.bloodVolumeMl - first.bloodVolumeMl };
}

export function runValidation(): ValidationRow[] {
  const rows: ValidationRow[] = [];

  // Healthy adult at rest.
  const healthy = simulateSteadyState(resolveParameters({ preset: 'healthy' }));
  const h = healthy.metrics;
  const g = 'Healthy adult at rest';
  rows.push(
    range(g, 'HR', h.hrBpm, 60, 100, 'bpm', HEALTHY_SOURCE),
    range(g, 'SBP', h.sbpMmHg, 100, 140, 'mmHg', HEALTHY_SOURCE),
    range(g, 'DBP', h.dbpMmHg, 60, 90, 'mmHg', HEALTHY_SOURCE),
    range(g, 'MAP', h.mapMmHg, 70, 105, 'mmHg', HEALTHY_SOURCE),
    range(g, 'CO', h.coLPerMin, 4, 7, 'L/min', HEALTHY_SOURCE),
    range(g, 'SV', h.svMl, 55, 93, 'mL', HEALTHY_SOURCE),
    range(g, 'EF', h.ef, 0.55, 0.7, '', HEALTHY_SOURCE),
    range(g, 'LVEDV', h.lvedvMl, 110, 190, 'mL', HEALTHY_SOURCE),
    range(g, 'LVESV', h.lvesvMl, 34, 66, 'mL', HEALTHY_SOURCE),
    range(g, 'CVP', h.cvpMmHg, 2, 6, 'mmHg', HEALTHY_SOURCE),
    range(g, 'PCWP (mean LA)', h.pcwpMmHg, 4, 12, 'mmHg', HEALTHY_SOURCE),
    range(g, 'PA systolic', h.paSysMmHg, 15, 30, 'mmHg', HEALTHY_SOURCE),
    range(g, 'PA diastolic', h.paDiaMmHg, 4, 12, 'mmHg', HEALTHY_SOURCE),
    range(g, 'PA mean', h.paMeanMmHg, 9, 18, 'mmHg', HEALTHY_SOURCE),
    range(g, 'LV end-diastolic pressure', healthy.diagnostics.lvedpMmHg, 4, 12, 'mmHg', HEALTHY_SOURCE),
    below(g, 'Aortic peak velocity (normal valve)', h.avPeakVelocityMPerS, 1.5, 'm/s', AS_SOURCE),
    below(g, 'Aortic mean gradient (normal valve)', h.avMeanGradientMmHg, 5, 'mmHg', AS_SOURCE),
  );

  // Severe aortic stenosis and TAVR.
  const sev = simulateSteadyState(resolveParameters({ preset: 'severe-as' })).metrics;
  rows.push(
    above('Severe AS (EOA 0.7 cm²)', 'Aortic peak velocity', sev.avPeakVelocityMPerS, 4, 'm/s', AS_SOURCE),
    above('Severe AS (EOA 0.7 cm²)', 'Aortic mean gradient', sev.avMeanGradientMmHg, 40, 'mmHg', AS_SOURCE),
  );
  const tavrA = intervene('severe-as', [{ type: 'tavr', atSec: 60, eoaCm2: 1.7 }], 600).after;
  rows.push(
    range('TAVR to EOA 1.7 cm²', 'Aortic mean gradient', tavrA.avMeanGradientMmHg, 9.9 - 4.8, 9.9 + 4.8, 'mmHg', 'PARTNER cohort A, 30 days: EOA 1.7 ± 0.5 cm², mean gradient 9.9 ± 4.8 mmHg'),
    below('TAVR to EOA 1.7 cm²', 'Aortic peak velocity (no longer severe)', tavrA.avPeakVelocityMPerS, 3, 'm/s', AS_SOURCE),
  );
  const tavrB = simulateSteadyState(resolveParameters({ preset: 'severe-as', parameters: { aorticValveEoaCm2: 1.5 } })).metrics;
  rows.push(range('TAVR to EOA 1.5 cm²', 'Aortic mean gradient', tavrB.avMeanGradientMmHg, 11.1 - 6.6, 11.1 + 6.6, 'mmHg', 'PARTNER cohort B, 30 days: EOA 1.5 ± 0.4 cm², mean gradient 11.1 ± 6.6 mmHg'));

  // HFrEF archetype.
  const hfSteady = simulateSteadyState(resolveParameters({ preset: 'hfref' }));
  const hf = hfSteady.metrics;
  const hfSrc = 'Chatterjee 2007 (EF ≈ 0.30); Gheorghiade 2009 (HR ≈ 89 bpm)';
  rows.push(
    range('HFrEF', 'EF', hf.ef, 0.25, 0.35, '', hfSrc),
    range('HFrEF', 'HR', hf.hrBpm, 84, 94, 'bpm', hfSrc),
    above('HFrEF', 'PCWP (raised filling pressure)', hf.pcwpMmHg, 12, 'mmHg', `${hfSrc}; healthy upper limit 12 mmHg`),
    above('HFrEF', 'LV end-diastolic pressure (raised)', hfSteady.diagnostics.lvedpMmHg, 12, 'mmHg', `${hfSrc}; healthy upper limit 12 mmHg`),
  );

  // Interventions: qualitative directions.
  const beta = intervene('healthy', [{ type: 'drug', atSec: 0, drug: 'metoprolol', doseMg: 0.3 * 75, route: 'iv' }], 600);
  const vb = 'van Baak 1985: metoprolol 0.30 mg/kg IV lowers HR, resting SBP unchanged acutely';
  rows.push(
    change('Metoprolol 0.30 mg/kg IV, 10 min (healthy)', 'HR', beta.after.hrBpm - beta.before.hrBpm, -1, 3, 'bpm', vb),
    range('Metoprolol 0.30 mg/kg IV, 10 min (healthy)', 'Δ SBP (unchanged acutely)', beta.after.sbpMmHg - beta.before.sbpMmHg, -5, 5, 'mmHg', vb),
  );
  const snp = intervene('hfref', [{ type: 'drug', atSec: 0, drug: 'nitroprusside', rateMcgPerKgPerMin: 2 }], 1800);
  const vd = 'PHYSIOLOGY.md: vasodilator lowers MAP and filling pressure (Friederich & Butterworth 1995)';
  rows.push(
    change('Nitroprusside 2 µg/kg/min, 30 min (HFrEF)', 'MAP', snp.after.mapMmHg - snp.before.mapMmHg, -1, 2, 'mmHg', vd),
    change('Nitroprusside 2 µg/kg/min, 30 min (HFrEF)', 'PCWP', snp.after.pcwpMmHg - snp.before.pcwpMmHg, -1, 0.5, 'mmHg', vd),
  );
  const fluid = intervene('healthy', [{ type: 'fluid', atSec: 0, volumeMl: 500, overSec: 900 }], 1800);
  rows.push(change('Fluid 500 mL over 15 min (healthy, preload-responsive)', 'CO', fluid.after.coLPerMin - fluid.before.coLPerMin, 1, 0.2, 'L/min', 'PHYSIOLOGY.md: fluid raises CO in a preload-responsive patient'));
  const bleed = intervene('healthy', [{ type: 'hemorrhage', atSec: 0, volumeMl: 1000, overSec: 600 }], 900);
  const hs = 'PHYSIOLOGY.md / issue 6: hemorrhage triggers a baroreflex tachycardia (ATLS class II: 15–30% loss, HR > 100)';
  rows.push(
    change('Hemorrhage 1000 mL over 10 min (healthy)', 'HR', bleed.after.hrBpm - bleed.before.hrBpm, 1, 10, 'bpm', hs),
    change('Hemorrhage 1000 mL over 10 min (healthy)', 'MAP', bleed.after.mapMmHg - bleed.before.mapMmHg, -1, 0, 'mmHg', hs),
  );
  const dobu = intervene('hfref', [{ type: 'drug', atSec: 0, drug: 'dobutamine', rateMcgPerKgPerMin: 10 }], 1800);
  const ds = 'PHYSIOLOGY.md: inotrope raises EA; Leier 1978: CO rises with dobutamine in heart failure';
  rows.push(
    change('Dobutamine 10 µg/kg/min, 30 min (HFrEF)', 'EF', dobu.after.ef - dobu.before.ef, 1, 0.02, '', ds),
    change('Dobutamine 10 µg/kg/min, 30 min (HFrEF)', 'CO', dobu.after.coLPerMin - dobu.before.coLPerMin, 1, 0.2, 'L/min', ds),
  );
  const furo = intervene('hfref', [{ type: 'drug', atSec: 0, drug: 'furosemide', doseMg: 40, route: 'iv' }], 6 * 3600);
  const fs = 'PHYSIOLOGY.md: diuretic lowers blood volume over hours (Ponto & Schoenwald 1990; Brater 1998)';
  rows.push(
    change('Furosemide 40 mg IV, 6 h (HFrEF)', 'blood volume', furo.bloodVolumeChangeMl, -1, 100, 'mL', fs),
    change('Furosemide 40 mg IV, 6 h (HFrEF)', 'PCWP', furo.after.pcwpMmHg - furo.before.pcwpMmHg, -1, 1, 'mmHg', fs),
  );
  const pace = intervene('healthy', [{ type: 'pacing', atSec: 0, hrBpm: 90 }], 600);
  rows.push(range('Pacing at 90 bpm (healthy)', 'HR', pace.after.hrBpm, 89.9, 90.1, 'bpm', 'PHYSIOLOGY.md: pacing fixes HR'));

  // Volume conservation: 20 beats with the ODE reflex active and no sources.
  const sim = new Simulator(resolveParameters({ preset: 'healthy' }));
  settle(sim);
  sim.ctx.reflexFrozen = false;
  const v0 = sim.totalBloodVolumeMl();
  let maxDrift = 0;
  for (let b = 0; b < 20; b++) {
    sim.runBeat(false);
    maxDrift = Math.max(maxDrift, Math.abs(sim.totalBloodVolumeMl() - v0));
  }
  rows.push(below('Conservation', 'Total blood volume drift over 20 beats, no sources', maxDrift, 1e-6, 'mL', 'closed circulation: Σ dV/dt = 0 exactly; RK4 preserves linear invariants'));
  return rows;
}
