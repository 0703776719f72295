import { describe, expect, it } from 'vitest';
import { clampWindow, lastWindow, panWindow, zoomWindow } from './timeWindow';

const H = 3_600_000;
const limits = { minMs: 0, maxMs: 100 * H, minSpanMs: 15 * 60_000 };

describe('timeline window', () => {
  it('zooms around the pointer: the instant under it stays put', () => {
    const w = { t0Ms: 10 * H, t1Ms: 20 * H };
    const z = zoomWindow(w, 0.5, 0.2, limits);
    expect(z.t1Ms - z.t0Ms).toBe(5 * H);
    // Anchor at 20 % = 12 h stays at 20 % of the new window.
    expect(z.t0Ms + 0.2 * (z.t1Ms - z.t0Ms)).toBeCloseTo(12 * H, 3);
  });
  it('never zooms below the minimum span or beyond the whole record', () => {
    const w = { t0Ms: 10 * H, t1Ms: 11 * H };
    const z = zoomWindow(w, 0.01, 0.5, limits);
    expect(z.t1Ms - z.t0Ms).toBe(15 * 60_000);
    const out = zoomWindow(w, 1000, 0.5, limits);
    expect(out).toEqual({ t0Ms: 0, t1Ms: 100 * H });
  });
  it('pans by a fraction of the window and stops at the ends keeping the span', () => {
    expect(panWindow({ t0Ms: 10 * H, t1Ms: 20 * H }, 0.5, limits)).toEqual({ t0Ms: 15 * H, t1Ms: 25 * H });
    expect(panWindow({ t0Ms: 90 * H, t1Ms: 98 * H }, 1, limits)).toEqual({ t0Ms: 92 * H, t1Ms: 100 * H });
    expect(clampWindow({ t0Ms: -5 * H, t1Ms: 1 * H }, limits)).toEqual({ t0Ms: 0, t1Ms: 6 * H });
  });
  it('"last hour" ends a quarter span after now, never past the forecast', () => {
    const now = 50 * H;
    expect(lastWindow(H, now, limits)).toEqual({ t0Ms: now - H, t1Ms: now + H / 4 });
    expect(lastWindow(H, now, { ...limits, maxMs: now + 60_000 })).toEqual({ t0Ms: now - H, t1Ms: now + 60_000 });
  });
});
