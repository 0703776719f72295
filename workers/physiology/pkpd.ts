// Drug models: one-compartment pharmacokinetics (first-order absorption for oral doses, zero-order
// infusions) advanced in closed form, and sigmoid-Emax pharmacodynamics acting on fractional
// changes of model parameters. Every number carries its source, or `assumption: true` with the
// reason, in DRUGS (core/domain/drugs.ts); `interventionSources` (interventions.ts) exposes them to the UI.
import { type DrugRoute } from '../../core/domain/physiology';
import { type DrugEffect, type DrugSpec } from '../../core/domain/drugs';

const DAY = 24 * 3600;

/** Sigmoid Emax: E = Emax·Cʰ/(EC50ʰ + Cʰ). */
export function emaxEffect(concNgPerMl: number, e: Pick<DrugEffect, 'emax' | 'ec50NgPerMl' | 'hill'>): number {
  if (concNgPerMl <= 0) return 0;
  const ch = e.hill === 1 ? concNgPerMl : Math.pow(concNgPerMl, e.hill);
  const ech = e.hill === 1 ? e.ec50NgPerMl : Math.pow(e.ec50NgPerMl, e.hill);
  return (e.emax * ch) / (ech + ch);
}

/**
 * One drug's compartments in one patient. Amounts in mg; doses add linearly (one-compartment
 * PK is linear), so one state per drug covers any number of doses and infusions.
 */
export class DrugState {
  readonly spec: DrugSpec;
  readonly volumeL: number;
  readonly ke: number;
  readonly ka: number;
  gutMg = 0;
  centralMg = 0;
  infusionMgPerSec = 0;

  constructor(spec: DrugSpec, weightKg: number) {
    this.spec = spec;
    this.volumeL = spec.volumeLPerKg * weightKg;
    this.ke = Math.LN2 / spec.halfLifeSec;
    this.ka = spec.absorptionPerSec;
  }

  /** Plasma concentration in ng/mL (mg/L × 1000). */
  get concentrationNgPerMl(): number {
    return (this.centralMg / this.volumeL) * 1000;
  }

  dose(doseMg: number, route: DrugRoute): void {
    if (this.spec.maintenance) {
      // A maintenance regimen already at steady state: its average level from now on, kept there
      // by an equivalent constant input F·dose per day.
      const inputMgPerSec = (this.spec.oralBioavailability * doseMg) / DAY;
      this.infusionMgPerSec += inputMgPerSec;
      this.centralMg += inputMgPerSec / this.ke;
      return;
    }
    if (route === 'oral') this.gutMg += doseMg * this.spec.oralBioavailability;
    else this.centralMg += doseMg;
  }

  /** Exact solution over h seconds with the current infusion rate. */
  advance(h: number): void {
    if (h <= 0) return;
    const { ke, ka } = this;
    const eKe = Math.exp(-ke * h);
    let fromGut = 0;
    if (this.gutMg > 0 && ka > 0) {
      const eKa = Math.exp(-ka * h);
      // ka ≠ ke for every drug here; the limit ka → ke would be ka·h·e^{−ke h}.
      fromGut = Math.abs(ka - ke) > 1e-12 ? ((ka * this.gutMg) / (ka - ke)) * (eKe - eKa) : ka * h * this.gutMg * eKe;
      this.gutMg *= eKa;
    }
    this.centralMg = this.centralMg * eKe + fromGut + (this.infusionMgPerSec / ke) * (1 - eKe);
  }
}

/** mcg/kg/min → mg/s for a patient. */
export function infusionMgPerSec(rateMcgPerKgPerMin: number, weightKg: number): number {
  return (rateMcgPerKgPerMin * weightKg) / 1000 / 60;
}
