// Runs in a zone with DST and a non-zero offset so that local-time alignment is really tested.
process.env.TZ = 'Europe/Paris';
import { describe, expect, it } from 'vitest';
import { formatAge, formatDateTime, formatTick, niceTimeTicks, niceValueTicks, utcOffsetLabel } from './time-format';

const H = 3_600_000;

describe('one time format', () => {
  it('formats ISO date, 24-hour clock and the UTC offset of the local zone', () => {
    // 2026-12-07T13:05:09Z is 14:05:09 in Paris (CET, UTC+1).
    expect(formatDateTime('2026-12-07T13:05:09Z')).toBe('2026-12-07 14:05 UTC+01:00');
    expect(formatDateTime(Date.parse('2026-12-07T13:05:09Z'), { seconds: true })).toBe('2026-12-07 14:05:09 UTC+01:00');
    // Summer time: CEST, UTC+2.
    expect(formatDateTime('2026-07-01T22:30:00Z')).toBe('2026-07-02 00:30 UTC+02:00');
    expect(utcOffsetLabel(Date.parse('2026-07-01T00:00:00Z'))).toBe('UTC+02:00');
  });

  it('says so instead of printing NaN for a bad time', () => {
    expect(formatDateTime(Number.NaN)).toBe('—');
    expect(formatDateTime('not a time')).toBe('not a time');
  });

  it('formats ages in the largest useful unit', () => {
    expect(formatAge(4_000)).toBe('4 s');
    expect(formatAge(5 * 60_000 + 10_000)).toBe('5 min');
    expect(formatAge(2 * H + 5 * 60_000)).toBe('2 h 05 min');
    expect(formatAge(3 * 24 * H + 1)).toBe('3 d');
    expect(formatAge(-50)).toBe('0 s');
  });
});

describe('niceTimeTicks', () => {
  const localMinutes = (t: number) => {
    const d = new Date(t);
    return d.getHours() * 60 + d.getMinutes();
  };

  it('puts 1-hour window ticks on round clock minutes (no 44, 55, 66)', () => {
    const t0 = Date.parse('2026-12-07T13:07:31Z');
    const { ticksMs, stepMs } = niceTimeTicks(t0, t0 + H, 8);
    expect(stepMs).toBe(10 * 60_000);
    expect(ticksMs.length).toBeGreaterThanOrEqual(5);
    expect(ticksMs.length).toBeLessThanOrEqual(8);
    for (const t of ticksMs) {
      expect(localMinutes(t) % 10).toBe(0);
      expect(new Date(t).getSeconds()).toBe(0);
      expect(t).toBeGreaterThanOrEqual(t0);
      expect(t).toBeLessThanOrEqual(t0 + H);
    }
    expect(ticksMs.map((t) => formatTick(t, stepMs))).toEqual(['14:10', '14:20', '14:30', '14:40', '14:50', '15:00']);
  });

  it('aligns 6-hour ticks to local midnight across a DST change and labels midnight with the date', () => {
    // 2026-03-29: Paris moves from UTC+1 to UTC+2 at 02:00 local.
    const t0 = Date.parse('2026-03-28T00:00:00Z');
    const { ticksMs, stepMs } = niceTimeTicks(t0, t0 + 48 * H, 8);
    expect(stepMs).toBe(6 * H);
    for (const t of ticksMs) expect(localMinutes(t) % 360).toBe(0);
    expect(ticksMs.map((t) => formatTick(t, stepMs))).toContain('03-29 00:00');
    // Strictly increasing, no duplicates.
    for (let i = 1; i < ticksMs.length; i++) expect(ticksMs[i]!).toBeGreaterThan(ticksMs[i - 1]!);
  });

  it('uses days, months and years for long windows', () => {
    const t0 = Date.parse('2026-01-10T00:00:00Z');
    const week = niceTimeTicks(t0, t0 + 7 * 24 * H, 8);
    expect(week.stepMs).toBe(24 * H);
    for (const t of week.ticksMs) expect(localMinutes(t)).toBe(0);
    const year = niceTimeTicks(t0, t0 + 365 * 24 * H, 8);
    expect(formatTick(year.ticksMs[0]!, year.stepMs)).toMatch(/^2026-(0[2-9]|1[0-2])$/);
    for (const t of year.ticksMs) expect(new Date(t).getDate()).toBe(1);
    const decade = niceTimeTicks(t0, t0 + 10 * 365 * 24 * H, 8);
    expect(decade.ticksMs.length).toBeLessThanOrEqual(8);
    for (const t of decade.ticksMs) expect(new Date(t).getMonth()).toBe(0);
  });

  it('returns nothing for an empty or reversed window', () => {
    expect(niceTimeTicks(5, 5).ticksMs).toEqual([]);
    expect(niceTimeTicks(10, 5).ticksMs).toEqual([]);
  });
});

describe('niceValueTicks', () => {
  it('uses round steps covering the data (no 42, 49, 56)', () => {
    expect(niceValueTicks(42.3, 70.1, 5)).toEqual([40, 50, 60, 70, 80]);
    expect(niceValueTicks(94.2, 97.8, 5)).toEqual([94, 95, 96, 97, 98]);
    expect(niceValueTicks(36.4, 36.9, 5)).toEqual([36.4, 36.6, 36.8, 37]);
    expect(niceValueTicks(5, 5, 5).length).toBeGreaterThan(1);
    expect(niceValueTicks(Number.NaN, 1)).toEqual([]);
  });
});
