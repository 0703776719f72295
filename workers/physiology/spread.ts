// Ensemble members for `twin simulate` when a scenario asks for `ensemble: N`: parameter sets
// drawn log-normally around the resolved set with the documented spreads below, from a seeded
// generator so that member i is the same on any thread, in any order (its stream is seeded by
// (seed, i)). This is prior uncertainty for what-if runs; a calibrated posterior ensemble comes
// from the calibration helper instead (workers/physiology/calibration).
import { METRIC_KEYS, type EngineMetrics, type EnsembleSummary, type ModelParameters, type ParameterName, type Percentiles } from '../../core/domain/physiology';
import { PARAMETER_SPECS } from './parameters';
import { mulberry32, standardNormal } from '../../core/domain/random';

/**
 * Coefficient of variation per varied parameter (assumption: typical between-patient spread of
 * fitted lumped-model parameters in heart-failure cohorts, cf. Jones et al. 2021, narrowed to what
 * a preset plus patient traits leaves unknown).
 */
export const ENSEMBLE_SPREAD: Readonly<Partial<Record<ParameterName, number>>> = {
  heartRateBpm: 0.08,
  lvEaMmHgPerMl: 0.12,
  lvEbMmHgPerMl: 0.15,
  rvEaMmHgPerMl: 0.12,
  sysArtResistanceMmHgSPerMl: 0.1,
  sysArtComplianceMlPerMmHg: 0.15,
  sysVenComplianceMlPerMmHg: 0.15,
  pulArtResistanceMmHgSPerMl: 0.15,
  stressedVolumeFraction: 0.08,
  bloodVolumeMl: 0.07,
  aorticValveEoaCm2: 0.1,
};

/** Parameters of ensemble member `index` (0-based) for a given seed. */
export function memberParameters(base: ModelParameters, seed: number, index: number): ModelParameters {
  const rand = mulberry32((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const out = { ...base };
  for (const [name, cv] of Object.entries(ENSEMBLE_SPREAD) as [ParameterName, number][]) {
    const spec = PARAMETER_SPECS[name];
    const sigma = Math.sqrt(Math.log(1 + cv * cv));
    // Median-preserving log-normal draw, clamped to the plausible range.
    const v = base[name] * Math.exp(sigma * standardNormal(rand));
    out[name] = Math.min(spec.max, Math.max(spec.min, v));
  }
  return out;
}

/** Linear-interpolated percentile of sorted values (q in 0–1). */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function summarise(members: readonly EngineMetrics[]): EnsembleSummary {
  const out = {} as EnsembleSummary;
  const values = new Float64Array(members.length);
  for (const k of METRIC_KEYS) {
    members.forEach((m, i) => {
      values[i] = m[k];
    });
    values.sort();
    const p: Percentiles = {
      p05: percentileSorted(values, 0.05),
      p25: percentileSorted(values, 0.25),
      p50: percentileSorted(values, 0.5),
      p75: percentileSorted(values, 0.75),
      p95: percentileSorted(values, 0.95),
    };
    out[k] = p;
  }
  return out;
}
