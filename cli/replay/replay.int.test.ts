// One real ICU stay replayed end to end through the Twin tab's live path (calibration, EnKF
// updates, forecasts), with the baselines scored beside it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mimic3ToBundles } from '../../core/vitals/mimic3';
import { twinStore } from '../../src/twin/twinState';
import { replayStay } from './replay';
import { RADIAL_PP_AMPLIFICATION } from '../../core/vitals/observation-model';
import { driftSummary, markdownTables, setTable } from './report';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-data', 'vitals', 'mimic3-demo-sample');
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');

describe('replay of a real ICU stay', () => {
  it('calibrates on the first 6 h, replays the rest in time order and scores twin and baselines on the same readings', async () => {
    const conv = mimic3ToBundles({ patientsCsv: read('patients.csv'), icustaysCsv: read('icustays.csv'), charteventsCsv: read('chartevents_vitals.csv') });
    const s = conv.stays.find((x) => x.icustayId === '201204')!;
    const r = await replayStay({ stayId: s.icustayId, subjectId: s.subjectId, bundle: s.bundle });
    expect(r.skipped).toBeUndefined();
    expect(r.calibrationHours).toBeGreaterThanOrEqual(6);
    expect(r.forecastsIssued).toBeGreaterThan(5);
    // The store assimilated the later readings (HR, SBP, DBP, MAP; SpO2/RR/temperature are read but not modelled).
    if (r.recalibrations === 0) expect(twinStore.getState().assimilated).toBe(r.storeAssimilated);
    expect(r.storeAssimilated).toBeGreaterThan(20);
    // What the replay counts as held back is what the store held back.
    expect(r.judged.filter((j) => j.heldBack).length).toBe(r.storeHeldBack);
    // Paired: every scored reading has a twin, a persistence and an SES point.
    const by = (f: string) => r.points.filter((p) => p.forecaster === f).length;
    expect(by('twin')).toBeGreaterThan(30);
    expect(by('persistence')).toBe(by('twin'));
    expect(by('ses')).toBe(by('twin'));
    for (const p of r.points) {
      expect(p.crps).toBeGreaterThanOrEqual(0);
      expect([1, 2, 4]).toContain(p.horizonH);
    }
    const rows = setTable([r]);
    const hrTwin = rows.find((x) => x.key === 'hrBpm' && x.site === 'all' && x.horizonH === 1 && x.forecaster === 'twin')!;
    expect(hrTwin.n).toBeGreaterThan(20);
    // A real patient's HR mostly stays in the twin's 90 % band (loose: one short stay).
    expect(hrTwin.coverage90).toBeGreaterThan(0.5);
    expect(markdownTables([r])).toMatch(/\| HR \(bpm\) \| all \| 1 \| twin \|/);
    expect(driftSummary([r]).judged).toBe(r.judged.length);
    // The twin's form factor as the radial line sees it: the aortic one over the pulse amplification
    // (mean and diastolic shift alike), near the brachioradial 0.34 when the aortic one is near 0.44.
    expect(r.formFactor.modelArterial).toBeCloseTo(r.formFactor.model / RADIAL_PP_AMPLIFICATION, 9);
    expect(r.formFactor.modelCuff).toBeGreaterThan(0.2);
  }, 120_000);
});
