// Tables over replayed stays: per vital × horizon × forecaster over the set (readings pooled),
// the per-patient spread of coverage, and the drift (background-check) statistics. Pure; the CLI
// writes the Markdown.
import { summarise, type ScoreSummary } from '../../core/vitals/forecastScores';
import { FORECASTERS, type Forecaster, type ReplayPoint, type StayReplay } from './replay';

export interface SetRow extends ScoreSummary {
  key: string;
  site: string;
  horizonH: number;
  forecaster: Forecaster;
  /** Stays contributing at least one point. */
  stays: number;
  /** Per-stay coverage (stays with ≥ MIN_STAY_POINTS points): quartiles of the 90 % and 50 % coverage. */
  stayCoverage90: [number, number, number] | undefined;
  stayCoverage50: [number, number, number] | undefined;
}

export const MIN_STAY_POINTS = 10;

function quartiles(values: number[]): [number, number, number] | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => {
    const h = (s.length - 1) * p;
    const lo = Math.floor(h);
    return s[lo]! + (h - lo) * (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!);
  };
  return [q(0.25), q(0.5), q(0.75)];
}

/** Rows per vital (all lines pooled as site "all", and per line) × horizon × forecaster. */
export function setTable(stays: readonly StayReplay[]): SetRow[] {
  const groups = new Map<string, { key: string; site: string; horizonH: number; forecaster: Forecaster; byStay: Map<string, ReplayPoint[]> }>();
  const add = (site: string, p: ReplayPoint, stayId: string) => {
    const g = `${p.key}|${site}|${p.horizonH}|${p.forecaster}`;
    let e = groups.get(g);
    if (!e) {
      e = { key: p.key, site, horizonH: p.horizonH, forecaster: p.forecaster, byStay: new Map() };
      groups.set(g, e);
    }
    const list = e.byStay.get(stayId);
    if (list) list.push(p);
    else e.byStay.set(stayId, [p]);
  };
  for (const s of stays) {
    for (const p of s.points) {
      add('all', p, s.stayId);
      if (p.site !== 'none') add(p.site, p, s.stayId);
    }
  }
  const rows: SetRow[] = [];
  for (const e of groups.values()) {
    const all = [...e.byStay.values()].flat();
    const per = [...e.byStay.values()].filter((l) => l.length >= MIN_STAY_POINTS).map((l) => summarise(l));
    rows.push({
      key: e.key,
      site: e.site,
      horizonH: e.horizonH,
      forecaster: e.forecaster,
      stays: e.byStay.size,
      ...summarise(all),
      stayCoverage90: quartiles(per.map((x) => x.coverage90)),
      stayCoverage50: quartiles(per.map((x) => x.coverage50)),
    });
  }
  const keyOrder = ['hrBpm', 'mapMmHg', 'sbpMmHg', 'dbpMmHg'];
  const siteOrder = ['all', 'arterial', 'cuff'];
  return rows.sort(
    (a, b) =>
      keyOrder.indexOf(a.key) - keyOrder.indexOf(b.key) ||
      siteOrder.indexOf(a.site) - siteOrder.indexOf(b.site) ||
      a.horizonH - b.horizonH ||
      FORECASTERS.indexOf(a.forecaster) - FORECASTERS.indexOf(b.forecaster),
  );
}

export interface DriftSummary {
  judged: number;
  outside90: number;
  heldBack: number;
  backInside: number;
  stayedOutside: number;
  noLater: number;
  /** Of held-back readings: mean fraction of the following (≤ 6) readings still outside the band. */
  meanFollowingOutside: number;
}

export function driftSummary(stays: readonly StayReplay[]): DriftSummary {
  let judged = 0;
  let outside90 = 0;
  let heldBack = 0;
  let backInside = 0;
  let stayedOutside = 0;
  let noLater = 0;
  let fo = 0;
  let foN = 0;
  for (const s of stays) {
    for (const r of s.judged) {
      judged++;
      if (r.position === 'below90' || r.position === 'above90') outside90++;
      if (r.heldBack) heldBack++;
    }
    for (const e of s.driftEvents) {
      if (e.outcome === 'back-inside') backInside++;
      else if (e.outcome === 'stayed-outside') stayedOutside++;
      else noLater++;
      if (e.followingJudged > 0) {
        fo += e.followingOutside / e.followingJudged;
        foN++;
      }
    }
  }
  return { judged, outside90, heldBack, backInside, stayedOutside, noLater, meanFollowingOutside: foN > 0 ? fo / foN : NaN };
}

const LABEL: Record<string, string> = { hrBpm: 'HR (bpm)', mapMmHg: 'MAP (mmHg)', sbpMmHg: 'SBP (mmHg)', dbpMmHg: 'DBP (mmHg)' };
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(0)} %` : '–');
const num = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const iqr = (q: [number, number, number] | undefined) => (q ? `${(q[1] * 100).toFixed(0)} (${(q[0] * 100).toFixed(0)}–${(q[2] * 100).toFixed(0)})` : '–');

/** Target check for one vital × horizon: coverage in range and CRPS below both baselines. */
export function targetVerdict(rows: readonly SetRow[], key: string, horizonH: number): { coverage90: boolean; coverage50: boolean; crps: boolean } | undefined {
  const get = (f: Forecaster) => rows.find((r) => r.key === key && r.site === 'all' && r.horizonH === horizonH && r.forecaster === f);
  const t = get('twin');
  const p = get('persistence');
  const s = get('ses');
  if (!t || !p || !s) return undefined;
  return {
    coverage90: t.coverage90 >= 0.85 && t.coverage90 <= 0.95,
    coverage50: t.coverage50 >= 0.45 && t.coverage50 <= 0.55,
    crps: t.crps < p.crps && t.crps < s.crps,
  };
}

/** The Markdown tables (the surrounding prose is written by the CLI). */
export function markdownTables(stays: readonly StayReplay[]): string {
  const rows = setTable(stays);
  const lines: string[] = [];
  lines.push('| vital | line | h | forecaster | n | stays | 90 % cover | 50 % cover | CRPS | MAE | bias | per-stay 90 % cover, median (IQR) | per-stay 50 % cover |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    lines.push(
      `| ${LABEL[r.key] ?? r.key} | ${r.site} | ${r.horizonH} | ${r.forecaster} | ${r.n} | ${r.stays} | ${pct(r.coverage90)} | ${pct(r.coverage50)} | ${num(r.crps, 2)} | ${num(r.mae, 2)} | ${num(r.bias, 2)} | ${iqr(r.stayCoverage90)} | ${iqr(r.stayCoverage50)} |`,
    );
  }
  return lines.join('\n');
}
