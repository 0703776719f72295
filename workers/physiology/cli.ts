// `npm run twin -- simulate --scenario FILE [--json]` and the `calibrate` dispatch.
// Exit codes: 0 ok, 2 bad usage or a bad scenario (the message names the key), 1 unexpected failure.
import { readFile } from 'node:fs/promises';
import { METRIC_INFO, METRIC_KEYS, ScenarioError, type EngineMetrics, type Scenario, type ScenarioResult } from '../../core/domain/physiology';
import { NodePhysiologyPool } from './nodePool';
import { runScenario } from './runScenario';
import { validateScenario } from '../../core/domain/scenario';
import { summarise } from '../../core/domain/percentiles';

const SIMULATE_USAGE = 'usage: npm run twin -- simulate --scenario FILE [--json]';
/** Ensembles at least this large go to worker threads; smaller ones run in this thread. */
const POOL_THRESHOLD_MEMBERS = 32;

export interface SimulateArgs {
  scenarioPath: string;
  json: boolean;
}

export function parseSimulateArgs(args: readonly string[]): SimulateArgs {
  let scenarioPath: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') json = true;
    else if (a === '--scenario') {
      scenarioPath = args[++i];
      if (scenarioPath === undefined || scenarioPath.startsWith('--')) throw new UsageError('--scenario needs a file path');
    } else throw new UsageError(`unknown argument "${a}"`);
  }
  if (!scenarioPath) throw new UsageError('--scenario FILE is required');
  return { scenarioPath, json };
}

class UsageError extends Error {}

// JSON numbers keep 4 decimals: at least two orders finer than any figure the UI shows (EF is a
// fraction shown as whole %), so re-rounding the CLI's number for display gives the UI's figure
// except within 5e-5 of a rounding boundary (with 3 decimals an EF p95 of 0.61493 printed 0.615,
// which displays as 62 % where the UI shows 61 %).
function round(v: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function roundMetrics(m: EngineMetrics): EngineMetrics {
  const out = {} as EngineMetrics;
  for (const k of METRIC_KEYS) out[k] = round(m[k]);
  return out;
}

/** The JSON document PRODUCT.md fixes: metrics, then trajectory and ensemble when asked for. */
export function resultToJson(r: ScenarioResult): Record<string, unknown> {
  const doc: Record<string, unknown> = { ...roundMetrics(r.metrics) };
  if (r.trajectory) {
    doc.trajectory = r.trajectory.map((p) => ({ tSec: round(p.tSec, 1), ...roundMetrics(p), bloodVolumeMl: round(p.bloodVolumeMl, 1) }));
  }
  if (r.ensemble) {
    const e: Record<string, unknown> = {};
    for (const k of METRIC_KEYS) {
      const p = r.ensemble[k];
      e[k] = { p05: round(p.p05), p25: round(p.p25), p50: round(p.p50), p75: round(p.p75), p95: round(p.p95) };
    }
    doc.ensemble = e;
  }
  return doc;
}

function table(r: ScenarioResult): string {
  const lines = METRIC_KEYS.map((k) => {
    const band = r.ensemble ? `   [p05 ${round(r.ensemble[k].p05, 2)} – p95 ${round(r.ensemble[k].p95, 2)}]` : '';
    return `${METRIC_INFO[k].label.padEnd(28)} ${String(round(r.metrics[k], 2)).padStart(8)} ${METRIC_INFO[k].unit}${band}`;
  });
  if (r.trajectory) lines.push(`trajectory: ${r.trajectory.length} points to t = ${r.trajectory.at(-1)?.tSec ?? 0} s (use --json)`);
  return lines.join('\n');
}

/** Run with the ensemble on worker threads when it is large enough to pay for them. */
async function simulate(s: Scenario): Promise<ScenarioResult> {
  const n = s.ensemble ?? 0;
  if (n < POOL_THRESHOLD_MEMBERS) return runScenario(s);
  const { ensemble: _n, ...main } = s;
  const pool = new NodePhysiologyPool();
  try {
    const membersPromise = pool.runEnsemble(s, n);
    const result = runScenario(main);
    result.ensemble = summarise(await membersPromise);
    return result;
  } finally {
    await pool.close();
  }
}

export async function runSimulateCli(args: readonly string[]): Promise<number> {
  let parsed: SimulateArgs;
  try {
    parsed = parseSimulateArgs(args);
  } catch (err) {
    process.stderr.write(`twin simulate: ${(err as Error).message}\n${SIMULATE_USAGE}\n`);
    return 2;
  }
  let text: string;
  try {
    text = await readFile(parsed.scenarioPath, 'utf8');
  } catch (err) {
    process.stderr.write(`twin simulate: cannot read scenario file ${parsed.scenarioPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return 2;
  }
  let scenario: Scenario;
  try {
    scenario = validateScenario(JSON.parse(text) as unknown);
  } catch (err) {
    if (err instanceof SyntaxError) {
      process.stderr.write(`twin simulate: ${parsed.scenarioPath} is not valid JSON: ${err.message}\n`);
      return 2;
    }
    if (err instanceof ScenarioError) {
      process.stderr.write(`twin simulate: invalid scenario — ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let result: ScenarioResult;
  try {
    result = await simulate(scenario);
  } catch (err) {
    // Limits found while simulating (e.g. a bleed beyond the model's range) are the scenario's
    // fault too; from a worker thread they arrive as a plain Error named ScenarioError.
    if (err instanceof ScenarioError || (err instanceof Error && err.name === 'ScenarioError')) {
      process.stderr.write(`twin simulate: invalid scenario — ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  process.stdout.write(parsed.json ? `${JSON.stringify(resultToJson(result))}\n` : `${table(result)}\n`);
  return 0;
}

export async function runPhysiologyCli(command: 'simulate' | 'calibrate', args: string[]): Promise<number> {
  switch (command) {
    case 'simulate':
      return runSimulateCli(args);
    case 'calibrate': {
      const { runCalibrateCli } = await import('./calibration/cli');
      return runCalibrateCli(args);
    }
  }
}
