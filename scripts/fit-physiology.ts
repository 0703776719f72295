// Joint refit helper for the physiology presets (issue 11): evaluates the whole validation table
// for a candidate set of parameter changes (the healthy default and/or the hfref preset) and runs a
// Nelder–Mead search over them in log space. Never tunes one row: the objective sums every
// response row of the chosen population, with the ranges as penalties.
//   npx tsx scripts/fit-physiology.ts eval '{"healthy":{"sysVenComplianceMlPerMmHg":120}}'
//   npx tsx scripts/fit-physiology.ts fit '{"healthy":{…start…}}' name1,hfref.name2 [healthy|hfref|all]
// A name without a prefix is a change of the healthy default, which every other preset inherits
// unless it sets that parameter itself; `drug.<drug>.<target>` is the Emax of that drug's effect
// on that target (core/domain/drugs.ts), so drug sizes can be refitted jointly with the presets
// (round 9 of issue 11), e.g. `{"drugs":{"dobutamine.elastance":0.5}}` in a candidate. An Emax
// keeps its published sign (the search works on its magnitude in log space).
// FIT_ITER (default 60) bounds the Nelder–Mead iterations.
import { pathToFileURL } from 'node:url';
import { runValidation, type ValidationRow } from '../workers/physiology/validation';
import { PRESETS } from '../workers/physiology/presets';
import { PARAMETER_NAMES, type ParameterName, type PresetName } from '../core/domain/physiology';
import { defaultParameters } from '../core/domain/parameters';
import { DRUGS, type DrugEffect } from '../core/domain/drugs';

export type Population = 'healthy' | 'hfref' | 'all';
/** Parameter values by preset: `healthy` changes the default every preset inherits; `hfref` the HFrEF preset only. */
export interface Candidate {
  healthy?: Record<string, number>;
  hfref?: Record<string, number>;
  /** Drug effect sizes: `"<drug>.<target>"` → Emax (same sign as the published one). */
  drugs?: Record<string, number>;
}
type Group = 'healthy' | 'hfref' | 'drugs';
type Changes = Record<string, { value: number; why: string }>;

const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
const BASE: Record<string, Changes> = Object.fromEntries(PRESET_NAMES.map((p) => [p, { ...PRESETS[p].changes } as Changes]));

/** The one effect of `drug` on `target` named by `key` ("<drug>.<target>"), or a thrown error naming the key. */
export function drugEffect(key: string): DrugEffect {
  const [drug, target, ...rest] = key.split('.');
  const spec = (DRUGS as Record<string, { effects: readonly DrugEffect[] } | undefined>)[drug ?? ''];
  if (!spec || !target || rest.length > 0) throw new Error(`"drugs.${key}" is not "<drug>.<target>" of a drug in core/domain/drugs.ts`);
  const found = spec.effects.filter((e) => e.target === target);
  if (found.length !== 1) throw new Error(`"drugs.${key}": ${drug} has ${found.length === 0 ? 'no' : 'more than one'} effect on "${target}"`);
  return found[0]!;
}
const BASE_EMAX = new Map<DrugEffect, number>(Object.values(DRUGS).flatMap((d) => d.effects.map((e) => [e, e.emax] as const)));

/** Checks a candidate's shape and names before any run; throws naming the bad entry. */
export function checkCandidate(c: unknown): Candidate {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new Error('candidate must be a JSON object like {"healthy":{…},"hfref":{…}}');
  for (const [grp, values] of Object.entries(c)) {
    if (grp !== 'healthy' && grp !== 'hfref' && grp !== 'drugs') throw new Error(`candidate group "${grp}" is not "healthy", "hfref" or "drugs"`);
    if (typeof values !== 'object' || values === null) throw new Error(`candidate group "${grp}" must be an object of parameter values`);
    if (grp === 'drugs') {
      for (const [key, v] of Object.entries(values as Record<string, unknown>)) {
        const base = BASE_EMAX.get(drugEffect(key))!;
        if (typeof v !== 'number' || !Number.isFinite(v) || v === 0 || Math.sign(v) !== Math.sign(base)) throw new Error(`"drugs.${key}" must be a finite, non-zero Emax of the published sign (${base}), got ${JSON.stringify(v)}`);
      }
      continue;
    }
    for (const [name, v] of Object.entries(values as Record<string, unknown>)) {
      if (!(PARAMETER_NAMES as readonly string[]).includes(name)) throw new Error(`"${grp}.${name}" is not a model parameter (core/domain/parameters.ts)`);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`"${grp}.${name}" must be a finite number ≥ 0, got ${JSON.stringify(v)}`);
    }
  }
  return c as Candidate;
}

/** Sets the presets' changes to their originals plus the candidate (mutates PRESETS for this process only). */
function apply(c: Candidate): void {
  for (const p of PRESET_NAMES) {
    const ch = PRESETS[p].changes as Changes;
    for (const k of Object.keys(ch)) delete ch[k];
    Object.assign(ch, BASE[p]);
    for (const [k, v] of Object.entries(c.healthy ?? {})) if (p === 'healthy' || !(k in BASE[p]!)) ch[k] = { value: v, why: 'fit (healthy default)' };
    if (p === 'hfref') for (const [k, v] of Object.entries(c.hfref ?? {})) ch[k] = { value: v, why: 'fit' };
  }
  // Drug sizes: back to the published table, then the candidate's (this process only).
  for (const [e, emax] of BASE_EMAX) (e as { emax: number }).emax = emax;
  for (const [k, v] of Object.entries(c.drugs ?? {})) (drugEffect(k) as { emax: number }).emax = v;
}

