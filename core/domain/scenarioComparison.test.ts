import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runPhysiologyCli } from '../../workers/physiology/cli';
import { resolveParameters, runScenario } from '../../workers/physiology';
import type { EnsembleSummary, MetricKey, Percentiles } from './physiology';
import { COMPARISON_ENDPOINTS, comparisonCsv, comparisonRows, comparisonSummaryText, formatMetric, intervalsOverlap } from './scenarioComparison';
import { buildScenario, templateById } from './scenarioTemplates';

const P = (p05: number, p50: number, p95: number): Percentiles => ({ p05, p25: (p05 + p50) / 2, p50, p75: (p50 + p95) / 2, p95 });
function summary(over: Partial<Record<MetricKey, Percentiles>>): EnsembleSummary {
  const base = P(1, 2, 3);
  return new Proxy({} as EnsembleSummary, { get: (_t, k: string) => over[k as MetricKey] ?? base });
}

describe('intervalsOverlap', () => {
  it('treats touching intervals as overlapping and disjoint ones as not', () => {
    expect(intervalsOverlap({ p05: 1, p95: 2 }, { p05: 2, p95: 3 })).toBe(true);
    expect(intervalsOverlap({ p05: 1, p95: 2 }, { p05: 2.01, p95: 3 })).toBe(false);
    expect(intervalsOverlap({ p05: 0, p95: 10 }, { p05: 4, p95: 5 })).toBe(true);
    expect(intervalsOverlap({ p05: 4, p95: 5 }, { p05: 6, p95: 7 })).toBe(false);
  });
});

describe('comparisonRows', () => {
  const rows = comparisonRows('base', [
    { id: 'base', ensemble: summary({ mapMmHg: P(80, 90, 100), avMeanGradientMmHg: P(40, 48, 56), ef: P(0.6, 0.65, 0.7) }) },
    { id: 'tavr', ensemble: summary({ mapMmHg: P(85, 97.6, 110), avMeanGradientMmHg: P(6, 9.04, 12), ef: P(0.6, 0.65, 0.7) }) },
    { id: 'pending', ensemble: undefined },
  ]);

  it('has one row per endpoint with the median, 90 % interval, signed difference and overlap', () => {
    expect(rows.map((r) => r.key)).toEqual(COMPARISON_ENDPOINTS);
    const map = rows.find((r) => r.key === 'mapMmHg')!;
    expect(map.cells).toHaveLength(2); // the pending scenario is left out until it streams in
    expect(map.cells[0]).toMatchObject({ scenarioId: 'base', median: '90', interval: '80–100', diff: '', overlapsBaseline: undefined });
    expect(map.cells[1]).toMatchObject({ scenarioId: 'tavr', median: '98', interval: '85–110', diff: '+8', overlapsBaseline: true });
    const grad = rows.find((r) => r.key === 'avMeanGradientMmHg')!;
    expect(grad.cells[1]).toMatchObject({ median: '9.0', diff: '−39.0', overlapsBaseline: false });
    const ef = rows.find((r) => r.key === 'ef')!;
    // EF in % (the engine's fraction × 100), the difference in percentage points.
    expect(ef.unit).toBe('%');
    expect(ef.cells[0]).toMatchObject({ median: '65', interval: '60–70' });
    expect(ef.cells[1]!.diff).toBe('±0');
  });

  it('writes CSV at full precision', () => {
    const csv = comparisonCsv(rows, new Map([['base', 'Current therapy'], ['tavr', 'TAVR, 1.7 cm²']]));
    expect(csv.split('\n')[0]).toBe('scenario,endpoint,unit,p05,p25,p50,p75,p95,diff_median_vs_baseline,overlaps_baseline');
    expect(csv).toContain('"TAVR, 1.7 cm²",mapMmHg,mmHg,85,91.3,97.6,103.8,110,+8,true');
  });

  it('writes the plan summary: one line per endpoint, each scenario by name with median, interval and difference', () => {
    const text = comparisonSummaryText(rows, new Map([['base', 'Current therapy'], ['tavr', 'TAVR']]), 'at 24 h');
    const lines = text.split('\n');
    expect(lines).toHaveLength(rows.length);
    const map = lines.find((l) => l.startsWith('Mean arterial pressure'))!;
    expect(map).toBe('Mean arterial pressure [mmHg] at 24 h: Current therapy 90 (80–100); TAVR 98 (85–110) Δ +8');
  });

  it('never prints −0', () => {
    expect(formatMetric('mapMmHg', -0.2)).toBe('0');
  });
});

describe('UI numbers match `twin simulate --json` for the same scenario', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twin-ui-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('TAVR on a severe-AS twin: the table shows the CLI ensemble percentiles', async () => {
    const patient = { sex: 'F' as const, ageYears: 72, heightCm: 165, weightKg: 70 };
    // Stands in for a calibrated twin: a full parameter set passed as overrides, as the UI does.
    const parameters = resolveParameters({ preset: 'severe-as', patient });
    const scenario = buildScenario(templateById('tavr'), { eoaCm2: 1.8, startMin: 10 }, { patient, parameters }, { durationSec: 1800, ensemble: 6, seed: 3 });
    const file = join(dir, 'tavr.json');
    writeFileSync(file, JSON.stringify(scenario));

    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const code = await runPhysiologyCli('simulate', ['--scenario', file, '--json']);
    spy.mockRestore();
    expect(code).toBe(0);
    const cli = JSON.parse(out) as { ensemble: Record<MetricKey, Percentiles> };

    // The UI path: the engine result's ensemble → comparisonRows → strings on screen.
    const ui = runScenario(scenario);
    const rows = comparisonRows('tavr', [{ id: 'tavr', ensemble: ui.ensemble }]);
    for (const row of rows) {
      const c = cli.ensemble[row.key];
      const cell = row.cells[0]!;
      expect(cell.median, row.key).toBe(formatMetric(row.key, c.p50));
      expect(cell.interval, row.key).toBe(`${formatMetric(row.key, c.p05)}–${formatMetric(row.key, c.p95)}`);
    }
    // And the valve was replaced: the gradient fell below the severe range (< 20 mmHg, ESC/EACTS 2021).
    expect(Number(rows.find((r) => r.key === 'avMeanGradientMmHg')!.cells[0]!.median)).toBeLessThan(20);
  }, 60_000);
});
