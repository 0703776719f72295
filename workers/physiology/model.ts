// The closed-loop 0D circulation: four time-varying-elastance chambers (Regazzoni et al. 2022),
// systemic and pulmonary arterial R–C–L and venous R–C beds, smooth-diode mitral, tricuspid and
// pulmonary valves, an aortic valve set by its effective orifice area (Bernoulli loss + Garcia
// inertance), and a baroreflex with four first-order effectors (Ottesen 2004 / Pulse form).
//
// `rhs` writes dy/dt into a caller-owned Float64Array and allocates nothing: it is the hot loop of
// every ensemble member. Time inside `rhs` is the time since the start of the current beat; the
// beat's period and activation timings are fixed at the beat's start (`beginBeat`), as a real
// sinus node fixes the RR interval, so a fixed-step integrator that lands on beat boundaries never
// steps across a change of period.
import { type ModelParameters } from '../../core/domain/physiology';

/** Named state indices. Volumes in mL, flows in mL/s, baroreflex drives dimensionless 0–1. */
export const IDX = {
  laVolumeMl: 0,
  lvVolumeMl: 1,
  raVolumeMl: 2,
  rvVolumeMl: 3,
  sysArtVolumeMl: 4,
  sysVenVolumeMl: 5,
  pulArtVolumeMl: 6,
  pulVenVolumeMl: 7,
  aorticValveFlowMlPerS: 8,
  sysArtFlowMlPerS: 9,
  pulArtFlowMlPerS: 10,
  baroHrDrive: 11,
  baroElastanceDrive: 12,
  baroResistanceDrive: 13,
  baroVenousDrive: 14,
  /** Cardiopulmonary (low-pressure) reflex drive, 0–1: 0.5 at its set point, rising as CVP falls. */
  cpDrive: 15,
} as const;
export const STATE_SIZE = 16;
/** The eight blood-holding compartments; their sum is the total blood volume. */
export const VOLUME_INDICES: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7];

/** Blood density (kg/m³) for the orifice equations. */
export const BLOOD_DENSITY_KG_PER_M3 = 1060;
const PA_PER_MMHG = 133.322;
/**
 * Bernoulli loss ΔP = ρQ|Q|/(2·EOA²) with Q in mL/s and EOA in cm²:
 * (ρ/2)·(Q·1e-6 / (EOA·1e-4))² Pa = (ρ/2)·1e-4·Q²/EOA² Pa. For blood this is 3.975·v² mmHg with
 * v in m/s — the clinical simplified Bernoulli "4v²".
 */
export function bernoulliCoefficient(eoaCm2: number): number {
  return ((BLOOD_DENSITY_KG_PER_M3 / 2) * 1e-4) / (eoaCm2 * eoaCm2) / PA_PER_MMHG;
}
/**
 * Inertance of the valve jet, L = 2πρ/√EOA (Garcia D, Pibarot P, Durand LG. Analytical modeling of
 * the instantaneous pressure gradient across the aortic valve. J Biomech 2005), converted from
 * Pa·s²/m³ to mmHg·s²/mL.
 */
export function aorticInertanceMmHgS2PerMl(eoaCm2: number): number {
  return ((2 * Math.PI * BLOOD_DENSITY_KG_PER_M3) / Math.sqrt(eoaCm2 * 1e-4)) * 1e-6 / PA_PER_MMHG;
}

/** Half-width of the smooth diode's transition (mmHg). */
const DIODE_HALF_WIDTH_MMHG = 0.5;
const INV_DIODE_HALF_WIDTH = 1 / DIODE_HALF_WIDTH_MMHG;
/** Rate (1/s) at which a closed aortic valve's overshoot flow returns to zero; RK4-stable up to 13 ms steps. */
const CLOSED_VALVE_RELAXATION_PER_S = 200;
/**
 * Exponential end-diastolic pressure–volume relation of the ventricles,
 * P = (Eb/β)·(e^{β(V−V0)} − 1): Eb is the passive stiffness at V0 and β the stiffness constant
 * (`lvEdpvrBetaPerMl`, `rvEdpvrBetaPerMl`; values and sources in core/domain/parameters.ts). The
 * chamber stiffness at a filling pressure P is dP/dV = Eb + β·P, so β sets how much end-diastolic
 * volume a change in filling pressure costs — the slope of the Starling curve at the operating point.
 */
/**
 * Pericardial constraint (Smith BW, Chase JG, Nokes RI, Shaw GM, Wake G. Minimal haemodynamic
 * system model including ventricular interaction and valve dynamics. Med Eng Phys 2004;26:131–9):
 * the pericardium encloses both ventricles; its pressure P_pcd = P0·(e^{λ(V_LV + V_RV − V0)} − 1)
 * adds to both ventricles' free-wall pressures, so each ventricle's measured (intracavitary)
 * diastolic pressure is its transmural pressure plus a term that rises steeply with the volume of
 * BOTH ventricles — direct ventricular interaction through the shared pericardium. At normal
 * volumes P_pcd is 1–3 mmHg at end-diastole; in a dilated, volume-loaded heart it approaches the
 * right-atrial pressure (Tyberg JV et al. Circulation 1986;73:428–32; Dauterman K et al. Ann
 * Intern Med 1995;122:737–42), and lowering right-heart volume (a venodilator) lowers the LV's
 * measured filling pressure while its transmural pressure and end-diastolic volume are kept
 * (Atherton JJ et al. Lancet 1997;349:1720–4).
 */
export function pericardialPressureMmHg(ventricularVolumeMl: number, c: ModelContext): number {
  if (c.pcdP0 === 0) return 0;
  const x = c.pcdLambda * (ventricularVolumeMl - c.pcdV0);
  const e = x < EDPVR_MAX_EXPONENT ? Math.exp(x) : EXP_MAX * (1 + x - EDPVR_MAX_EXPONENT);
  return c.pcdP0 * (e - 1);
}

