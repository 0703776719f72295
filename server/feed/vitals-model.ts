// Pure: a deterministic bedside-monitor signal generator. Each vital follows a mean-reverting
// random walk (Ornstein–Uhlenbeck) around a set point that itself drifts slowly, starting from the
// patient's last recorded values so the live feed continues the demo history without a jump.
// Same seed + same start + same steps → the same numbers (tests and demos are reproducible).

import { mulberry32 } from '../../core/domain/random';

export interface VitalsState {
  hrBpm: number;
  sbpMmHg: number;
  dbpMmHg: number;
  spo2Pct: number;
  rrPerMin: number;
}

type Key = keyof VitalsState;
const KEYS: readonly Key[] = ['hrBpm', 'sbpMmHg', 'dbpMmHg', 'spo2Pct', 'rrPerMin'];

interface Dynamics {
  /** Reversion rate toward the set point, 1/s: fluctuations decorrelate over ~1/theta seconds. */
  thetaPerSec: number;
  /** Beat-to-beat noise, in the vital's unit per sqrt(s). */
  sigmaPerSqrtSec: number;
  /** Random-walk speed of the set point, unit per sqrt(s): the slow drift over minutes to hours. */
  driftPerSqrtSec: number;
  /** Physiological limits the signal never leaves (a monitor would alarm well before). */
  min: number;
  max: number;
  /** How far the set point may wander from where the feed started. */
  maxDriftFromStart: number;
}

// Magnitudes chosen so 5-second samples of a resting adult look like a monitor trend:
// HR moves ±2-3 bpm between samples, BP ±3-4 mmHg, SpO2 ±1 %, RR ±1/min.
const DYNAMICS: Record<Key, Dynamics> = {
  hrBpm: { thetaPerSec: 1 / 60, sigmaPerSqrtSec: 0.9, driftPerSqrtSec: 0.05, min: 35, max: 180, maxDriftFromStart: 15 },
  sbpMmHg: { thetaPerSec: 1 / 90, sigmaPerSqrtSec: 1.3, driftPerSqrtSec: 0.08, min: 70, max: 230, maxDriftFromStart: 20 },
  dbpMmHg: { thetaPerSec: 1 / 90, sigmaPerSqrtSec: 0.8, driftPerSqrtSec: 0.05, min: 35, max: 130, maxDriftFromStart: 12 },
  spo2Pct: { thetaPerSec: 1 / 45, sigmaPerSqrtSec: 0.35, driftPerSqrtSec: 0.01, min: 85, max: 100, maxDriftFromStart: 3 },
  rrPerMin: { thetaPerSec: 1 / 60, sigmaPerSqrtSec: 0.35, driftPerSqrtSec: 0.02, min: 8, max: 35, maxDriftFromStart: 4 },
};

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

export class VitalsGenerator {
  private readonly rand: () => number;
  private readonly value: VitalsState;
  private readonly setPoint: VitalsState;
  private readonly start: VitalsState;
  private spareNormal: number | null = null;

  constructor(start: VitalsState, seed: number) {
    for (const k of KEYS) {
      const v = start[k];
      if (!Number.isFinite(v)) throw new Error(`start value ${k} must be a finite number, got ${v}`);
    }
    if (start.dbpMmHg >= start.sbpMmHg) throw new Error(`start dbpMmHg (${start.dbpMmHg}) must be below sbpMmHg (${start.sbpMmHg})`);
    this.rand = mulberry32(seed);
    this.value = { ...start };
    this.setPoint = { ...start };
    this.start = { ...start };
  }

  /** Advances by dtSec and returns the new values, rounded as a monitor displays them. */
  step(dtSec: number): VitalsState {
    if (!(dtSec > 0) || !Number.isFinite(dtSec)) throw new Error(`dtSec must be a positive number of seconds, got ${dtSec}`);
    const sqrtDt = Math.sqrt(dtSec);
    for (const k of KEYS) {
      const d = DYNAMICS[k];
      const sp = this.setPoint[k] + d.driftPerSqrtSec * sqrtDt * this.normal();
      this.setPoint[k] = clamp(sp, this.start[k] - d.maxDriftFromStart, this.start[k] + d.maxDriftFromStart);
      // Exact OU update (stable for any dt): decay toward the set point plus matching-variance noise.
      const decay = Math.exp(-d.thetaPerSec * dtSec);
      const sd = d.sigmaPerSqrtSec * Math.sqrt((1 - decay * decay) / (2 * d.thetaPerSec));
      this.value[k] = clamp(this.setPoint[k] + (this.value[k] - this.setPoint[k]) * decay + sd * this.normal(), d.min, d.max);
    }
    // Keep a physiological pulse pressure of at least 20 mmHg.
    if (this.value.sbpMmHg - this.value.dbpMmHg < 20) this.value.dbpMmHg = this.value.sbpMmHg - 20;
    return {
      hrBpm: Math.round(this.value.hrBpm),
      sbpMmHg: Math.round(this.value.sbpMmHg),
      dbpMmHg: Math.round(this.value.dbpMmHg),
      spo2Pct: Math.min(100, Math.round(this.value.spo2Pct)),
      rrPerMin: Math.round(this.value.rrPerMin),
    };
  }

  /** Standard normal by Box–Muller, caching the second value of each pair. */
  private normal(): number {
    if (this.spareNormal !== null) {
      const s = this.spareNormal;
      this.spareNormal = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.rand();
    const v = this.rand();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
