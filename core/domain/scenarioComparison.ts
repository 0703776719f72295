// The Scenario comparison table: endpoints of each scenario as median and 90 % interval (the
// engine ensemble's p50 and p05–p95), the difference of medians to the baseline and whether the
// two 90 % intervals overlap. Pure; the view renders exactly these strings, and a test checks
// them against `twin simulate --json` for the same scenario.

import { METRIC_INFO, type EnsembleSummary, type MetricKey, type Percentiles } from './physiology';

/** Endpoints compared (issue 7): MAP, CO, EF, PCWP, aortic mean gradient, HR. */
export const COMPARISON_ENDPOINTS: readonly MetricKey[] = ['mapMmHg', 'coLPerMin', 'ef', 'pcwpMmHg', 'avMeanGradientMmHg', 'hrBpm'];

/** Decimals shown per metric: the resolution a clinician reads (and the CLI test compares at). */
export const METRIC_DECIMALS: Readonly<Partial<Record<MetricKey, number>>> = {
  hrBpm: 0,
  sbpMmHg: 0,
  dbpMmHg: 0,
  mapMmHg: 0,
  coLPerMin: 2,
  svMl: 0,
  ef: 0,
  lvedvMl: 0,
  lvesvMl: 0,
  cvpMmHg: 1,
  pcwpMmHg: 1,
  avMeanGradientMmHg: 1,
  avPeakVelocityMPerS: 2,
};

/** Shown in the unit clinicians read: EF as a percentage (the engine keeps a fraction). */
const DISPLAY_SCALE: Readonly<Partial<Record<MetricKey, number>>> = { ef: 100 };

/** A metric value (engine units) as displayed: scaled (EF → %), at the resolution a clinician reads. */
export function formatMetric(key: MetricKey, value: number): string {
  if (!Number.isFinite(value)) return '–';
  const d = METRIC_DECIMALS[key] ?? 1;
  // Normalise −0 so a tiny negative difference does not print as "-0".
  const s = (value * (DISPLAY_SCALE[key] ?? 1)).toFixed(d);
  return Number(s) === 0 ? (0).toFixed(d) : s;
}

export function displayUnit(key: MetricKey): string {
  return key === 'ef' ? '%' : METRIC_INFO[key].unit;
}

/** Closed intervals [a.p05, a.p95] and [b.p05, b.p95] share at least one point. */
export function intervalsOverlap(a: Pick<Percentiles, 'p05' | 'p95'>, b: Pick<Percentiles, 'p05' | 'p95'>): boolean {
  return a.p05 <= b.p95 && b.p05 <= a.p95;
}

export interface ComparisonCell {
  scenarioId: string;
  median: string;
  interval: string;
  /** Median − baseline median, signed ("+12", "−0.05"); empty for the baseline itself. */
  diff: string;
  /** Whether the 90 % intervals overlap with the baseline's; undefined for the baseline. */
  overlapsBaseline: boolean | undefined;
  raw: Percentiles;
}

export interface ComparisonRow {
  key: MetricKey;
  label: string;
  unit: string;
  cells: ComparisonCell[];
}

function signed(key: MetricKey, d: number): string {
  const s = formatMetric(key, d);
  if (Number(s) === 0) return `±${formatMetric(key, 0)}`;
  return d > 0 ? `+${s}` : `−${s.replace('-', '')}`;
}

/**
 * Table rows, one per endpoint; scenarios without an ensemble yet are left out (partial results
 * stream in). The baseline's column never shows a difference.
 */
export function comparisonRows(
  baselineId: string,
  scenarios: readonly { id: string; ensemble: EnsembleSummary | undefined }[],
  endpoints: readonly MetricKey[] = COMPARISON_ENDPOINTS,
): ComparisonRow[] {
  const baseline = scenarios.find((s) => s.id === baselineId)?.ensemble;
  return endpoints.map((key) => ({
    key,
    label: METRIC_INFO[key].label,
    unit: displayUnit(key),
    cells: scenarios.flatMap((s) => {
      const p = s.ensemble?.[key];
      if (!p) return [];
      const isBase = s.id === baselineId;
      return [
        {
          scenarioId: s.id,
          median: formatMetric(key, p.p50),
          interval: `${formatMetric(key, p.p05)}–${formatMetric(key, p.p95)}`,
          diff: isBase || !baseline ? '' : signed(key, p.p50 - baseline[key].p50),
          overlapsBaseline: isBase || !baseline ? undefined : intervalsOverlap(p, baseline[key]),
          raw: p,
        },
      ];
    }),
  }));
}

/** CSV of the comparison (one line per scenario × endpoint), numbers at full precision. */
export function comparisonCsv(rows: readonly ComparisonRow[], names: ReadonlyMap<string, string>): string {
  const esc = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = ['scenario,endpoint,unit,p05,p25,p50,p75,p95,diff_median_vs_baseline,overlaps_baseline'];
  for (const r of rows) {
    for (const c of r.cells) {
      lines.push(
        // Numbers at full precision in engine units (EF as a fraction), the unit column says which.
        [names.get(c.scenarioId) ?? c.scenarioId, r.key, r.key === 'ef' ? 'fraction' : r.unit, c.raw.p05, c.raw.p25, c.raw.p50, c.raw.p75, c.raw.p95, c.diff, c.overlapsBaseline === undefined ? '' : String(c.overlapsBaseline)]
          .map((v) => esc(String(v)))
          .join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The comparison as a plan's summary (CarePlan note, one line per endpoint): each scenario's median
 * and 90 % interval and its difference from the baseline, at the time the comparison was read.
 */
export function comparisonSummaryText(rows: readonly ComparisonRow[], names: ReadonlyMap<string, string>, compareLabel: string): string {
  return rows
    .map((r) => {
      const parts = r.cells.map((c) => `${names.get(c.scenarioId) ?? c.scenarioId} ${c.median} (${c.interval})${c.diff ? ` Δ ${c.diff}` : ''}`);
      return `${r.label} [${r.unit}] ${compareLabel}: ${parts.join('; ')}`;
    })
    .join('\n');
}
