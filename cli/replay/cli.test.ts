import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseReplayArgs, runReplayCli, splitOf } from './cli';

const SAMPLE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-data', 'vitals', 'mimic3-demo-sample');

afterEach(() => vi.restoreAllMocks());

describe('twin replay / mimic3-fhir command line', () => {
  it('parses the flags and names what is missing', () => {
    expect(parseReplayArgs(['--mimic3', 'D', '--stay', '201204', '--report', 'r.md'])).toMatchObject({ dir: 'D', stay: '201204', report: 'r.md', all: false });
    expect(() => parseReplayArgs(['--all'])).toThrow(/--mimic3 DIR is required/);
    expect(() => parseReplayArgs(['--mimic3'])).toThrow(/--mimic3 needs a value/);
    expect(() => parseReplayArgs(['--mimic3', 'D', '--bogus'])).toThrow(/unknown argument "--bogus"/);
    expect(parseReplayArgs(['--mimic3', 'D', '--all', '--split', 'even'])).toMatchObject({ all: true, split: 'even' });
    expect(() => parseReplayArgs(['--mimic3', 'D', '--all', '--split', 'half'])).toThrow(/--split must be odd or even, not "half"/);
    expect(splitOf('10117')).toBe('odd');
    expect(splitOf('42430')).toBe('even');
  });

  it('exits 2 naming the file when the data folder cannot be read', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await runReplayCli('replay', ['--mimic3', join(tmpdir(), 'no-such-mimic3-folder'), '--all'])).toBe(2);
    expect(String(err.mock.calls[0]?.[0])).toMatch(/cannot read patients.csv/);
  });

  it('writes one FHIR transaction Bundle per ICU stay', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const out = mkdtempSync(join(tmpdir(), 'mimic3-fhir-'));
    try {
      expect(await runReplayCli('mimic3-fhir', ['--mimic3', SAMPLE, '--out', out])).toBe(0);
      const files = readdirSync(out).sort();
      expect(files).toEqual(['mimic3-icustay-201204.json', 'mimic3-icustay-206504.json', 'mimic3-icustay-264446.json', 'mimic3-icustay-298685.json']);
      const b = JSON.parse(readFileSync(join(out, files[1]!), 'utf8')) as { resourceType: string; type: string; entry: unknown[] };
      expect(b).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
      expect(b.entry.length).toBeGreaterThan(50);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
