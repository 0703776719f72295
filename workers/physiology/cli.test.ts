// `twin simulate` end to end in-process: JSON shape per PRODUCT.md and exit codes naming the key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { METRIC_KEYS } from '../../core/domain/physiology';
import { runPhysiologyCli } from './cli';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'twin-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const code = await runPhysiologyCli('simulate', args);
  vi.restoreAllMocks();
  return { code, out, err };
}

function scenarioFile(name: string, json: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof json === 'string' ? json : JSON.stringify(json));
  return p;
}

describe('twin simulate', () => {
  it('prints the PRODUCT.md metrics, trajectory and ensemble percentiles as JSON', async () => {
    const file = scenarioFile('ok.json', { preset: 'severe-as', interventions: [{ atSec: 60, type: 'tavr', eoaCm2: 1.7 }], durationSec: 120, ensemble: 3, seed: 2 });
    const r = await run(['--scenario', file, '--json']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as Record<string, unknown>;
    for (const k of METRIC_KEYS) expect(typeof doc[k], k).toBe('number');
    const traj = doc.trajectory as Record<string, number>[];
    expect(traj.length).toBeGreaterThan(5);
    expect(traj[0]!.tSec).toBe(0);
    expect(traj.at(-1)!.tSec).toBe(120);
    const ens = doc.ensemble as Record<string, Record<string, number>>;
    expect(Object.keys(ens)).toEqual([...METRIC_KEYS]);
    expect(Object.keys(ens.mapMmHg!)).toEqual(['p05', 'p25', 'p50', 'p75', 'p95']);
  });

  it('prints a readable table without --json', async () => {
    const r = await run(['--scenario', scenarioFile('plain.json', { preset: 'healthy' })]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Mean arterial pressure\s+\d+/);
  });

  it.each([
    [{ preset: 'healthy', parameters: { lvEa: 2 } }, /parameters\.lvEa.*lvEaMmHgPerMl/],
    [{ preset: 'healthy', interventions: [{ atSec: 0, type: 'fluid', volumeMl: -5, overSec: 60 }] }, /interventions\[0\]\.volumeMl/],
    [{ preset: 'healthy', colour: 'blue' }, /colour: unknown key/],
    [{ patient: { sex: 'F', ageYears: 40, heightCm: 150, weightKg: 45 }, interventions: [{ atSec: 0, type: 'hemorrhage', volumeMl: 2400, overSec: 60 }], durationSec: 120 }, /interventions: .*blood volume/],
  ])('exits 2 naming the key for %j', async (json, message) => {
    const r = await run(['--scenario', scenarioFile('bad.json', json), '--json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });

  it('exits 2 on bad usage, unreadable files and invalid JSON', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['--scenario'])).code).toBe(2);
    expect((await run(['--scenario', join(dir, 'missing.json')])).err).toMatch(/cannot read/);
    const r = await run(['--scenario', scenarioFile('broken.json', '{"preset": ')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not valid JSON/);
    expect((await run(['--scenario', scenarioFile('x.json', {}), '--verbose'])).err).toMatch(/unknown argument "--verbose"/);
  });
});