/** Above this β·(V−V0) the exponential continues linearly (no overflow for absurd volumes). */
const EDPVR_MAX_EXPONENT = 8;
const EXP_MAX = Math.exp(EDPVR_MAX_EXPONENT);

/** Passive ventricular pressure (mmHg) at volume excess dv (mL). */
export function passivePressureMmHg(dvMl: number, ebMmHgPerMl: number, betaPerMl: number): number {
  const x = betaPerMl * dvMl;
  const e = x < EDPVR_MAX_EXPONENT ? Math.exp(x) : EXP_MAX * (1 + x - EDPVR_MAX_EXPONENT);
  return (ebMmHgPerMl / betaPerMl) * (e - 1);
}

/**
 * Rate-dependent PR prolongation under atrial pacing: +1.5 ms per bpm above 70 bpm, so a 160 ms PR
 * at rest becomes ≈ 0.24 s at 121 bpm and ≈ 0.28 s at 148 bpm. Assumption after the decremental
 * AV-nodal conduction of incremental atrial pacing (AH interval lengthens progressively with
 * rate until Wenckebach, typically at cycle lengths of 350–500 ms in adults: Josephson ME.
 * Clinical Cardiac Electrophysiology, ch. 2); checked against the paced cardiac output of Ross J
 * Jr, Linhart JW, Braunwald E. Circulation 1965;32:549–58 (docs/validation.md).
 */
const AV_NODE_DECREMENT_SEC_PER_BPM = 0.0015;
const AV_NODE_DECREMENT_FROM_BPM = 70;

/** Reference period at which the Regazzoni activation times are given (75 bpm). */
const REFERENCE_PERIOD_SEC = 0.8;
/**
 * Ventricular relaxation time ∝ period^RELAXATION_PERIOD_EXPONENT (contraction ∝ period^0.5).
 * Assumption: relaxation shortens less with heart rate than contraction does, so that at high
 * paced rates relaxation eats into the filling period and is not complete when the next beat
 * starts (incomplete relaxation: raised diastolic pressure, less filling). The exponent was chosen
 * with Ross 1965's paced cardiac output at 121 and 148 bpm (docs/validation.md) and leaves
 * rates below ≈ 100 bpm essentially unchanged.
 */
const RELAXATION_PERIOD_EXPONENT = 0.1;

/**
 * Time constant (s) of the cardiopulmonary reflex's effect on vascular tone: assumption, that of
 * the arterial baroreflex's resistance arm (Pulse / Ottesen 2004: 30 s).
 */
export const CP_TAU_SEC = 30;

/**
 * Mutable numeric context of one simulation: parameters unpacked into fields for the hot loop,
 * the current beat's timing, and slow inputs set by interventions between beats. One per
 * ensemble member; never shared between concurrent runs.
 */
export class ModelContext {
  // Units: elastances Ea/Eb mmHg/mL; V0 mL; R mmHg·s/mL (G = 1/R, mL/(s·mmHg)); InvC mmHg/mL;
  // InvL mL/(mmHg·s²); times s; rates bpm. Field names stay short because this is the hot loop's
  // view of ModelParameters, whose names carry the units.
  // chambers
  lvEa = 0; lvEb = 0; lvV0 = 0; lvBeta = 0.03;
  rvEa = 0; rvEb = 0; rvV0 = 0; rvBeta = 0.02;
  laEa = 0; laEb = 0; laV0 = 0;
  raEa = 0; raEb = 0; raV0 = 0;
  // beds
  sysArtR = 0; sysArtInvC = 0; sysArtInvL = 0; sysArtV0 = 0;
  sysVenG = 0; sysVenInvC = 0; sysVenV0 = 0;
  pulArtR = 0; pulArtInvC = 0; pulArtInvL = 0; pulArtV0 = 0;
  pulVenG = 0; pulVenInvC = 0; pulVenV0 = 0;
  // valves
  valveGOpen = 0; valveGClosed = 0;
  /** Functional MR: EROA (cm²) = mrSlope × max(0, V_LV − mrTetherMl); 0 = competent mitral valve. */
  mrSlope = 0; mrTetherMl = 0;
  /** Pericardium: P_pcd = pcdP0·(e^{pcdLambda·(V_LV + V_RV − pcdV0)} − 1), mmHg, 1/mL, mL. */
  pcdP0 = 0; pcdLambda = 0.03; pcdV0 = 0;
  aorticEoaCm2 = 0; aorticBernoulli = 0; aorticInertance = 0; aorticInvInertance = 0; aorticROpen = 0; aorticInertanceFraction = 1;
  // baroreflex
  baroSetPoint = 0; baroGain = 0; baroSteepness = 7;
  hrMin = 0; hrMax = 0; rMinF = 0; rMaxF = 0; eMinF = 0; eMaxF = 0; vuRangeMl = 0;
  invTauHr = 0; invTauE = 0; invTauR = 0; invTauVu = 0;
  // cardiopulmonary (low-pressure) reflex
  cpSetPoint = 0; cpInvWidth = 1; cpGain = 0; cpCardiac = 0; cpVascular = 1; invTauCp = 1 / CP_TAU_SEC;
  /** When true the effector drives are held (dx/dt = 0): the steady-state solver sets them itself. */
  reflexFrozen = false;
  // intrinsic timing parameters
  hr0Bpm = 0; avDelayParamSec = 0;
  ventTcParam = 0; ventTrParam = 0; atrTcParam = 0; atrTrParam = 0;
  // current beat (set by beginBeat)
  periodSec = 0.8; ventTcSec = 0; ventTrSec = 0; atrTcSec = 0; atrTrSec = 0; avDelaySec = 0; atrialOnsetSec = 0;
  /**
   * Incomplete relaxation: the part of the previous beat's ventricular relaxation that runs past
   * its end, as (time offset into that beat at this beat's start, its Tc, its Tr); tail 0 = none.
   */
  prevVentOffsetSec = 0; prevVentTcSec = 0; prevVentTrSec = 0; prevVentTailSec = 0;
  // slow inputs from interventions (neutral values)
  volumeSourceMlPerS = 0;
  hrMultiplier = 1;
  elastanceMultiplier = 1;
  resistanceMultiplier = 1;
  venousUnstressedDeltaMl = 0;
  /** Fraction (0–1) of the reflex's sympathetic HR and inotropic excursions blocked by β1 blockade. */
  reflexBetaBlockade = 0;
  /** Proximal aortic characteristic impedance (mmHg·s/mL): aortic-root pressure = Windkessel pressure + Zc·Q. */
  aorticZc = 0;
  /** Fixed heart rate when paced (0 = sinus rhythm under the baroreflex). */
  pacedHrBpm = 0;
  pacedAvDelaySec = 0;

