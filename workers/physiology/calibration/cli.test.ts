import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadScaledTimeoutMs } from '../../../test-support/load';
import { hasSharedData, sharedDataPath } from '../../../test-support/shared-data';
import { runCalibrateCli } from './cli';

// Calibrations take seconds on an idle core and up to a minute on the shared 2-core machine.
vi.setConfig({ testTimeout: loadScaledTimeoutMs(60_000), hookTimeout: loadScaledTimeoutMs(120_000) });

const SYNTHEA = ['fhir', 'synthea'];
const dir = mkdtempSync(join(tmpdir(), 'twin-calibrate-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  });
  try {
    const code = await runCalibrateCli(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe('twin calibrate CLI', () => {
  it.skipIf(!hasSharedData(...SYNTHEA))('calibrates a Synthea bundle and reports HR as missing (--json)', async () => {
    const d = sharedDataPath(...SYNTHEA);
    const bundle = join(d, readdirSync(d).find((f) => f.startsWith('Oda'))!);
    const r = await run(['--bundle', bundle, '--json', '--members', '30']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as {
      inputs: { missing: string[]; used: { kind: string }[] };
      parameters: { name: string; posterior: { p05: number; p50: number; p95: number } }[];
      residuals: { key: string; z: number }[];
      patient: { sex: string };
    };
    expect(json.inputs.missing).toContain('hrBpm');
    expect(json.inputs.used.map((u) => u.kind).sort()).toEqual(['dbpMmHg', 'lvefFraction', 'sbpMmHg']);
    expect(json.patient.sex).toBe('F');
    expect(json.parameters).toHaveLength(8);
    for (const p of json.parameters) {
      expect(p.posterior.p05).toBeLessThanOrEqual(p.posterior.p50);
      expect(p.posterior.p50).toBeLessThanOrEqual(p.posterior.p95);
    }
    expect(json.residuals.map((x) => x.key).sort()).toEqual(['dbpMmHg', 'ef', 'sbpMmHg']);
    // No names in the output: the bundle's patient is "Oda Gerlach".
    expect(r.stdout).not.toMatch(/Gerlach|Oda/);

    const text = await run(['--bundle', bundle, '--members', '10']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/inputs missing: hrBpm/);
    expect(text.stdout).toMatch(/heartRateBpm/);
  });

  it('exits 2 naming the problem for a missing file, bad JSON, a non-Bundle and two patients', async () => {
    const missing = await run(['--bundle', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.json \(ENOENT\)/);

    const bad = await run(['--bundle', file('bad.json', '{ not json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is not valid JSON/);

    const notBundle = await run(['--bundle', file('patient.json', JSON.stringify({ resourceType: 'Patient', id: 'p' }))]);
    expect(notBundle.code).toBe(2);
    expect(notBundle.stderr).toMatch(/is not a FHIR Bundle \(resourceType "Patient"\)/);

    const two = await run([
      '--bundle',
      file(
        'two.json',
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'collection',
          entry: [{ resource: { resourceType: 'Patient', id: 'a' } }, { resource: { resourceType: 'Patient', id: 'b' } }],
        }),
      ),
    ]);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/records of 2 patients; calibration needs exactly one/);

    const empty = await run(['--bundle', file('empty.json', JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', id: 'a' } }] }))]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/no vital-sign or echo observation/);
  });

  it('exits 2 on usage errors', async () => {
    expect((await run([])).stderr).toMatch(/--bundle FILE is required/);
    const unknown = await run(['--bundle', 'x', '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option "--frobnicate"/);
    expect((await run(['--bundle', 'x', '--members', '3'])).stderr).toMatch(/--members must be an integer in \[10, 2000\]/);
  });
});
