// Twin experiments: the honest check of calibration. A synthetic patient with known parameters is
// simulated by the same engine, its "record" is the simulated metrics plus realistic measurement
// noise (NOISE_MODELS), the twin is calibrated to that record exactly as to a real one (healthy
// prior, no knowledge of the archetype), and we ask how often the 90 % band covers the truth.
//
// Truths are the engine's archetypes (healthy, hfref, severe-as) resolved for the patient's sex,
// age and body size, then individualised by a log-normal spread of the calibrated parameters.
// By default that spread is the prior's own SD (truths are draws from the prior component of their
// archetype, the textbook simulation-based check: if the posterior is right, 90 % bands cover 90 %).
// A narrower spread (`individualSdScale` < 1) makes truths more typical than the prior assumes,
// and coverage of weakly identified parameters then rises above 90 % (conservative bands).

import type { PatientTraits, PresetName } from '../../../core/domain/physiology';
import { PARAMETER_SPECS } from '../../../core/domain/parameters';
import { resolveParameters } from '../presets';
import { simulateSteadyState } from '../simulator';
import { calibrateTwin } from './calibrate';
import { archetypesFor } from './from-record';
import { NOISE_MODELS, noiseSd, type OutputKey } from '../../../core/vitals/observation-model';
import { CALIBRATED_PARAMETERS } from './priors';
import { Rng } from './random';
import { type CalibrationObservation } from '../../../core/vitals/twin';

export interface SyntheticPatient {
  id: string;
  archetype: PresetName;
  traits: PatientTraits;
  ageBand: '30–49' | '50–69' | '70–90';
  size: 'small' | 'medium' | 'large';
}

/** The observation kinds of a complete cardiology record (echo with valve Doppler, vitals). */
export const RECORD_OUTPUTS: readonly OutputKey[] = [
  'hrBpm',
  'sbpMmHg',
  'dbpMmHg',
  'ef',
  'lvedvMl',
  'lvesvMl',
  'avAreaCm2',
  'avMeanGradientMmHg',
  'avPeakVelocityMPerS',
];

/** Outputs never observed in routine records, whose prediction we also check. */
export const HIDDEN_OUTPUTS: readonly OutputKey[] = ['coLPerMin', 'cvpMmHg', 'pcwpMmHg', 'mapMmHg'];

const SIZES = {
  small: { F: [155, 52], M: [163, 60] },
  medium: { F: [165, 68], M: [177, 80] },
  large: { F: [175, 95], M: [190, 110] },
} as const;

function ageBand(age: number): SyntheticPatient['ageBand'] {
  return age < 50 ? '30–49' : age < 70 ? '50–69' : '70–90';
}

/** A balanced cohort: archetypes × sexes, ages 30–90 and three body sizes spread across them. */
export function syntheticCohort(count: number, seed = 1): SyntheticPatient[] {
  const rng = new Rng(seed);
  const archetypes: PresetName[] = ['healthy', 'hfref', 'severe-as'];
  const sizes = ['small', 'medium', 'large'] as const;
  const out: SyntheticPatient[] = [];
  for (let i = 0; i < count; i++) {
    const archetype = archetypes[i % 3]!;
    const sex = Math.floor(i / 3) % 2 === 0 ? 'F' : 'M';
    // Sizes rotate against archetype and sex so that 12 patients already include every size.
    const size = sizes[(Math.floor(i / 6) + i) % 3]!;
    // Ages stratified over 30–90 so every band appears in every archetype.
    const ageYears = Math.round(30 + ((i * 37) % 61) * (60 / 60) + rng.uniform() * 0.9);
    const [heightCm, weightKg] = SIZES[size][sex];
    out.push({
      id: `twin-${String(i + 1).padStart(3, '0')}`,
      archetype,
      traits: { sex, ageYears: Math.min(90, ageYears), heightCm, weightKg },
      ageBand: ageBand(Math.min(90, ageYears)),
      size,
    });
  }
  return out;
}

export interface ParameterOutcome {
  name: string;
  truth: number;
  map: number;
  p05: number;
  p95: number;
  covered: boolean;
  /** (MAP − truth) / truth. */
  relError: number;
  /** ln(p95/p05): band width in log units. */
  bandLog: number;
  identifiability: string;
}

export interface OutputOutcome {
  key: OutputKey;
  truth: number;
  p05: number;
  p95: number;
  covered: boolean;
}

export interface ExperimentOutcome {
  patient: SyntheticPatient;
  observed: OutputKey[];
  missing: OutputKey[];
  parameters: ParameterOutcome[];
  hidden: OutputOutcome[];
  /** Truth draws rejected as not runnable (see runTwinExperiment). */
  truthRedraws: number;
  modelRuns: number;
  elapsedMs: number;
}

export interface ExperimentOptions {
  seed?: number;
  /** Fraction of RECORD_OUTPUTS dropped at random (0.4 = the "40 % missing" check). */
  missingFraction?: number;
  ensembleSize?: number;
  /** Individual spread around the archetype as a multiple of each parameter's prior SD (default 1). */
  individualSdScale?: number;
}