  constructor(params: ModelParameters) {
    this.setParameters(params);
  }

  setParameters(p: ModelParameters): void {
    this.lvEa = p.lvEaMmHgPerMl; this.lvEb = p.lvEbMmHgPerMl; this.lvV0 = p.lvV0Ml; this.lvBeta = p.lvEdpvrBetaPerMl;
    this.rvEa = p.rvEaMmHgPerMl; this.rvEb = p.rvEbMmHgPerMl; this.rvV0 = p.rvV0Ml; this.rvBeta = p.rvEdpvrBetaPerMl;
    this.laEa = p.laEaMmHgPerMl; this.laEb = p.laEbMmHgPerMl; this.laV0 = p.laV0Ml;
    this.raEa = p.raEaMmHgPerMl; this.raEb = p.raEbMmHgPerMl; this.raV0 = p.raV0Ml;
    this.sysArtR = p.sysArtResistanceMmHgSPerMl; this.sysArtInvC = 1 / p.sysArtComplianceMlPerMmHg; this.sysArtInvL = 1 / p.sysArtInertanceMmHgS2PerMl;
    this.sysVenG = 1 / p.sysVenResistanceMmHgSPerMl; this.sysVenInvC = 1 / p.sysVenComplianceMlPerMmHg;
    this.pulArtR = p.pulArtResistanceMmHgSPerMl; this.pulArtInvC = 1 / p.pulArtComplianceMlPerMmHg; this.pulArtInvL = 1 / p.pulArtInertanceMmHgS2PerMl;
    this.pulVenG = 1 / p.pulVenResistanceMmHgSPerMl; this.pulVenInvC = 1 / p.pulVenComplianceMlPerMmHg;
    this.valveGOpen = 1 / p.valveOpenResistanceMmHgSPerMl; this.valveGClosed = 1 / p.valveClosedResistanceMmHgSPerMl;
    this.mrSlope = p.mitralRegurgitantOrificeSlopeCm2PerMl; this.mrTetherMl = p.mitralTetheringVolumeMl;
    this.pcdP0 = p.pericardialP0MmHg; this.pcdLambda = p.pericardialStiffnessPerMl; this.pcdV0 = p.pericardialV0Ml;
    this.aorticROpen = p.valveOpenResistanceMmHgSPerMl + p.aorticCharacteristicImpedanceMmHgSPerMl;
    this.aorticZc = p.aorticCharacteristicImpedanceMmHgSPerMl;
    this.aorticInertanceFraction = p.aorticJetInertanceFraction;
    this.setAorticEoa(p.aorticValveEoaCm2);
    const u = unstressedVolumesMl(p);
    this.sysArtV0 = u.sysArtMl; this.sysVenV0 = u.sysVenMl; this.pulArtV0 = u.pulArtMl; this.pulVenV0 = u.pulVenMl;
    this.baroSetPoint = p.baroSetPointMmHg; this.baroGain = p.baroGain; this.baroSteepness = p.baroSteepness;
    this.hrMin = p.baroHrMinBpm; this.hrMax = p.baroHrMaxBpm;
    this.rMinF = p.baroResistanceMinFraction; this.rMaxF = p.baroResistanceMaxFraction;
    this.eMinF = p.baroElastanceMinFraction; this.eMaxF = p.baroElastanceMaxFraction;
    this.vuRangeMl = p.baroVenousUnstressedRangeMl;
    this.invTauHr = 1 / p.baroTauHrSec; this.invTauE = 1 / p.baroTauElastanceSec;
    this.invTauR = 1 / p.baroTauResistanceSec; this.invTauVu = 1 / p.baroTauVenousSec;
    this.cpSetPoint = p.cpSetPointMmHg; this.cpInvWidth = 1 / p.cpWidthMmHg; this.cpGain = p.cpGain; this.cpCardiac = p.cpCardiacFraction; this.cpVascular = p.cpVascularFraction;
    this.hr0Bpm = p.heartRateBpm; this.avDelayParamSec = p.avDelaySec;
    this.ventTcParam = p.ventricularContractionSec; this.ventTrParam = p.ventricularRelaxationSec;
    this.atrTcParam = p.atrialContractionSec; this.atrTrParam = p.atrialRelaxationSec;
    this.updateStableStep();
  }

  /** TAVR and stenosis: the aortic valve is fully described by its EOA. */
  setAorticEoa(eoaCm2: number): void {
    this.aorticEoaCm2 = eoaCm2;
    this.aorticBernoulli = bernoulliCoefficient(eoaCm2);
    this.aorticInertance = this.aorticInertanceFraction * aorticInertanceMmHgS2PerMl(eoaCm2);
    this.aorticInvInertance = 1 / this.aorticInertance;
    this.updateStableStep();
  }

