// Model pieces checked against closed-form values: the orifice equations, the reflex drive,
// volume conservation and the exactness of the volume source.
import { describe, expect, it } from 'vitest';
import { IDX, OBS, OBS_SIZE, observePressures, passivePressureMmHg, pericardialPressureMmHg, aorticInertanceMmHgS2PerMl, mitralRegurgitantFlowMlPerS, bernoulliCoefficient, cardiopulmonaryDrive, initialState, ModelContext, rhs, STATE_SIZE, sympatheticDrive, totalBloodVolumeMl, beginBeat } from './model';
import { defaultParameters } from '../../core/domain/parameters';
import { applyPatient, resolveParameters } from './presets';
import { Simulator, metricsFromStats, settle } from './simulator';

describe('aortic valve orifice model', () => {
  it('Bernoulli loss equals the clinical 4v² (ρ/2 = 530 Pa per (m/s)² = 3.975 mmHg)', () => {
    // 1 cm² and 100 mL/s → v = 1 m/s → ΔP = 3.975 mmHg.
    expect(bernoulliCoefficient(1) * 100 * 100).toBeCloseTo(3.9753, 3);
    // EOA 0.7 cm², 350 mL/s → v = 5 m/s → ≈ 99.4 mmHg.
    expect(bernoulliCoefficient(0.7) * 350 * 350).toBeCloseTo(3.9753 * 25, 1);
  });

  it('inertance follows Garcia 2005, L = 2πρ/√EOA', () => {
    // 2π·1060/√(1e-4 m²) = 666 018 Pa·s²/m³ = 0.666 Pa·s²/mL = 4.996e-3 mmHg·s²/mL.
    expect(aorticInertanceMmHgS2PerMl(1)).toBeCloseTo(4.9955e-3, 6);
    expect(aorticInertanceMmHgS2PerMl(0.25) / aorticInertanceMmHgS2PerMl(1)).toBeCloseTo(2, 10);
  });
});

describe('baroreflex drive', () => {
  it('is one half at the set point and falls as pressure rises (Ottesen form)', () => {
    expect(sympatheticDrive(93, 93, 8)).toBeCloseTo(0.5, 12);
    expect(sympatheticDrive(80, 93, 8)).toBeGreaterThan(0.5);
    expect(sympatheticDrive(110, 93, 8)).toBeLessThan(0.5);
    expect(sympatheticDrive(0, 93, 8)).toBe(1);
  });
});

describe('pericardial constraint (Smith et al. 2004)', () => {
  const smith = { pericardialP0MmHg: 0.5003, pericardialStiffnessPerMl: 0.03, pericardialV0Ml: 200 };

  it('follows P0·(e^{λ(V − V0)} − 1) and is absent when P0 is 0 (the default)', () => {
    const c = new ModelContext({ ...defaultParameters(), ...smith });
    expect(pericardialPressureMmHg(200, c)).toBeCloseTo(0, 12);
    // 300 mL of ventricles: 0.5003·(e³ − 1) = 9.549 mmHg.
    expect(pericardialPressureMmHg(300, c)).toBeCloseTo(0.5003 * (Math.exp(3) - 1), 9);
    expect(pericardialPressureMmHg(300, new ModelContext(defaultParameters()))).toBe(0);
  });

  it('couples the ventricles: more RV volume raises the LV diastolic pressure at the same LV volume', () => {
    const p = { ...defaultParameters(), ...smith };
    const c = new ModelContext(p);
    const y = initialState(p, c);
    beginBeat(c, y);
    const out = new Float64Array(OBS_SIZE);
    const tDiastole = c.periodSec - c.avDelaySec - 0.01; // ventricles relaxed, atria not yet contracting
    y[IDX.lvVolumeMl] = 125;
    y[IDX.rvVolumeMl] = 140;
    observePressures(out, y, tDiastole, c);
    const lv1 = out[OBS.lvPressureMmHg]!;
    const pcd1 = out[OBS.pericardialPressureMmHg]!;
    y[IDX.rvVolumeMl] = 190;
    observePressures(out, y, tDiastole, c);
    // The LV's own (transmural) pressure is unchanged; its measured pressure rises by the pericardial rise.
    expect(out[OBS.lvPressureMmHg]! - lv1).toBeCloseTo(out[OBS.pericardialPressureMmHg]! - pcd1, 9);
    expect(out[OBS.lvPressureMmHg]! - lv1).toBeGreaterThan(3);
    // At normal volumes (LV 125 + RV 140 mL) the pericardium adds only a few mmHg (Tyberg 1986: small).
    expect(pcd1).toBeGreaterThan(1);
    expect(pcd1).toBeLessThan(4);
  });
});

