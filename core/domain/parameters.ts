// The named parameter table: every model parameter with its unit, healthy default, plausible
// bounds and source. Calibration works on log(value) inside [min, max] for `logScale` entries, so
// every such bound is strictly positive. Defaults are the tuned healthy adult (README, "Tuning").
import { PARAMETER_NAMES, type ModelParameters, type ParameterName } from './physiology';

export interface ParameterSpec {
  name: ParameterName;
  unit: string;
  defaultValue: number;
  min: number;
  max: number;
  /** True when the parameter is positive and best varied multiplicatively (calibration, ensembles). */
  logScale: boolean;
  source: string;
  description: string;
}

const REG = 'Regazzoni et al. 2022 (arXiv 2011.15040), Table';
const RETUNE = 'ComputationalPhysiology/circulation re-tuned healthy set (2025)';
const TUNED = 'tuned here to land in every healthy range (workers/physiology/README.md, Tuning)';

function p(
  name: ParameterName,
  unit: string,
  defaultValue: number,
  min: number,
  max: number,
  source: string,
  description: string,
  logScale = true,
): ParameterSpec {
  return { name, unit, defaultValue, min, max, logScale, source, description };
}

export const PARAMETER_TABLE: readonly ParameterSpec[] = [
  p('heartRateBpm', 'bpm', 70, 30, 200, `${TUNED}; Regazzoni runs at 75`, 'Heart rate when the baroreflex is at its set point (intrinsic rate)'),
  p('avDelaySec', 's', 0.16, 0.05, 0.35, 'typical PR interval 0.12–0.20 s', 'Atrial onset before ventricular onset'),
  p('lvEaMmHgPerMl', 'mmHg/mL', 3.8, 0.3, 12, `${RETUNE} 4.482, lowered (${TUNED})`, 'LV active elastance amplitude (contractility)'),
  p('lvEbMmHgPerMl', 'mmHg/mL', 0.003, 0.001, 0.2, 'with lvEdpvrBetaPerMl: LVEDP 9.5 mmHg at LVEDV 125 mL (Klotz 2006 operating point, see lvEdpvrBetaPerMl)', 'LV passive stiffness at V0 (exponential EDPVR)'),
  p('lvV0Ml', 'mL', 20, 1, 200, `${RETUNE} 42, lowered (${TUNED})`, 'LV unstressed volume'),
  p('rvEaMmHgPerMl', 'mmHg/mL', 0.45, 0.05, 3, `${REG} 0.55; ${RETUNE} 0.20; ${TUNED}`, 'RV active elastance amplitude'),
  p('rvEbMmHgPerMl', 'mmHg/mL', 0.0016, 0.0005, 0.2, 'with rvEdpvrBetaPerMl: RVEDP ≈ 3.8 mmHg at RVEDV 130 mL (assumption)', 'RV passive stiffness at V0 (exponential EDPVR)'),
  p('rvV0Ml', 'mL', 16, 1, 200, RETUNE, 'RV unstressed volume'),
  p('laEaMmHgPerMl', 'mmHg/mL', 0.07, 0.01, 1, REG, 'LA active elastance amplitude'),
  p('laEbMmHgPerMl', 'mmHg/mL', 0.09, 0.01, 1, REG, 'LA passive elastance'),
  p('laV0Ml', 'mL', 4, 0.5, 60, REG, 'LA unstressed volume'),
  p('raEaMmHgPerMl', 'mmHg/mL', 0.06, 0.01, 1, REG, 'RA active elastance amplitude'),
  p('raEbMmHgPerMl', 'mmHg/mL', 0.07, 0.01, 1, REG, 'RA passive elastance'),
  p('raV0Ml', 'mL', 4, 0.5, 60, REG, 'RA unstressed volume'),
  p('ventricularContractionSec', 's', 0.34, 0.1, 0.6, `${REG} (TC at 75 bpm; scaled with √period)`, 'Ventricular contraction time'),
  p('ventricularRelaxationSec', 's', 0.17, 0.05, 0.4, `${REG} (TR at 75 bpm)`, 'Ventricular relaxation time'),
  p('atrialContractionSec', 's', 0.17, 0.05, 0.4, REG, 'Atrial contraction time'),
  p('atrialRelaxationSec', 's', 0.17, 0.05, 0.4, REG, 'Atrial relaxation time'),
  p('sysArtResistanceMmHgSPerMl', 'mmHg·s/mL', 1.0, 0.3, 4, `${REG} 0.8, raised (${TUNED})`, 'Systemic arterial (peripheral) resistance'),
  p('sysArtComplianceMlPerMmHg', 'mL/mmHg', 2.0, 0.3, 5, `${REG} 1.2; 2.0 with aortic-root pressure reported, so that a 45-year-old's pulse pressure is ≈ 50 mmHg (total arterial compliance 1.5–2.5 mL/mmHg, Westerhof 2009) (${TUNED})`, 'Systemic arterial compliance'),
  p('sysArtInertanceMmHgS2PerMl', 'mmHg·s²/mL', 5e-3, 1e-4, 5e-2, REG, 'Systemic arterial inertance'),
  p('sysVenResistanceMmHgSPerMl', 'mmHg·s/mL', 0.05, 0.005, 1, `${REG} 0.26, lowered (${TUNED})`, 'Systemic venous resistance'),
  p('sysVenComplianceMlPerMmHg', 'mL/mmHg', 150, 5, 300, `${REG} 60, ${RETUNE} 11.36; raised to 150 so that total vascular compliance is ≈ 2.5 mL/mmHg/kg and a 500 mL fluid or 1 L bleed gives realistic responses (${TUNED})`, 'Systemic venous compliance'),
  p('pulArtResistanceMmHgSPerMl', 'mmHg·s/mL', 0.08, 0.01, 1, `${RETUNE} 0.046, raised (${TUNED})`, 'Pulmonary arterial resistance'),
  p('pulArtComplianceMlPerMmHg', 'mL/mmHg', 4, 0.5, 40, `${RETUNE} 20, lowered (${TUNED})`, 'Pulmonary arterial compliance'),
  p('pulArtInertanceMmHgS2PerMl', 'mmHg·s²/mL', 5e-4, 1e-5, 5e-3, REG, 'Pulmonary arterial inertance'),
  p('pulVenResistanceMmHgSPerMl', 'mmHg·s/mL', 0.0015, 1e-4, 0.2, RETUNE, 'Pulmonary venous resistance'),
  p('pulVenComplianceMlPerMmHg', 'mL/mmHg', 16, 2, 60, REG, 'Pulmonary venous compliance'),
  p('valveOpenResistanceMmHgSPerMl', 'mmHg·s/mL', 0.0075, 1e-3, 0.1, REG, 'Open-valve resistance (mitral, tricuspid, pulmonary; aortic adds its orifice loss)'),
  p('valveClosedResistanceMmHgSPerMl', 'mmHg·s/mL', 75006.2, 1e3, 1e6, REG, 'Closed-valve resistance (smooth diodes)'),
  p('aorticValveEoaCm2', 'cm²', 3.5, 0.2, 5, 'ACC/AHA grading: normal valve area 3–4 cm²', 'Aortic valve effective orifice area'),
  p('aorticCharacteristicImpedanceMmHgSPerMl', 'mmHg·s/mL', 0.06, 0.01, 0.3, 'Westerhof et al., "The arterial Windkessel", Med Biol Eng Comput 2009: Zc ≈ 5–10% of peripheral resistance', 'Proximal aortic characteristic impedance, in series with the aortic valve'),
  p('aorticJetInertanceFraction', '1', 1, 0.05, 2, 'Garcia et al. J Biomech 2005 jet inertance 2πρ/√EOA = fraction 1', 'Multiplier on the aortic valve jet inertance'),
  p('mitralRegurgitantOrificeSlopeCm2PerMl', 'cm²/mL', 0, 0, 0.02, 'functional (secondary) mitral regurgitation: the effective regurgitant orifice grows with LV size through annular dilatation and papillary-muscle tethering (Yiu SF, Enriquez-Sarano M, Tribouilloy C, Seward JB, Tajik AJ. Determinants of the degree of functional mitral regurgitation in patients with systolic left ventricular dysfunction. Circulation 2000;102:1400–6); 0 = competent valve', 'Growth of the functional mitral regurgitant orifice (EROA) per mL of LV volume above the tethering volume', false),
  p('mitralTetheringVolumeMl', 'mL', 150, 20, 600, 'assumption: the LV volume above which the mitral leaflets are tethered short of coaptation (above a normal LVEDV of ≈ 120–150 mL); scaled with body size', 'LV volume at which functional mitral regurgitation begins'),
  p('pericardialP0MmHg', 'mmHg', 0, 0, 5, 'Smith BW, Chase JG, Nokes RI, Shaw GM, Wake G. Minimal haemodynamic system model including ventricular interaction and valve dynamics. Med Eng Phys 2004;26:131–9: P0,pcd 0.5003 mmHg. Default 0 (no pericardial constraint): the presets and drug sizes were fitted without it, and switched on (0.5) with the presets re-fitted it did not bring the nitroprusside rows nearer (workers/physiology/README.md, "Pericardium"); a scenario or calibration may set it', 'Pericardial pressure scale: P_pcd = P0·(e^{λ(V_LV + V_RV − V0)} − 1); 0 = no pericardial constraint', false),
  p('pericardialStiffnessPerMl', '1/mL', 0.03, 0.005, 0.1, 'Smith et al. 2004: λ_pcd 0.03 mL⁻¹', 'Pericardial stiffness constant λ (scaled with 1/body size)'),
  p('pericardialV0Ml', 'mL', 200, 50, 800, 'Smith et al. 2004: V0,pcd 200 mL (both ventricles); P_pcd ≈ 2–3 mmHg at a normal end-diastole (Tyberg JV et al. Circulation 1986;73:428–32: pericardial pressure small at normal volumes)', 'Pericardial volume at zero pressure (scaled with body size)'),
  p('bloodVolumeMl', 'mL', 5000, 1500, 9000, 'Nadler 1962 for 175 cm / 75 kg male ≈ 5.0 L', 'Total blood volume'),
  p('stressedVolumeFraction', '1', 0.42, 0.1, 0.6, `PHYSIOLOGY.md "about 30%"; ${TUNED}`, 'Fraction of blood volume above the unstressed volume at rest'),
  p('baroSetPointMmHg', 'mmHg', 93, 60, 130, 'Ottesen 2004 set-point form; value ' + TUNED, 'MAP at which the sympathetic drive is half-maximal'),
  p('baroGain', '1', 1, 0, 2, 'assumption: 1 = full reflex, 0 = open loop', 'Scales every baroreflex effector excursion', false),
  p('baroSteepness', '1', 8, 1, 20, 'Ottesen 2004 form η = 1/(1 + (P/Pset)^ν); value ' + TUNED, 'Steepness ν of the sympathetic drive around the set point'),
  p('baroHrMinBpm', 'bpm', 40, 20, 100, 'Zenker 2007 effector range 40–180 bpm', 'Heart rate at zero sympathetic drive'),
  p('baroHrMaxBpm', 'bpm', 110, 90, 220, 'Zenker 2007 range 40–180 bpm; lowered to 110 so that the reflex tachycardia of volunteer blood loss has its published size (375 mL: +3 bpm, Leonetti 2004; ≈ 0.8–1 L: +8 bpm, Johnson 2015) — assumption: at rest, supine, vagal withdrawal and moderate sympathetic drive', 'Heart rate at full sympathetic drive'),
  p('baroResistanceMinFraction', '1', 0.4, 0.1, 1, 'Zenker 2007 TPR 0.53–2.13 around 1.33 mmHg·s/mL → 0.40–1.60', 'Systemic resistance multiplier at zero drive'),
  p('baroResistanceMaxFraction', '1', 2.0, 1, 3, 'Zenker 2007 TPR range 1.6×, widened to 2.0× (assumption: moderate blood loss is compensated mainly by vasoconstriction, not tachycardia)', 'Systemic resistance multiplier at full drive'),
  p('baroElastanceMinFraction', '1', 0.7, 0.3, 1, 'assumption: symmetric ±30–50% inotropic range (Pulse gains not directly transferable)', 'LV/RV EA multiplier at zero drive'),
  p('baroElastanceMaxFraction', '1', 1.5, 1, 3, 'assumption (see min)', 'LV/RV EA multiplier at full drive'),
  p('baroVenousUnstressedRangeMl', 'mL', 3000, 0, 4000, 'Zenker 2007 gives 2700–3100 mL (400 mL); widened to 3000 mL (assumption: splanchnic and cutaneous capacitance mobilisation, so that 375 mL and ≈ 1 L volunteer blood losses move SV, HR and MAP by their published sizes; see docs/validation.md)', 'Total swing of systemic venous unstressed volume across the drive range', false),
  p('baroTauHrSec', 's', 20, 1, 120, 'Pulse (after Ottesen 2004) 20 s', 'Heart-rate effector time constant'),
  p('baroTauElastanceSec', 's', 20, 1, 120, 'Pulse (after Ottesen 2004) 20 s', 'Elastance effector time constant'),
  p('baroTauResistanceSec', 's', 30, 1, 180, 'Pulse (after Ottesen 2004) 30 s', 'Resistance effector time constant'),
  p('baroTauVenousSec', 's', 60, 1, 300, 'Pulse (after Ottesen 2004) 60 s', 'Venous unstressed-volume effector time constant'),
  p('cpSetPointMmHg', 'mmHg', 4.3, 0, 25, 'assumption: the resting CVP of the reference healthy man, so that the low-pressure reflex rests at its neutral point (as the arterial set point does)', 'CVP at which the cardiopulmonary (low-pressure) reflex drive is half-maximal', false),
  p('cpWidthMmHg', 'mmHg', 2, 0.5, 10, 'assumption: a near-linear response over CVP 0–8 mmHg, as forearm and splanchnic vasoconstriction follow small falls of right-atrial pressure (Johnson JM, Rowell LB, Niederberger M, Eisman MM. Human splanchnic and forearm vasoconstrictor responses to reductions of right atrial and aortic pressures. Circ Res 1974;34:515–24)', 'Width of the cardiopulmonary reflex sigmoid (its slope at the set point is 1/(4·width) per mmHg)', false),
  p('cpGain', '1', 0.04, -1, 1, 'low-pressure reflex of 0D models (Heldt T, Shim EB, Kamm RD, Mark RG. J Appl Physiol 2002;92:1239–54: arteriolar resistance and venous tone driven by right-atrial pressure); strength fitted so that 3 L of saline over 3 h leaves HR and MAP unchanged (Kumar A et al. Intensive Care Med 2004;30:1361–9) and checked against the 375 mL and 1 L blood-removal rows (assumption; docs/validation.md); 0.2 in rounds 3–5; 0.04 in round 6, when the stiffer RV made CVP swing more with volume (1 L: −2.3 vs −1.7 mmHg), so that a smaller gain gives the same vascular effect (joint refit, scripts/fit-physiology.ts; workers/physiology/README.md)', 'Cardiopulmonary reflex strength as a fraction of the sympathetic effector range (negative: excitatory, as in heart failure)', false),
  p('cpCardiacFraction', '1', 0, 0, 1, 'healthy: 0 — unloading the low-pressure receptors (low-level LBNP) vasoconstricts without changing HR (Johnson 1974; Heldt 2002 has no cardiac arm); heart failure: see the hfref preset', 'Share of the cardiopulmonary reflex acting on heart rate and contractility (0 = vascular only)', false),
  p('cpVascularFraction', '1', 1, 0, 1, 'Heldt 2002: the low-pressure reflex acts on arteriolar resistance and venous tone', 'Share of the cardiopulmonary reflex acting on systemic resistance and venous capacity (of the baroreflex effector ranges)', false),
  p('lvEdpvrBetaPerMl', '1/mL', 0.048, 0.005, 0.1, 'Klotz S, Hay I, Dickstein ML et al. Single-beat estimation of end-diastolic pressure-volume relationship: a novel method with potential for noninvasive application. Am J Physiol Heart Circ Physiol 2006;291:H403–12: the normalised human EDPVR EDP = 27.78·EDVn^2.76 with V0 = EDV·(0.6 − 0.006·EDP) gives a chamber stiffness dP/dV = 2.76·EDP/(EDV − V0) ≈ 0.46 mmHg/mL at EDP 9.5 mmHg / EDV 125 mL; β set so that the exponential (Eb + β·EDP) has that stiffness there (0.03 mL⁻¹ in rounds 1–5, Zile 2004 controls, gave 0.29 mmHg/mL, a 1.6× too compliant ventricle at the operating point); scaled with 1/body size', 'LV end-diastolic stiffness constant β of the exponential EDPVR (chamber stiffness dP/dV = Eb + β·P)'),
  p('rvEdpvrBetaPerMl', '1/mL', 0.04, 0.005, 0.1, 'assumption: 0.02 mL⁻¹ in rounds 1–5 made the RV 12.8 mL/mmHg compliant at its operating point (0.078 mmHg/mL at RVEDP 3.5 mmHg), so CVP hardly moved with volume; 0.04 doubles its operating-point stiffness (≈ 0.15 mmHg/mL at RVEDP 3.8, 6.5 mL/mmHg). No human RV EDPVR of controls was at hand to source it; scaled with 1/body size', 'RV end-diastolic stiffness constant β of the exponential EDPVR (chamber stiffness dP/dV = Eb + β·P)'),
];