  /**
   * Longest RK4 step that stays stable for these parameters (s): 2.6/λ for the fastest mode, λ
   * estimated per element — R/L of the inertial branches, conductance × elastance of the
   * resistive links and open valves, √(E/L) of the LC pairs — with the largest multipliers drugs
   * and the reflex can apply. Defaults give ≈ 6 ms, above the accuracy cap; stiff parameter sets
   * (small R or L, as a calibration may try) get smaller steps instead of blowing up.
   */
  stableStepSec = Infinity;
  private updateStableStep(): void {
    if (this.sysArtInvL === 0) return; // called from setAorticEoa before the beds are set
    const eBoost = Math.max(1, this.eMaxF) * 2.5; // reflex maximum × inotrope (dobutamine Emax +150%)
    // Passive slope of the exponential EDPVR, dP/dV = Eb + β·P, at the highest diastolic pressures
    // the model is used at (40 mmHg LV, 25 mmHg RV).
    // The pericardium adds its own slope λ·(P_pcd + P0), at a pericardial pressure of 25 mmHg.
    const pcdSlope = this.pcdLambda * (25 + this.pcdP0);
    const ebLv = this.lvEb + this.lvBeta * 40 + pcdSlope;
    const ebRv = this.rvEb + this.rvBeta * 25 + pcdSlope;
    const elv = this.lvEa * eBoost + ebLv;
    const erv = this.rvEa * eBoost + ebRv;
    const ela = this.laEa + this.laEb;
    const era = this.raEa + this.raEb;
    const lambdas = [
      // The reflex's largest resistance multiplier at this gain (drugs only lower resistance).
      this.sysArtR * (1 + Math.max(0, this.rMaxF - 1) * Math.min(1, this.baroGain + 0.5 * Math.abs(this.cpGain))) * this.sysArtInvL,
      this.pulArtR * this.pulArtInvL,
      this.pulVenG * (ela + this.pulVenInvC),
      this.sysVenG * (era + this.sysVenInvC),
      this.valveGOpen * (ela + ebLv),
      this.valveGOpen * (era + ebRv),
      this.valveGOpen * (erv + this.pulArtInvC),
      // aortic branch: linear loss plus the Bernoulli slope at a brisk 500 mL/s
      (this.aorticROpen + 2 * this.aorticBernoulli * 500) * this.aorticInvInertance,
      Math.sqrt((elv + this.sysArtInvC) * this.aorticInvInertance),
      Math.sqrt(this.sysArtInvC * this.sysArtInvL),
      Math.sqrt(this.pulArtInvC * this.pulArtInvL),
      CLOSED_VALVE_RELAXATION_PER_S,
    ];
    // RK4 is stable for hλ in [−2.785, 0] on the real axis and |hλ| ≤ 2.83 on the imaginary one;
    // 2.6/λ keeps a 7% margin on both (150 random parameter sets settle: integrator.test.ts).
    this.stableStepSec = 2.6 / Math.max(...lambdas);
  }
}

export interface UnstressedVolumes { sysArtMl: number; sysVenMl: number; pulArtMl: number; pulVenMl: number }
/**
 * Unstressed volume of the vessels: what is left of (1 − stressed fraction) of the blood volume
 * after the chambers' V0, split 15/70/5/10 % between systemic arteries, systemic veins, pulmonary
 * arteries and pulmonary veins (assumption after the usual 15/65/10/10 distribution of blood
 * volume; only the total affects pressures).
 */
export function unstressedVolumesMl(p: ModelParameters): UnstressedVolumes {
  const chambersV0 = p.lvV0Ml + p.rvV0Ml + p.laV0Ml + p.raV0Ml;
  const vessels = Math.max(0, (1 - p.stressedVolumeFraction) * p.bloodVolumeMl - chambersV0);
  return { sysArtMl: 0.15 * vessels, sysVenMl: 0.7 * vessels, pulArtMl: 0.05 * vessels, pulVenMl: 0.1 * vessels };
}

/**
 * Piecewise-linear effector of the combined sympathetic input x (0.5 = rest): 1 at 0.5, `lo` at 0
 * and `hi` at 1. x = 0.5 + baroGain·(arterial drive − 0.5) + the cardiopulmonary term.
 * `upScale` scales the sympathetic (rising) arm only: 1 − β1 blockade for the heart's effectors.
 */
function effector(xIn: number, lo: number, hi: number, upScale: number): number {
  let x = xIn;
  if (x < 0) x = 0;
  else if (x > 1) x = 1;
  return x >= 0.5 ? 1 + upScale * (hi - 1) * (x - 0.5) * 2 : 1 - (1 - lo) * (0.5 - x) * 2;
}

/** Sympathetic drive from arterial pressure, η = 1/(1 + (P/Pset)^ν) (Ottesen 2004). */
export function sympatheticDrive(pressureMmHg: number, setPointMmHg: number, steepness: number): number {
  if (pressureMmHg <= 0) return 1;
  const r = pressureMmHg / setPointMmHg;
  // rᵛ by repeated multiplication for a whole ν (the default 8; called at every RK stage), else
  // exp(ν·ln r): V8's Math.pow with a non-constant exponent is several times slower than either.
  if (Number.isInteger(steepness) && steepness <= 16) {
    let rn = 1;
    for (let k = 0; k < steepness; k++) rn *= r;
    return 1 / (1 + rn);
  }
  return 1 / (1 + Math.exp(steepness * Math.log(r)));
}

