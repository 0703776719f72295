// The healthy prior of the very old: the centre calibration starts from (open loop, as calibration
// runs) and the engine's closed-loop patient must not be hypertensive at 86 y, or a low BP in the
// very old reads as cardiac. Population values at ≥ 80 y: about SBP 135–145, DBP 65–75 mmHg
// (Franklin SS et al. Circulation 1997;96:308–15, approximate reading of its figures).
import { describe, expect, it } from 'vitest';
import { resolveParameters } from '../presets';
import { simulateSteadyState } from '../simulator';

const old = { sex: 'M' as const, ageYears: 86, heightCm: 172, weightKg: 72 };

describe('healthy prior at 86 y', () => {
  const p = resolveParameters({ preset: 'healthy', patient: old });
  const closed = simulateSteadyState(p).metrics;
  const open = simulateSteadyState({ ...p, baroGain: 0, cpGain: 0 }).metrics;

  it('closed loop: DBP in the population range, SBP within 15 mmHg of it, pulse pressure wide', () => {
    expect(closed.dbpMmHg).toBeGreaterThan(60);
    expect(closed.dbpMmHg).toBeLessThan(75);
    // 152 mmHg here: the default tuning's excess (135/78 at 45 y) carries through; the bound
    // fails the old age scaling's 185/98 open loop and would catch a return to it.
    expect(closed.sbpMmHg).toBeLessThan(160);
    expect(closed.sbpMmHg - closed.dbpMmHg).toBeGreaterThan(60);
  });

  it('open loop (the calibration prior centre) is no longer at 185/98 mmHg: resistance stops rising at 60 y', () => {
    expect(open.dbpMmHg).toBeLessThan(85);
    expect(open.sbpMmHg).toBeLessThan(175);
    const at60 = resolveParameters({ preset: 'healthy', patient: { ...old, ageYears: 60 } });
    expect(p.sysArtResistanceMmHgSPerMl / at60.sysArtResistanceMmHgSPerMl).toBeCloseTo(1, 6);
  });
});
