import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CsvError, parseVitalsCsv } from './csv';

const here = import.meta.dirname;

function errorOf(text: string): CsvError {
  try {
    parseVitalsCsv(text);
  } catch (err) {
    if (err instanceof CsvError) return err;
    throw err;
  }
  throw new Error('expected a CsvError');
}

describe('parseVitalsCsv', () => {
  it('parses the example file shipped with the CLI', () => {
    const parsed = parseVitalsCsv(readFileSync(join(here, 'example-vitals.csv'), 'utf8'));
    expect(parsed.timeColumn).toBe('t_offset_sec');
    expect(parsed.rows.length).toBeGreaterThanOrEqual(10);
    const first = parsed.rows[0];
    expect(first?.offsetSec).toBe(0);
    expect(first?.vitals.hrBpm).toBeGreaterThan(40);
    expect(first?.vitals.sbpMmHg).toBeGreaterThan(first?.vitals.dbpMmHg ?? Infinity);
  });

  it('accepts ISO times, any column order, comments and empty (unmeasured) cells', () => {
    const parsed = parseVitalsCsv('# bedside export\nspo2_pct,time_iso,hr_bpm\n97,2026-03-01T08:00:00+01:00,72\n\n,2026-03-01T08:00:05Z,73\n');
    expect(parsed.timeColumn).toBe('time_iso');
    expect(parsed.rows).toEqual([
      { line: 3, offsetSec: null, timeIso: '2026-03-01T07:00:00.000Z', vitals: { spo2Pct: 97, hrBpm: 72 } },
      { line: 5, offsetSec: null, timeIso: '2026-03-01T08:00:05.000Z', vitals: { hrBpm: 73 } },
    ]);
  });

  it('names the line and column of a bad value', () => {
    const e = errorOf('t_offset_sec,hr_bpm,sbp_mmhg\n0,70,120\n5,abc,121\n');
    expect(e.line).toBe(3);
    expect(e.column).toBe('hr_bpm');
    expect(e.message).toMatch(/^line 3, column hr_bpm: "abc" is not a number/);
  });

  it('refuses implausible values, with the range', () => {
    const e = errorOf('t_offset_sec,spo2_pct\n0,101\n');
    expect(e.message).toBe('line 2, column spo2_pct: 101 is outside the plausible range 50..100 for SpO2 in percent');
  });

  it('refuses diastolic at or above systolic', () => {
    expect(errorOf('t_offset_sec,sbp_mmhg,dbp_mmhg\n0,80,90\n').column).toBe('dbp_mmhg');
  });

  it('refuses columns without units and suggests the right name', () => {
    const e = errorOf('t_offset_sec,hr\n0,70\n');
    expect(e.line).toBe(1);
    expect(e.column).toBe('hr');
    expect(e.message).toMatch(/did you mean hr_bpm/);
    expect(errorOf('t_offset_sec,temp_f\n0,98\n').message).toMatch(/convert °F to °C/);
  });

  it('needs exactly one time column and at least one vital', () => {
    expect(errorOf('hr_bpm\n70\n').message).toMatch(/exactly one time column/);
    expect(errorOf('t_offset_sec,time_iso,hr_bpm\n0,2026-01-01T00:00:00Z,70\n').message).toMatch(/exactly one time column/);
    expect(errorOf('t_offset_sec\n0\n').message).toMatch(/no vital-sign column/);
  });

  it('refuses ragged rows, duplicate columns, empty files, negative offsets and zone-less times', () => {
    expect(errorOf('t_offset_sec,hr_bpm\n0,70,1\n').message).toMatch(/^line 2: expected 2 cells/);
    expect(errorOf('t_offset_sec,hr_bpm,hr_bpm\n0,70,71\n').message).toMatch(/appears twice/);
    expect(errorOf('').message).toMatch(/no header row/);
    expect(errorOf('t_offset_sec,hr_bpm\n').message).toMatch(/no data rows/);
    expect(errorOf('t_offset_sec,hr_bpm\n-5,70\n').column).toBe('t_offset_sec');
    expect(errorOf('time_iso,hr_bpm\n2026-01-01T00:00:00,70\n').message).toMatch(/time zone/);
    expect(errorOf('t_offset_sec,hr_bpm\n0,\n').message).toMatch(/no vital-sign value/);
  });

  it('property: arbitrary text either parses or fails with a CsvError naming a line (never another exception)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (body) => {
        try {
          const parsed = parseVitalsCsv(`t_offset_sec,hr_bpm,sbp_mmhg,dbp_mmhg\n${body}`);
          for (const r of parsed.rows) expect(r.line).toBeGreaterThanOrEqual(2);
        } catch (err) {
          expect(err).toBeInstanceOf(CsvError);
          expect((err as CsvError).line).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});