/**
 * Cardiopulmonary (low-pressure) receptor drive from right-atrial pressure (its beat mean is the
 * CVP): 0.5 at the set point, rising toward 1 as filling pressure falls (unloaded receptors release
 * sympathetic outflow) and toward 0 as it rises. An algebraic sigmoid
 * η = ½·(1 − u/(1 + |u|)), u = (P − Pset)/(2w), whose slope at the set point, 1/(4w) per mmHg,
 * equals a logistic's of width w; it needs no exp in the hot loop. It acts on pressure, not on a
 * pressure ratio, because CVP is near zero. Form after the low-pressure reflexes of 0D models
 * (Heldt T et al. J Appl Physiol 2002;92:1239–54; the Pulse engine's cardiopulmonary receptors).
 */
export function cardiopulmonaryDrive(cvpMmHg: number, setPointMmHg: number, invWidthPerMmHg: number): number {
  const u = 0.5 * (cvpMmHg - setPointMmHg) * invWidthPerMmHg;
  return 0.5 * (1 - u / (1 + (u < 0 ? -u : u)));
}

/** The cardiopulmonary reflex's signed contribution to the effectors' sympathetic input. */
function cpTerm(c: ModelContext, y: Float64Array): number {
  return c.cpGain * ((y[IDX.cpDrive] ?? 0.5) - 0.5);
}

/** Heart rate the sinus node would fire at for the current drive and drug inputs. */
export function currentHeartRateBpm(c: ModelContext, y: Float64Array): number {
  if (c.pacedHrBpm > 0) return c.pacedHrBpm;
  const base = c.hr0Bpm * c.hrMultiplier;
  let x = 0.5 + c.baroGain * ((y[IDX.baroHrDrive] ?? 0.5) - 0.5) + c.cpCardiac * cpTerm(c, y);
  if (x < 0) x = 0;
  else if (x > 1) x = 1;
  // β1 blockade blunts the sympathetic (rising) arm of the reflex tachycardia.
  const up = 1 - c.reflexBetaBlockade;
  const hr = x >= 0.5 ? base + up * (Math.max(c.hrMax, base) - base) * (x - 0.5) * 2 : base - (base - Math.min(c.hrMin, base)) * (0.5 - x) * 2;
  return Math.min(220, Math.max(20, hr));
}

/**
 * Fix the period and activation timings of the beat that starts now. Contraction and relaxation
 * times scale with √period (Bazett-like), and are shrunk if they would not fit in the beat.
 */
export function beginBeat(c: ModelContext, y: Float64Array): void {
  const hr = currentHeartRateBpm(c, y);
  const period = 60 / hr;
  // The previous beat's relaxation may not have finished (incomplete relaxation at high rates):
  // carry its tail into this beat.
  const prevEnd = c.ventTcSec + c.ventTrSec;
  if (c.ventTcSec > 0 && prevEnd > c.periodSec) {
    c.prevVentOffsetSec = c.periodSec;
    c.prevVentTcSec = c.ventTcSec;
    c.prevVentTrSec = c.ventTrSec;
    c.prevVentTailSec = prevEnd - c.periodSec;
  } else {
    c.prevVentTailSec = 0;
  }
  const scale = Math.sqrt(period / REFERENCE_PERIOD_SEC);
  // Contraction shortens with √period (Bazett-like), relaxation less (RELAXATION_PERIOD_EXPONENT):
  // at high rates it eats into the filling period and, past ≈ 150 bpm, is not complete when the
  // next beat starts (incomplete relaxation raises diastolic pressure and limits filling).
  let vTc = c.ventTcParam * scale;
  const vTr = c.ventTrParam * Math.pow(period / REFERENCE_PERIOD_SEC, RELAXATION_PERIOD_EXPONENT);
  // Contraction must end within the beat.
  const vFit = (0.92 * period) / vTc;
  if (vFit < 1) vTc *= vFit;
  let aTc = c.atrTcParam * scale;
  let aTr = c.atrTrParam * scale;
  const aFit = (0.92 * period) / (aTc + aTr);
  if (aFit < 1) { aTc *= aFit; aTr *= aFit; }
  let avSec = c.avDelayParamSec;
  if (c.pacedHrBpm > 0) {
    // A programmed AV delay (dual-chamber pacing) is used as given. Atrial pacing with native AV
    // conduction prolongs the PR interval with rate (decremental AV-nodal conduction), so at
    // high paced rates atrial systole moves into the previous ventricular systole and relaxation
    // and its contribution to filling is lost — why cardiac output falls at ≈ 150 bpm paced.
    avSec = c.pacedAvDelaySec > 0 ? c.pacedAvDelaySec : c.avDelayParamSec + AV_NODE_DECREMENT_SEC_PER_BPM * Math.max(0, hr - AV_NODE_DECREMENT_FROM_BPM);
  }
  const av = Math.min(avSec, 0.9 * period);
  c.periodSec = period;
  c.ventTcSec = vTc; c.ventTrSec = vTr; c.atrTcSec = aTc; c.atrTrSec = aTr;
  c.avDelaySec = av;
  c.atrialOnsetSec = period - av;
}

/** Ventricular activation at beat time t, including an unfinished relaxation of the previous beat. */
function ventricularActivation(t: number, c: ModelContext): number {
  const a = activation(t, c.ventTcSec, c.ventTrSec);
  if (c.prevVentTailSec > 0 && t < c.prevVentTailSec) {
    const tail = activation(t + c.prevVentOffsetSec, c.prevVentTcSec, c.prevVentTrSec);
    return tail > a ? tail : a;
  }
  return a;
}

/** Regazzoni 2022 cosine activation, s = time since onset of contraction. */
function activation(s: number, tc: number, tr: number): number {
  if (s < tc) return 0.5 * (1 - Math.cos((Math.PI * s) / tc));
  if (s < tc + tr) return 0.5 * (1 + Math.cos((Math.PI * (s - tc)) / tr));
  return 0;
}

/**
 * Smooth diode: the conductance blends from closed to open with a C¹ smoothstep over
 * ±DIODE_HALF_WIDTH_MMHG of pressure difference — exactly closed or open outside that band (no
 * slow tail, so a closed valve leaks only through its closed resistance) and cheap (no exp).
 */
