// Joint refit helper for the physiology presets (issue 11): evaluates the whole validation table
// for a candidate set of parameter changes (healthy default and/or hfref preset, plus the
// splanchnic split) and runs a Nelder–Mead search over them in log space. Never tunes one row:
// the objective sums every response row of the chosen population, with the ranges as penalties.
//   npx tsx scripts/fit-physiology.ts eval '{"healthy":{"sysVenComplianceMlPerMmHg":120},"split":{"reflex":0.8}}'
//   npx tsx scripts/fit-physiology.ts fit healthy '{"healthy":{...start...}}' name1,name2,split.reflex …
import { runValidation, type ValidationRow } from '../workers/physiology/validation';
import { PRESETS } from '../workers/physiology/presets';
import { SPLANCHNIC_SPLIT } from '../workers/physiology/model';
import { type ParameterName } from '../core/domain/physiology';
import { defaultParameters } from '../core/domain/parameters';

type Candidate = { healthy?: Record<string, number>; hfref?: Record<string, number>; split?: Record<string, number> };
const baseHealthy = { ...PRESETS.healthy.changes };
const baseHf = { ...PRESETS.hfref.changes };
const baseSplit = { ...SPLANCHNIC_SPLIT };

function apply(c: Candidate): void {
  const h = PRESETS.healthy.changes as Record<string, { value: number; why: string }>;
  const f = PRESETS.hfref.changes as Record<string, { value: number; why: string }>;
  for (const k of Object.keys(h)) if (!(k in baseHealthy)) delete h[k];
  Object.assign(h, baseHealthy);
  for (const k of Object.keys(f)) if (!(k in baseHf)) delete f[k];
  Object.assign(f, baseHf);
  // The healthy candidate changes the default, so hfref inherits it unless it sets its own.
  for (const [k, v] of Object.entries(c.healthy ?? {})) {
    h[k] = { value: v, why: 'fit' };
    if (!(k in baseHf)) f[k] = { value: v, why: 'fit' };
  }
  for (const [k, v] of Object.entries(c.hfref ?? {})) f[k] = { value: v, why: 'fit' };
  Object.assign(SPLANCHNIC_SPLIT, baseSplit, c.split ?? {});
}

export function score(rows: ValidationRow[], population: 'healthy' | 'hfref' | 'all'): number {
  let s = 0;
  for (const r of rows) {
    const isHf = /HFrEF/.test(r.group);
    if (population === 'healthy' && isHf) continue;
    if (population === 'hfref' && !isHf) continue;
    if (r.kind === 'response' && r.relativeError !== undefined) {
      if (/TAVR/.test(r.group)) continue; // not a volume/drug row; explained limitation
      const e = r.relativeError;
      s += Math.min(e, 3) ** 2;
    } else if (r.kind === 'range' && !r.pass) s += 4;
  }
  return s;
}

function evaluate(c: Candidate, population: 'healthy' | 'hfref' | 'all'): { s: number; rows: ValidationRow[] } {
  apply(c);
  try {
    const rows = runValidation();
    return { s: score(rows, population), rows };
  } catch {
    return { s: 1e9, rows: [] };
  }
}

function show(rows: ValidationRow[]): void {
  const count: Record<string, number> = {};
  for (const r of rows) count[r.grade] = (count[r.grade] ?? 0) + 1;
  console.log(JSON.stringify(count));
  for (const r of rows) if (r.kind === 'response' || !r.pass) console.log(`${r.grade.padEnd(5)} ${r.group.slice(0, 60).padEnd(60)} ${r.quantity.padEnd(22)} ${r.model ?? r.value.toFixed(2)} | ${r.target.slice(0, 50)}`);
}

const [mode, json, names, popArg] = process.argv.slice(2);
const start: Candidate = JSON.parse(json ?? '{}');
if (mode === 'eval') {
  const { s, rows } = evaluate(start, 'all');
  show(rows);
  console.log('score all', s.toFixed(3), 'healthy', score(rows, 'healthy').toFixed(3), 'hfref', score(rows, 'hfref').toFixed(3));
} else if (mode === 'fit') {
  const population = (popArg ?? 'all') as 'healthy' | 'hfref' | 'all';
  const keys = (names ?? '').split(',').filter(Boolean);
  const get = (c: Candidate, k: string): number => {
    const [grp, n] = k.includes('.') ? (k.split('.') as [string, string]) : ['healthy', k];
    const o = (c as Record<string, Record<string, number> | undefined>)[grp] ?? {};
    if (n in o) return o[n]!;
    if (grp === 'split') return (baseSplit as Record<string, number>)[n]!;
    apply({});
    const params = grp === 'hfref' ? PRESETS.hfref.changes : PRESETS.healthy.changes;
    const v = (params as Record<string, { value: number } | undefined>)[n]?.value;
    if (v !== undefined) return v;
    return defaultParameters()[n as ParameterName];
  };
  const x0 = keys.map((k) => Math.log(get(start, k)));
  const build = (x: number[]): Candidate => {
    const c: Candidate = JSON.parse(JSON.stringify(start));
    keys.forEach((k, i) => {
      const [grp, n] = k.includes('.') ? (k.split('.') as [string, string]) : ['healthy', k];
      const g = ((c as Record<string, Record<string, number>>)[grp] ??= {});
      g[n] = Math.exp(x[i]!);
    });
    return c;
  };
  const f = (x: number[]): number => evaluate(build(x), population).s;
  // Nelder–Mead
  const n = x0.length;
  let simplex = [x0, ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + 0.15 : v)))];
  let fs = simplex.map(f);
  const maxIter = Number(process.env.FIT_ITER ?? 60);
  for (let it = 0; it < maxIter; it++) {
    const order = fs.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]).map((p) => p[1]);
    simplex = order.map((i) => simplex[i]!);
    fs = order.map((i) => fs[i]!);
    console.error(`it ${it} best ${fs[0]!.toFixed(4)} ${JSON.stringify(build(simplex[0]!))}`);
    const cen = x0.map((_, j) => simplex.slice(0, n).reduce((a, p) => a + p[j]!, 0) / n);
    const worst = simplex[n]!;
    const refl = cen.map((c, j) => c + (c - worst[j]!));
    const fr = f(refl);
    if (fr < fs[0]!) {
      const exp = cen.map((c, j) => c + 2 * (c - worst[j]!));
      const fe = f(exp);
      if (fe < fr) { simplex[n] = exp; fs[n] = fe; } else { simplex[n] = refl; fs[n] = fr; }
    } else if (fr < fs[n - 1]!) {
      simplex[n] = refl; fs[n] = fr;
    } else {
      const con = cen.map((c, j) => c + 0.5 * (worst[j]! - c));
      const fc = f(con);
      if (fc < fs[n]!) { simplex[n] = con; fs[n] = fc; } else {
        for (let i = 1; i <= n; i++) { simplex[i] = simplex[i]!.map((v, j) => simplex[0]![j]! + 0.5 * (v - simplex[0]![j]!)); fs[i] = f(simplex[i]!); }
      }
    }
  }
  const bi = fs.indexOf(Math.min(...fs));
  const best = build(simplex[bi]!);
  console.log(JSON.stringify(best));
  const { rows } = evaluate(best, 'all');
  show(rows);
  console.log('score', population, fs[bi]!.toFixed(4));
}