export function runTwinExperiment(patient: SyntheticPatient, options: ExperimentOptions = {}): ExperimentOutcome {
  const rng = new Rng((options.seed ?? 1) * 7919 + Number.parseInt(patient.id.replace(/\D/g, ''), 10));
  const scale = options.individualSdScale ?? 1;
  const truthBase = resolveParameters({ preset: patient.archetype, patient: patient.traits });
  const truth = { ...truthBase, baroGain: 0, cpGain: 0 };
  // Redraw truths the engine cannot run (outside bounds, or no valid steady state): such a
  // "patient" could not be calibrated by any method and says nothing about coverage.
  let sim: ReturnType<typeof simulateSteadyState>['metrics'] | undefined;
  let redraws = 0;
  for (; sim === undefined; redraws++) {
    if (redraws > 50) throw new Error(`twin experiment ${patient.id}: no runnable truth after 50 draws`);
    let inBounds = true;
    for (const c of CALIBRATED_PARAMETERS) {
      const spec = PARAMETER_SPECS[c.name];
      const v = truthBase[c.name] * Math.exp(scale * c.sdLog * rng.normal());
      if (v < spec.min || v > spec.max) inBounds = false;
      truth[c.name] = v;
    }
    if (!inBounds) continue;
    const m = simulateSteadyState(truth);
    const ok = m.diagnostics.periodicityResidualMmHg < 0.5 && m.metrics.ef > 0.05 && m.metrics.ef < 0.9 && m.metrics.mapMmHg > 40 && m.metrics.mapMmHg < 180;
    if (ok) sim = m.metrics;
  }
  const trueOutputs: Record<OutputKey, number> = { ...sim, avAreaCm2: truth.aorticValveEoaCm2 };

  const nDrop = Math.round((options.missingFraction ?? 0) * RECORD_OUTPUTS.length);
  const order = RECORD_OUTPUTS.map((k) => ({ k, u: rng.uniform() })).sort((a, b) => a.u - b.u);
  const missing = order.slice(0, nDrop).map((x) => x.k);
  const observed = RECORD_OUTPUTS.filter((k) => !missing.includes(k));
  const observations: CalibrationObservation[] = observed.map((k) => {
    const v = trueOutputs[k];
    const sd = noiseSd(k, v);
    // Noise is drawn with the SD at the true value; the fit recomputes it at the noisy value, as a
    // real calibration must. Measured values stay physical (EF in (0,1), positive volumes).
    let noisy = v + sd * rng.normal();
    if (k === 'ef') noisy = Math.min(0.9, Math.max(0.05, noisy));
    else noisy = Math.max(NOISE_MODELS[k].absSd * 0.1 + 1e-3, noisy);
    return { key: k, value: noisy };
  });

  const base = resolveParameters({ preset: 'healthy', patient: patient.traits });
  const r = calibrateTwin({ base, archetypes: archetypesFor(patient.traits), observations, fit: { seed: options.seed ?? 1, ensembleSize: options.ensembleSize ?? 100 } });
  const parameters = r.parameters.map((p) => {
    const t = truth[p.name];
    return {
      name: p.name,
      truth: t,
      map: p.posterior.map,
      p05: p.posterior.p05,
      p95: p.posterior.p95,
      covered: t >= p.posterior.p05 && t <= p.posterior.p95,
      relError: (p.posterior.map - t) / t,
      bandLog: Math.log(p.posterior.p95 / p.posterior.p05),
      identifiability: p.identifiability,
    };
  });
  const hidden = HIDDEN_OUTPUTS.filter((k) => !observed.includes(k)).map((k) => {
    const band = r.outputs[k]!;
    const t = trueOutputs[k];
    return { key: k, truth: t, p05: band.p05, p95: band.p95, covered: t >= band.p05 && t <= band.p95 };
  });
  return { patient, observed, missing, parameters, hidden, truthRedraws: redraws - 1, modelRuns: r.diagnostics.modelRuns, elapsedMs: r.diagnostics.elapsedMs };
}

export interface CoverageRow {
  group: string;
  patients: number;
  checks: number;
  covered: number;
  coverage: number;
}

/** Coverage of the 90 % band over all calibrated parameters, per subgroup. */
export function coverageBySubgroup(outcomes: readonly ExperimentOutcome[]): CoverageRow[] {
  const groups = new Map<string, ExperimentOutcome[]>();
  const add = (g: string, o: ExperimentOutcome) => groups.set(g, [...(groups.get(g) ?? []), o]);
  for (const o of outcomes) {
    add('all', o);
    add(`archetype ${o.patient.archetype}`, o);
    add(`sex ${o.patient.traits.sex}`, o);
    add(`age ${o.patient.ageBand}`, o);
    add(`size ${o.patient.size}`, o);
  }
  return [...groups.entries()].map(([group, list]) => {
    let checks = 0;
    let covered = 0;
    for (const o of list) {
      for (const p of o.parameters) {
        checks++;
        if (p.covered) covered++;
      }
    }
    return { group, patients: list.length, checks, covered, coverage: covered / checks };
  });
}

/** Coverage per calibrated parameter and per hidden output. */
export function coverageByQuantity(outcomes: readonly ExperimentOutcome[]): CoverageRow[] {
  const rows = new Map<string, { n: number; c: number }>();
  const bump = (k: string, ok: boolean) => {
    const r = rows.get(k) ?? { n: 0, c: 0 };
    r.n++;
    if (ok) r.c++;
    rows.set(k, r);
  };
  for (const o of outcomes) {
    for (const p of o.parameters) bump(p.name, p.covered);
    for (const h of o.hidden) bump(`${h.key} (not observed)`, h.covered);
  }
  return [...rows.entries()].map(([group, r]) => ({ group, patients: r.n, checks: r.n, covered: r.c, coverage: r.c / r.n }));
}