function diodeFlow(dpMmHg: number, gOpen: number, gClosed: number): number {
  if (dpMmHg >= DIODE_HALF_WIDTH_MMHG) return dpMmHg * gOpen;
  if (dpMmHg <= -DIODE_HALF_WIDTH_MMHG) return dpMmHg * gClosed;
  const u = 0.5 + 0.5 * dpMmHg * INV_DIODE_HALF_WIDTH;
  const s = u * u * (3 - 2 * u);
  return dpMmHg * (gClosed + (gOpen - gClosed) * s);
}

/** Orifice velocity per √mmHg: v = √(2ΔP/ρ) = 0.5015·√ΔP m/s = 50.15·√ΔP cm/s. */
const ORIFICE_CM_PER_S_PER_SQRT_MMHG = 100 * Math.sqrt((2 * PA_PER_MMHG) / BLOOD_DENSITY_KG_PER_M3);
/** Below this LV–LA gradient (mmHg) the orifice law is linearised, so the flow's slope stays finite (RK4). */
const MR_LINEAR_BELOW_MMHG = 1;
/**
 * Functional (secondary) mitral regurgitant flow (mL/s, LV → LA) while the LV pressure exceeds the
 * LA's. The effective regurgitant orifice grows with LV volume above the tethering volume — annular
 * dilatation and apical displacement of the papillary muscles hold the leaflets short of
 * coaptation (Yiu SF et al. Circulation 2000;102:1400–6; Levine RA, Schwammenthal E. Ischemic
 * mitral regurgitation on the threshold of a solution. Circulation 2005;112:745–58) — so it is
 * largest early and late in systole and shrinks as the ventricle empties, as measured (Hung J et
 * al. 1999; Schwammenthal E et al. Circulation 1994;90:307–22). Flow through it follows the orifice
 * law Q = EROA·√(2ΔP/ρ), driven by the LV–LA gradient, so lower afterload (smaller gradient and,
 * through a smaller LV, a smaller orifice) cuts the regurgitant volume — the classic reason a
 * vasodilator raises forward output in a failing, regurgitant ventricle.
 */
export function mitralRegurgitantFlowMlPerS(c: ModelContext, dpLvLaMmHg: number, vLvMl: number): number {
  if (c.mrSlope <= 0 || dpLvLaMmHg <= 0) return 0;
  const dv = vLvMl - c.mrTetherMl;
  if (dv <= 0) return 0;
  const eroaCm2 = c.mrSlope * dv;
  const root = dpLvLaMmHg >= MR_LINEAR_BELOW_MMHG ? Math.sqrt(dpLvLaMmHg) : dpLvLaMmHg / Math.sqrt(MR_LINEAR_BELOW_MMHG);
  return eroaCm2 * ORIFICE_CM_PER_S_PER_SQRT_MMHG * root;
}

/**
 * Instantaneous pressures at state y and beat time t. Used for observation (metrics, waveforms),
 * never inside the integrator; writes into `out` (length ≥ OBS_SIZE).
 */
export const OBS = {
  laPressureMmHg: 0,
  lvPressureMmHg: 1,
  raPressureMmHg: 2,
  rvPressureMmHg: 3,
  sysArtPressureMmHg: 4,
  sysVenPressureMmHg: 5,
  pulArtPressureMmHg: 6,
  pulVenPressureMmHg: 7,
  /** Aortic root, just above the valve: Windkessel pressure + Zc × valve flow (where SBP/DBP are measured). */
  aorticRootPressureMmHg: 8,
  /** Functional mitral regurgitant flow, LV → LA (mL/s). */
  mitralRegurgitantFlowMlPerS: 9,
  /** Pericardial pressure (mmHg): part of both ventricles' measured pressures. */
  pericardialPressureMmHg: 10,
} as const;
export const OBS_SIZE = 11;

export function observePressures(out: Float64Array, y: Float64Array, tSec: number, c: ModelContext): void {
  const t = tSec;
  const phiV = ventricularActivation(t, c);
  const phiA = activation(t >= c.atrialOnsetSec ? t - c.atrialOnsetSec : t + c.avDelaySec, c.atrTcSec, c.atrTrSec);
  const cp = cpTerm(c, y);
  const eMult = c.elastanceMultiplier * effector(0.5 + c.baroGain * (y[IDX.baroElastanceDrive]! - 0.5) + c.cpCardiac * cp, c.eMinF, c.eMaxF, 1 - c.reflexBetaBlockade);
  const vuSys = c.sysVenV0 + c.venousUnstressedDeltaMl - c.vuRangeMl * (c.baroGain * (y[IDX.baroVenousDrive]! - 0.5) + c.cpVascular * cp);
  const pPcd = pericardialPressureMmHg(y[IDX.lvVolumeMl]! + y[IDX.rvVolumeMl]!, c);
  out[OBS.pericardialPressureMmHg] = pPcd;
  out[OBS.laPressureMmHg] = (c.laEa * phiA + c.laEb) * (y[IDX.laVolumeMl]! - c.laV0);
  out[OBS.lvPressureMmHg] = c.lvEa * eMult * phiV * (y[IDX.lvVolumeMl]! - c.lvV0) + passivePressureMmHg(y[IDX.lvVolumeMl]! - c.lvV0, c.lvEb, c.lvBeta) + pPcd;
  out[OBS.raPressureMmHg] = (c.raEa * phiA + c.raEb) * (y[IDX.raVolumeMl]! - c.raV0);
  out[OBS.rvPressureMmHg] = c.rvEa * eMult * phiV * (y[IDX.rvVolumeMl]! - c.rvV0) + passivePressureMmHg(y[IDX.rvVolumeMl]! - c.rvV0, c.rvEb, c.rvBeta) + pPcd;
  out[OBS.sysArtPressureMmHg] = (y[IDX.sysArtVolumeMl]! - c.sysArtV0) * c.sysArtInvC;
  out[OBS.sysVenPressureMmHg] = (y[IDX.sysVenVolumeMl]! - vuSys) * c.sysVenInvC;
  out[OBS.pulArtPressureMmHg] = (y[IDX.pulArtVolumeMl]! - c.pulArtV0) * c.pulArtInvC;
  out[OBS.pulVenPressureMmHg] = (y[IDX.pulVenVolumeMl]! - c.pulVenV0) * c.pulVenInvC;
  const qAv = y[IDX.aorticValveFlowMlPerS]!;
  out[OBS.aorticRootPressureMmHg] = out[OBS.sysArtPressureMmHg]! + (qAv > 0 ? c.aorticZc * qAv : 0);
  out[OBS.mitralRegurgitantFlowMlPerS] = mitralRegurgitantFlowMlPerS(c, out[OBS.lvPressureMmHg]! - out[OBS.laPressureMmHg]!, y[IDX.lvVolumeMl]!);
}