/**
 * The whole-table objective: Σ min(relative error, 3)² over the population's response rows (TAVR
 * rows left out: their failure is an explained limitation, not a volume or drug size) plus 4 per
 * out-of-range row, plus 4 × its distance outside the range in range widths (so that a search is
 * led back into the range, round 8 of issue 11). A row belongs to hfref when its group names HFrEF.
 */
export function score(rows: readonly ValidationRow[], population: Population): number {
  let s = 0;
  for (const r of rows) {
    const isHf = /HFrEF/.test(r.group);
    if (population === 'healthy' && isHf) continue;
    if (population === 'hfref' && !isHf) continue;
    if (r.kind === 'response' && r.relativeError !== undefined) {
      if (/TAVR/.test(r.group)) continue;
      s += Math.min(r.relativeError, 3) ** 2;
    } else if (r.kind === 'range' && !r.pass) s += 4 + 4 * (r.rangeDistance ?? 0);
  }
  return s;
}

function evaluate(c: Candidate, population: Population): { s: number; rows: ValidationRow[] } {
  apply(c);
  try {
    const rows = runValidation();
    return { s: score(rows, population), rows };
  } catch (e) {
    // A candidate the engine refuses (e.g. a scenario error) is a wall for the search, not a crash.
    console.error(`candidate refused by the engine: ${(e as Error).message}`);
    return { s: 1e9, rows: [] };
  }
}

function show(rows: readonly ValidationRow[]): void {
  const count: Record<string, number> = {};
  for (const r of rows) count[r.grade] = (count[r.grade] ?? 0) + 1;
  console.log(JSON.stringify(count));
  for (const r of rows) if (r.kind === 'response' || !r.pass) console.log(`${r.grade.padEnd(5)} ${r.group.slice(0, 60).padEnd(60)} ${r.quantity.padEnd(22)} ${r.model ?? r.value.toFixed(2)} | ${r.target.slice(0, 50)}`);
}

function splitName(k: string): [Group, string] {
  if (k.startsWith('drug.')) {
    const key = k.slice('drug.'.length);
    drugEffect(key);
    return ['drugs', key];
  }
  const [grp, n] = k.includes('.') ? (k.split('.') as [string, string]) : ['healthy', k];
  if (grp !== 'healthy' && grp !== 'hfref') throw new Error(`fit name "${k}": prefix must be "hfref.", "drug." or none (healthy default)`);
  if (!(PARAMETER_NAMES as readonly string[]).includes(n)) throw new Error(`fit name "${k}": "${n}" is not a model parameter`);
  return [grp, n as ParameterName];
}

function fit(start: Candidate, keys: string[], population: Population, maxIter: number): void {
  const names = keys.map(splitName);
  apply({});
  const value0 = ([grp, n]: [Group, string]): number => {
    const given = start[grp]?.[n];
    if (given !== undefined) return given;
    if (grp === 'drugs') return BASE_EMAX.get(drugEffect(n))!;
    const preset = (PRESETS[grp].changes as Changes)[n]?.value;
    return preset ?? defaultParameters()[n as ParameterName];
  };
  // Drug Emax values are searched by magnitude and keep their sign.
  const signs = names.map((nm) => (nm[0] === 'drugs' ? Math.sign(value0(nm)) : 1));
  const x0 = names.map((nm, i) => {
    const v = signs[i]! * value0(nm);
    if (!(v > 0)) throw new Error(`fit name "${nm.join('.')}" starts at ${v}; the search works in log space and needs a positive start (give one in the candidate)`);
    return Math.log(v);
  });
  const build = (x: readonly number[]): Candidate => {
    const c: Candidate = JSON.parse(JSON.stringify(start)) as Candidate;
    names.forEach(([grp, n], i) => {
      (c[grp] ??= {})[n] = signs[i]! * Math.exp(x[i]!);
    });
    return c;
  };
  const f = (x: readonly number[]): number => evaluate(build(x), population).s;
  const n = x0.length;
  let simplex = [x0, ...x0.map((_, i) => x0.map((v, j) => (i === j ? v + 0.15 : v)))];
  let fs = simplex.map(f);
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
  show(evaluate(best, 'all').rows);
  console.log('score', population, fs[bi]!.toFixed(4));
}

function main(argv: readonly string[]): void {
  const [mode, json, names, popArg] = argv;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json ?? '{}');
  } catch (e) {
    throw new Error(`candidate is not valid JSON: ${(e as Error).message}`);
  }
  const start = checkCandidate(parsed);
  if (mode === 'eval') {
    const { s, rows } = evaluate(start, 'all');
    if (rows.length === 0) throw new Error('the engine refused this candidate (message above)');
    show(rows);
    console.log('score all', s.toFixed(3), 'healthy', score(rows, 'healthy').toFixed(3), 'hfref', score(rows, 'hfref').toFixed(3));
  } else if (mode === 'fit') {
    const population = (popArg ?? 'all') as Population;
    if (!['healthy', 'hfref', 'all'].includes(population)) throw new Error(`population "${popArg}" is not healthy, hfref or all`);
    const keys = (names ?? '').split(',').filter(Boolean);
    if (keys.length === 0) throw new Error('fit needs the parameter names to fit, comma-separated (e.g. sysVenComplianceMlPerMmHg,hfref.lvEaMmHgPerMl,drug.dobutamine.elastance)');
    const maxIter = Number(process.env.FIT_ITER ?? 60);
    if (!Number.isInteger(maxIter) || maxIter < 1) throw new Error(`FIT_ITER must be a positive integer, got ${process.env.FIT_ITER}`);
    fit(start, keys, population, maxIter);
  } else {
    throw new Error(`mode "${mode ?? ''}" is not "eval" or "fit" (usage in the header of scripts/fit-physiology.ts)`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`fit-physiology: ${(e as Error).message}`);
    process.exit(1);
  }
}