describe('state and conservation', () => {
  it('starts with exactly the prescribed blood volume', () => {
    const p = { ...defaultParameters(), bloodVolumeMl: 4321 };
    const y = initialState(p, new ModelContext(p));
    expect(y).toHaveLength(STATE_SIZE);
    expect(totalBloodVolumeMl(y)).toBeCloseTo(4321, 9);
  });

  it('the volume derivatives sum to the external source at any state', () => {
    const p = defaultParameters();
    const c = new ModelContext(p);
    const y = initialState(p, c);
    y[IDX.aorticValveFlowMlPerS] = 250;
    beginBeat(c, y);
    c.volumeSourceMlPerS = 1.25;
    const d = new Float64Array(STATE_SIZE);
    for (const t of [0, 0.1, 0.2, 0.5, 0.75]) {
      rhs(d, y, t, c);
      let sum = 0;
      for (let i = 0; i <= IDX.pulVenVolumeMl; i++) sum += d[i]!;
      expect(sum).toBeCloseTo(1.25, 9);
    }
  });

  it('keeps total volume constant over 20 beats without sources and adds exactly what a source gives', () => {
    const sim = new Simulator(resolveParameters({ preset: 'hfref' }));
    settle(sim, { maxBeats: 30 });
    sim.ctx.reflexFrozen = false;
    const v0 = sim.totalBloodVolumeMl();
    for (let b = 0; b < 20; b++) sim.runBeat(false);
    expect(Math.abs(sim.totalBloodVolumeMl() - v0)).toBeLessThan(1e-6);
    sim.ctx.volumeSourceMlPerS = 2;
    const t0 = sim.tSec;
    for (let b = 0; b < 5; b++) sim.runBeat(false);
    expect(sim.totalBloodVolumeMl() - v0).toBeCloseTo(2 * (sim.tSec - t0), 6);
  });

  it('the aortic valve never lets blood back (no regurgitation through a closed valve)', () => {
    const sim = new Simulator(resolveParameters({ preset: 'severe-as' }));
    settle(sim, { maxBeats: 30 });
    let minFlow = Infinity;
    for (let b = 0; b < 3; b++) {
      sim.runBeat(true);
      minFlow = Math.min(minFlow, sim.y[IDX.aorticValveFlowMlPerS]!);
    }
    expect(minFlow).toBeGreaterThanOrEqual(-1e-6);
  });

  it('rejects an impossible step count', () => {
    expect(() => new Simulator(defaultParameters(), { stepsPerBeat: 5 })).toThrow(/stepsPerBeat/);
  });
});