/** dy/dt at (y, t since beat start). Allocation-free; `dydt` and `y` must have STATE_SIZE entries. */
export function rhs(dydt: Float64Array, y: Float64Array, tSec: number, c: ModelContext): void {
  const t = tSec;
  const phiV = ventricularActivation(t, c);
  // Atria contract avDelay before the ventricles: before this beat's atrial onset we are still in
  // the contraction that began avDelay before the beat started.
  const phiA = activation(t >= c.atrialOnsetSec ? t - c.atrialOnsetSec : t + c.avDelaySec, c.atrTcSec, c.atrTrSec);

  const xE = y[IDX.baroElastanceDrive]!;
  const xR = y[IDX.baroResistanceDrive]!;
  const xV = y[IDX.baroVenousDrive]!;
  const xCp = y[IDX.cpDrive]!;
  // Sympathetic input to the effectors: arterial baroreflex plus cardiopulmonary reflex (the latter
  // on the vessels in proportion cpVascular, on the heart in proportion cpCardiac).
  const cp = c.cpGain * (xCp - 0.5);
  const eMult = c.elastanceMultiplier * effector(0.5 + c.baroGain * (xE - 0.5) + c.cpCardiac * cp, c.eMinF, c.eMaxF, 1 - c.reflexBetaBlockade);
  const rMult = c.resistanceMultiplier * effector(0.5 + c.baroGain * (xR - 0.5) + c.cpVascular * cp, c.rMinF, c.rMaxF, 1);
  // More sympathetic drive → venoconstriction → less unstressed (more stressed) venous volume.
  const vuSys = c.sysVenV0 + c.venousUnstressedDeltaMl - c.vuRangeMl * (c.baroGain * (xV - 0.5) + c.cpVascular * cp);

  const vLa = y[IDX.laVolumeMl]!;
  const vLv = y[IDX.lvVolumeMl]!;
  const vRa = y[IDX.raVolumeMl]!;
  const vRv = y[IDX.rvVolumeMl]!;
  // Both ventricles sit in the pericardium: its pressure adds to each (direct ventricular interaction).
  const pPcd = pericardialPressureMmHg(vLv + vRv, c);
  const pLa = (c.laEa * phiA + c.laEb) * (vLa - c.laV0);
  const pLv = c.lvEa * eMult * phiV * (vLv - c.lvV0) + passivePressureMmHg(vLv - c.lvV0, c.lvEb, c.lvBeta) + pPcd;
  const pRa = (c.raEa * phiA + c.raEb) * (vRa - c.raV0);
  const pRv = c.rvEa * eMult * phiV * (vRv - c.rvV0) + passivePressureMmHg(vRv - c.rvV0, c.rvEb, c.rvBeta) + pPcd;
  const pSa = (y[IDX.sysArtVolumeMl]! - c.sysArtV0) * c.sysArtInvC;
  const pSv = (y[IDX.sysVenVolumeMl]! - vuSys) * c.sysVenInvC;
  const pPa = (y[IDX.pulArtVolumeMl]! - c.pulArtV0) * c.pulArtInvC;
  const pPv = (y[IDX.pulVenVolumeMl]! - c.pulVenV0) * c.pulVenInvC;

  const qSysVen = (pSv - pRa) * c.sysVenG;
  const qTricuspid = diodeFlow(pRa - pRv, c.valveGOpen, c.valveGClosed);
  const qPulmonaryValve = diodeFlow(pRv - pPa, c.valveGOpen, c.valveGClosed);
  const qPulVen = (pPv - pLa) * c.pulVenG;
  const qMitral = diodeFlow(pLa - pLv, c.valveGOpen, c.valveGClosed) - mitralRegurgitantFlowMlPerS(c, pLv - pLa, vLv);

  // Aortic valve: L·dQ/dt = ΔP − ρQ|Q|/(2·EOA²) − R_open·Q while open. A closed valve (no forward
  // flow, no forward gradient) lets nothing through; the small negative Q a step can overshoot to
  // at closure decays back to zero (τ = 5 ms) so that the next opening starts from rest.
  const qAv = y[IDX.aorticValveFlowMlPerS]!;
  const dpAv = pLv - pSa;
  let dqAv: number;
  let qAvOut: number;
  if (qAv <= 0 && dpAv <= 0) {
    dqAv = -qAv * CLOSED_VALVE_RELAXATION_PER_S;
    qAvOut = 0;
  } else {
    dqAv = (dpAv - c.aorticBernoulli * qAv * Math.abs(qAv) - c.aorticROpen * qAv) * c.aorticInvInertance;
    qAvOut = qAv > 0 ? qAv : 0;
  }
  const qSa = y[IDX.sysArtFlowMlPerS]!;
  const qPa = y[IDX.pulArtFlowMlPerS]!;

  dydt[IDX.laVolumeMl] = qPulVen - qMitral;
  dydt[IDX.lvVolumeMl] = qMitral - qAvOut;
  dydt[IDX.raVolumeMl] = qSysVen - qTricuspid;
  dydt[IDX.rvVolumeMl] = qTricuspid - qPulmonaryValve;
  dydt[IDX.sysArtVolumeMl] = qAvOut - qSa;
  dydt[IDX.sysVenVolumeMl] = qSa - qSysVen + c.volumeSourceMlPerS;
  dydt[IDX.pulArtVolumeMl] = qPulmonaryValve - qPa;
  dydt[IDX.pulVenVolumeMl] = qPa - qPulVen;
  dydt[IDX.aorticValveFlowMlPerS] = dqAv;
  dydt[IDX.sysArtFlowMlPerS] = (pSa - pSv - c.sysArtR * rMult * qSa) * c.sysArtInvL;
  dydt[IDX.pulArtFlowMlPerS] = (pPa - pPv - c.pulArtR * qPa) * c.pulArtInvL;

  if (c.reflexFrozen) {
    dydt[IDX.baroHrDrive] = 0;
    dydt[IDX.baroElastanceDrive] = 0;
    dydt[IDX.baroResistanceDrive] = 0;
    dydt[IDX.baroVenousDrive] = 0;
    dydt[IDX.cpDrive] = 0;
  } else {
    // Baroreceptors sense central (aortic-root) pressure: the Windkessel pressure plus Zc × ejection flow.
    const eta = sympatheticDrive(pSa + c.aorticZc * qAvOut, c.baroSetPoint, c.baroSteepness);
    dydt[IDX.baroHrDrive] = (eta - y[IDX.baroHrDrive]!) * c.invTauHr;
    dydt[IDX.baroElastanceDrive] = (eta - xE) * c.invTauE;
    dydt[IDX.baroResistanceDrive] = (eta - xR) * c.invTauR;
    dydt[IDX.baroVenousDrive] = (eta - xV) * c.invTauVu;
    // Low-pressure receptors sense right-atrial pressure (its beat mean is the CVP).
    dydt[IDX.cpDrive] = c.cpGain === 0 ? 0 : (cardiopulmonaryDrive(pRa, c.cpSetPoint, c.cpInvWidth) - xCp) * c.invTauCp;
  }
}