export const PARAMETER_SPECS: Readonly<Record<ParameterName, ParameterSpec>> = Object.fromEntries(
  PARAMETER_TABLE.map((s) => [s.name, s]),
) as Record<ParameterName, ParameterSpec>;

// Guard against the table and the domain name list drifting apart (checked once at load).
if (PARAMETER_TABLE.length !== PARAMETER_NAMES.length || PARAMETER_NAMES.some((n) => !(n in PARAMETER_SPECS))) {
  throw new Error('physiology: PARAMETER_TABLE and PARAMETER_NAMES disagree');
}

export function defaultParameters(): ModelParameters {
  return Object.fromEntries(PARAMETER_TABLE.map((s) => [s.name, s.defaultValue])) as ModelParameters;
}

export function isParameterName(name: string): name is ParameterName {
  return Object.prototype.hasOwnProperty.call(PARAMETER_SPECS, name);
}

/** Parameters as a log-transformed vector (calibration): only `logScale` entries, in table order. */
export const LOG_PARAMETER_NAMES: readonly ParameterName[] = PARAMETER_TABLE.filter((s) => s.logScale).map((s) => s.name);

export function toLogVector(params: ModelParameters, names: readonly ParameterName[] = LOG_PARAMETER_NAMES): Float64Array {
  const out = new Float64Array(names.length);
  names.forEach((n, i) => {
    out[i] = Math.log(params[n]);
  });
  return out;
}

/** Inverse of toLogVector; values are clamped into each parameter's [min, max]. */
export function fromLogVector(
  base: ModelParameters,
  logValues: ArrayLike<number>,
  names: readonly ParameterName[] = LOG_PARAMETER_NAMES,
): ModelParameters {
  const out = { ...base };
  names.forEach((n, i) => {
    const spec = PARAMETER_SPECS[n];
    const v = Math.exp(logValues[i] ?? Math.log(base[n]));
    out[n] = Math.min(spec.max, Math.max(spec.min, v));
  });
  return out;
}
