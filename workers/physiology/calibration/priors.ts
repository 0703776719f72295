// The parameters calibration estimates, and the population prior each starts from.
//
// PHYSIOLOGY.md "Calibration and uncertainty": identifiable from routine data are HR (directly),
// systemic resistance (MAP/CO), arterial compliance (SV/pulse pressure), LV active elastance (ESV);
// LV passive elastance and stressed volume are informed only by EDV and filling pressures, so
// without CVP/PCWP their posterior stays close to the prior — shown, not hidden. The aortic valve
// area is identifiable when an echo reports area, gradient or velocity; otherwise only a weak
// lower bound comes from the absence of a high gradient in the BP/SV data.
//
// The prior is a mixture with one component per archetype (healthy, HFrEF, severe AS), each
// centred on the engine's preset resolved for this patient's sex, age and size; prior SDs of ln θ
// are population spreads within an archetype (assumptions, wide: 0.2–0.7). A healthy-only prior
// was tried first and biased HFrEF patients (dilated LV: EA and V0 pulled to healthy values;
// twin-experiment coverage 69 % in that subgroup), see README.

import type { ModelParameters, ParameterName } from '../../../core/domain/physiology';
import { PARAMETER_SPECS } from '../parameters';
import type { ParameterPrior } from './fit';

export interface CalibratedParameter {
  name: ParameterName;
  /** Prior SD of ln θ (the same in every archetype component). */
  sdLog: number;
  rationale: string;
}

export const CALIBRATED_PARAMETERS: readonly CalibratedParameter[] = [
  {
    name: 'heartRateBpm',
    sdLog: 0.2,
    rationale: 'observed directly; prior 90 % range ≈ ×0.72–1.39 of the median',
  },
  {
    name: 'sysArtResistanceMmHgSPerMl',
    sdLog: 0.35,
    rationale: 'from MAP/CO; prior spans vasodilated to hypertensive',
  },
  {
    name: 'sysArtComplianceMlPerMmHg',
    sdLog: 0.4,
    rationale: 'from SV/pulse pressure; stiffens with age',
  },
  {
    name: 'lvEaMmHgPerMl',
    sdLog: 0.5,
    rationale: 'contractility, from ESV and EF; prior spans HFrEF to hyperdynamic',
  },
  {
    name: 'lvEbMmHgPerMl',
    sdLog: 0.5,
    rationale: 'diastolic stiffness, from EDV and filling pressure; weakly identifiable without CVP/PCWP',
  },
  {
    name: 'lvV0Ml',
    sdLog: 0.7,
    rationale:
      'LV unstressed volume (remodelling/dilatation); confounded with EA on a single beat (ESPVR slope vs intercept), so fitted jointly rather than fixed at a healthy value, which biased EA low in dilated hearts',
  },
  {
    name: 'stressedVolumeFraction',
    sdLog: 0.25,
    rationale: 'preload reserve, from EDV and filling pressure; weakly identifiable without CVP/PCWP',
  },
  {
    name: 'aorticValveEoaCm2',
    sdLog: 0.6,
    rationale: 'from echo area, gradient or velocity; prior 90 % range ×0.37–2.7 of the archetype value',
  },
];

export function buildPriors(base: ModelParameters, calibrated: readonly CalibratedParameter[] = CALIBRATED_PARAMETERS): ParameterPrior[] {
  return calibrated.map((c) => {
    const spec = PARAMETER_SPECS[c.name];
    const median = Math.min(spec.max, Math.max(spec.min, base[c.name]));
    return {
      name: c.name,
      meanLog: Math.log(median),
      sdLog: c.sdLog,
      lowerLog: Math.log(spec.min),
      upperLog: Math.log(spec.max),
    };
  });
}