/** Total blood volume held in the compartments (mL). */
export function totalBloodVolumeMl(y: Float64Array): number {
  let s = 0;
  for (const i of VOLUME_INDICES) s += y[i]!;
  return s;
}

/**
 * A physiological starting state for the given parameters: typical pressures and chamber
 * volumes, with the difference to the prescribed blood volume spread over the compartments in
 * proportion to their compliance. Steady state then comes from integrating (simulator.ts).
 */
export function initialState(p: ModelParameters, c: ModelContext): Float64Array {
  const y = new Float64Array(STATE_SIZE);
  const guess = {
    la: { v: 55, c: 1 / p.laEbMmHgPerMl },
    // Chamber compliance at a typical filling (the EDPVR's slope there), for spreading the volume.
    lv: { v: 120, c: 1 / (p.lvEbMmHgPerMl * Math.exp(Math.min(EDPVR_MAX_EXPONENT, p.lvEdpvrBetaPerMl * (120 - p.lvV0Ml)))) },
    ra: { v: 55, c: 1 / p.raEbMmHgPerMl },
    rv: { v: 130, c: 1 / (p.rvEbMmHgPerMl * Math.exp(Math.min(EDPVR_MAX_EXPONENT, p.rvEdpvrBetaPerMl * (130 - p.rvV0Ml)))) },
  };
  y[IDX.laVolumeMl] = guess.la.v;
  y[IDX.lvVolumeMl] = guess.lv.v;
  y[IDX.raVolumeMl] = guess.ra.v;
  y[IDX.rvVolumeMl] = guess.rv.v;
  const cSa = p.sysArtComplianceMlPerMmHg;
  const cSv = p.sysVenComplianceMlPerMmHg;
  const cPa = p.pulArtComplianceMlPerMmHg;
  const cPv = p.pulVenComplianceMlPerMmHg;
  y[IDX.sysArtVolumeMl] = c.sysArtV0 + 90 * cSa;
  y[IDX.sysVenVolumeMl] = c.sysVenV0 + 4 * cSv;
  y[IDX.pulArtVolumeMl] = c.pulArtV0 + 14 * cPa;
  y[IDX.pulVenVolumeMl] = c.pulVenV0 + 8 * cPv;
  const excessMl = p.bloodVolumeMl - totalBloodVolumeMl(y);
  const weights = [guess.la.c, guess.lv.c, guess.ra.c, guess.rv.c, cSa, cSv, cPa, cPv];
  const wSum = weights.reduce((a, b) => a + b, 0);
  VOLUME_INDICES.forEach((idx, k) => {
    y[idx] = Math.max(1, y[idx]! + (excessMl * weights[k]!) / wSum);
  });
  // Re-close the volume exactly (the floor at 1 mL may have moved it) by adjusting the veins.
  y[IDX.sysVenVolumeMl] = y[IDX.sysVenVolumeMl]! + (p.bloodVolumeMl - totalBloodVolumeMl(y));
  y[IDX.sysArtFlowMlPerS] = 80;
  y[IDX.pulArtFlowMlPerS] = 80;
  y[IDX.baroHrDrive] = 0.5;
  y[IDX.baroElastanceDrive] = 0.5;
  y[IDX.baroResistanceDrive] = 0.5;
  y[IDX.baroVenousDrive] = 0.5;
  y[IDX.cpDrive] = 0.5;
  return y;
}