describe('step control for stiff parameter sets', () => {
  it.each([
    ['pulVenResistanceMmHgSPerMl', 1e-4],
    ['sysArtInertanceMmHgS2PerMl', 1e-4],
    ['sysArtResistanceMmHgSPerMl', 4],
    ['laEaMmHgPerMl', 1],
  ] as const)('%s = %s (bound of its range) shortens the step and settles to finite metrics', (name, value) => {
    const p = { ...defaultParameters(), [name]: value };
    const ctx = new ModelContext(p);
    expect(ctx.stableStepSec).toBeLessThan(new ModelContext(defaultParameters()).stableStepSec);
    const sim = new Simulator(p);
    settle(sim, { maxBeats: 40 });
    expect(sim.lastBeatSteps).toBeGreaterThan(200);
    for (const v of sim.y) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('functional mitral regurgitation', () => {
  it('follows the orifice law Q = EROA·√(2ΔP/ρ) with EROA = slope × (V_LV − tethering volume)', () => {
    const c = new ModelContext({ ...defaultParameters(), mitralRegurgitantOrificeSlopeCm2PerMl: 0.005, mitralTetheringVolumeMl: 150 });
    // V_LV 210 mL → EROA 0.3 cm²; ΔP 64 mmHg → v = √(64/3.975) = 4.01 m/s → Q = 0.3 × 401 = 120.4 mL/s.
    expect(mitralRegurgitantFlowMlPerS(c, 64, 210)).toBeCloseTo(0.3 * 100 * Math.sqrt(64 / 3.9753), 0);
    expect(mitralRegurgitantFlowMlPerS(c, 64, 150)).toBe(0); // at the tethering volume the leaflets coapt
    expect(mitralRegurgitantFlowMlPerS(c, -5, 210)).toBe(0); // diastole: no LV → LA flow
    // Linearised below 1 mmHg: continuous there, finite slope at 0.
    expect(mitralRegurgitantFlowMlPerS(c, 1, 210)).toBeCloseTo(mitralRegurgitantFlowMlPerS(c, 1 - 1e-9, 210), 6);
  });

  it('is off in the healthy heart (forward SV = EDV − ESV) and makes forward SV smaller than total SV in hfref', () => {
    const steady = (params: ReturnType<typeof defaultParameters>) => {
      const sim = new Simulator(params);
      settle(sim);
      sim.runBeat(true);
      return metricsFromStats(sim.stats, sim.ctx);
    };
    const healthy = steady(defaultParameters());
    expect(healthy.svMl).toBeCloseTo(healthy.lvedvMl - healthy.lvesvMl, 9);
    const hf = steady(resolveParameters({ preset: 'hfref' }));
    const regurgitantFraction = 1 - hf.svMl / (hf.lvedvMl - hf.lvesvMl);
    // Moderate–severe secondary MR: regurgitant fraction 20–50 % (ASE/ESC grading of secondary MR).
    expect(regurgitantFraction).toBeGreaterThan(0.2);
    expect(regurgitantFraction).toBeLessThan(0.5);
    expect(hf.ef).toBeCloseTo((hf.lvedvMl - hf.lvesvMl) / hf.lvedvMl, 9);
  });
});

describe('cardiopulmonary (low-pressure) reflex', () => {
  it('is one half at its set point, rises as CVP falls, with slope 1/(4w) there', () => {
    expect(cardiopulmonaryDrive(4.3, 4.3, 1 / 2)).toBeCloseTo(0.5, 12);
    expect(cardiopulmonaryDrive(1, 4.3, 1 / 2)).toBeGreaterThan(0.5);
    expect(cardiopulmonaryDrive(10, 4.3, 1 / 2)).toBeLessThan(0.5);
    const h = 1e-4;
    const slope = (cardiopulmonaryDrive(4.3 + h, 4.3, 1 / 2) - cardiopulmonaryDrive(4.3 - h, 4.3, 1 / 2)) / (2 * h);
    expect(slope).toBeCloseTo(-1 / (4 * 2), 4);
    // Bounded in (0, 1) however far the pressure moves.
    expect(cardiopulmonaryDrive(-50, 4.3, 1)).toBeLessThan(1);
    expect(cardiopulmonaryDrive(60, 4.3, 1)).toBeGreaterThan(0);
  });

  it('a lower CVP raises systemic resistance in the healthy preset and leaves HR alone (vascular arm only)', () => {
    const run = (dvMl: number) => {
      const sim = new Simulator(resolveParameters({ preset: 'healthy', parameters: { baroGain: 0 } }));
      sim.y[IDX.sysVenVolumeMl] = sim.y[IDX.sysVenVolumeMl]! + dvMl;
      settle(sim);
      return { m: metricsFromStats(sim.stats, sim.ctx), drive: sim.y[IDX.cpDrive]! };
    };
    const rest = run(0);
    const bled = run(-500);
    expect(bled.m.cvpMmHg).toBeLessThan(rest.m.cvpMmHg - 0.5);
    expect(bled.drive).toBeGreaterThan(rest.drive);
    const svr = (m: { mapMmHg: number; cvpMmHg: number; coLPerMin: number }) => (m.mapMmHg - m.cvpMmHg) / m.coLPerMin;
    expect(svr(bled.m)).toBeGreaterThan(svr(rest.m));
    expect(Math.abs(bled.m.hrBpm - rest.m.hrBpm)).toBeLessThan(0.01);
  });
});

describe('incomplete relaxation at high heart rates', () => {
  it('shortens relaxation less than contraction, so past ≈ 150 bpm it runs into the next beat', () => {
    const ctx = new ModelContext(defaultParameters());
    const y = initialState(defaultParameters(), ctx);
    ctx.pacedHrBpm = 70;
    beginBeat(ctx, y);
    beginBeat(ctx, y);
    expect(ctx.prevVentTailSec).toBe(0);
    const restRelaxSec = ctx.ventTrSec;
    // 148 bpm: relaxation fills the rest of the beat (no diastasis left), about as long as at rest.
    ctx.pacedHrBpm = 148;
    beginBeat(ctx, y);
    beginBeat(ctx, y);
    expect(ctx.prevVentTailSec).toBe(0);
    expect(ctx.ventTcSec + ctx.ventTrSec).toBeGreaterThan(0.97 * ctx.periodSec);
    expect(ctx.ventTrSec).toBeGreaterThan(0.9 * restRelaxSec);
    ctx.pacedHrBpm = 170;
    beginBeat(ctx, y);
    beginBeat(ctx, y);
    expect(ctx.prevVentTailSec).toBeGreaterThan(0);
    // Contraction still ends within its beat.
    expect(ctx.ventTcSec).toBeLessThan(ctx.periodSec);
  });
});

describe('body-size scaling of the ventricles\' diastolic curve (applyPatient)', () => {
  it('is isometric: a chamber k times the volume has at k·V the passive pressure the reference has at V', () => {
    const ref = defaultParameters();
    for (const t of [
      { sex: 'F' as const, ageYears: 45, heightCm: 155, weightKg: 55 },
      { sex: 'M' as const, ageYears: 45, heightCm: 195, weightKg: 110 },
    ]) {
      const p = applyPatient(ref, t);
      const k = p.lvV0Ml / ref.lvV0Ml;
      expect(Math.abs(k - 1)).toBeGreaterThan(0.1); // a body size that really differs
      for (const vMl of [70, 120, 180]) {
        const lvRef = passivePressureMmHg(vMl - ref.lvV0Ml, ref.lvEbMmHgPerMl, ref.lvEdpvrBetaPerMl);
        const lv = passivePressureMmHg(vMl * k - p.lvV0Ml, p.lvEbMmHgPerMl, p.lvEdpvrBetaPerMl);
        expect(lv).toBeCloseTo(lvRef, 9);
        const rvRef = passivePressureMmHg(vMl - ref.rvV0Ml, ref.rvEbMmHgPerMl, ref.rvEdpvrBetaPerMl);
        const rv = passivePressureMmHg(vMl * k - p.rvV0Ml, p.rvEbMmHgPerMl, p.rvEdpvrBetaPerMl);
        expect(rv).toBeCloseTo(rvRef, 9);
      }
    }
  });
});
