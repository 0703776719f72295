// `twin simulate` with an ensemble large enough to go to worker threads: same percentiles as the
// in-thread engine (member draws depend only on seed and index).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { METRIC_KEYS, type Scenario } from '../../core/domain/physiology';
import { runPhysiologyCli, resultToJson } from './cli';
import { runScenario } from './runScenario';

const dir = mkdtempSync(join(tmpdir(), 'twin-cli-int-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('twin simulate --json with a pooled ensemble', () => {
  it('prints the same percentiles as the in-thread run', async () => {
    const scenario: Scenario = { preset: 'hfref', interventions: [{ type: 'drug', atSec: 0, drug: 'dobutamine', rateMcgPerKgPerMin: 5 }], durationSec: 600, ensemble: 32, seed: 11 };
    const file = join(dir, 'ens.json');
    writeFileSync(file, JSON.stringify(scenario));
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const code = await runPhysiologyCli('simulate', ['--scenario', file, '--json']);
    spy.mockRestore();
    expect(code).toBe(0);
    const doc = JSON.parse(out) as Record<string, unknown>;
    const expected = resultToJson(runScenario(scenario));
    expect(doc.ensemble).toEqual(expected.ensemble);
    for (const k of METRIC_KEYS) expect(doc[k]).toBe(expected[k]);
  });
});
