import { describe, expect, it } from 'vitest';
import { gaussianPercentiles, intervalScore, scorePoint, summarise, summariseByKeyAndHorizon, weightedIntervalScore } from './forecastScores';

// Closed-form CRPS of a Gaussian forecast (Gneiting & Raftery 2007, eq. 5): σ[z(2Φ(z)−1) + 2φ(z) − 1/√π].
function erf(x: number): number {
  // Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7)
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
const Phi = (z: number) => 0.5 * (1 + erf(z / Math.SQRT2));
const phi = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
const crpsGaussian = (mu: number, sd: number, y: number) => {
  const z = (y - mu) / sd;
  return sd * (z * (2 * Phi(z) - 1) + 2 * phi(z) - 1 / Math.sqrt(Math.PI));
};

describe('interval and weighted interval scores', () => {
  it('an interval score is the width inside and adds 2/α × the miss outside', () => {
    expect(intervalScore(10, 20, 0.1, 15)).toBe(10);
    expect(intervalScore(10, 20, 0.1, 25)).toBeCloseTo(10 + 20 * 5, 12);
    expect(intervalScore(10, 20, 0.5, 8)).toBeCloseTo(10 + 4 * 2, 12);
  });

  it('the WIS of a Gaussian forecast tracks its exact CRPS (ratio 0.86–0.94 for |z| ≤ 3)', () => {
    const p = gaussianPercentiles(80, 5);
    for (const y of [80, 85, 90, 95, 65]) {
      const r = weightedIntervalScore(p, y) / crpsGaussian(80, 5, y);
      expect(r).toBeGreaterThan(0.85);
      expect(r).toBeLessThan(0.94);
    }
  });

  it('expected WIS over outcomes drawn from the forecast is 0.88 × the expected CRPS σ/√π (quadrature, ±0.01)', () => {
    const sd = 4;
    const p = gaussianPercentiles(0, sd);
    let e = 0;
    const h = 0.01;
    for (let z = -8; z <= 8; z += h) e += weightedIntervalScore(p, z * sd) * phi(z) * h;
    expect(e / (sd / Math.sqrt(Math.PI))).toBeCloseTo(0.88, 2);
  });

  it('a sharper forecast centred on the outcome scores lower; a sharp wrong one scores higher', () => {
    const wide = weightedIntervalScore(gaussianPercentiles(100, 10), 100);
    const sharp = weightedIntervalScore(gaussianPercentiles(100, 2), 100);
    const wrong = weightedIntervalScore(gaussianPercentiles(80, 2), 100);
    expect(sharp).toBeLessThan(wide);
    expect(wrong).toBeGreaterThan(wide);
  });
});

describe('summaries', () => {
  it('counts coverage inclusively and averages errors per key and horizon', () => {
    const band = { p05: 60, p25: 70, p50: 75, p75: 80, p95: 90 };
    const pts = [scorePoint('mapMmHg', 1, band, 70), scorePoint('mapMmHg', 1, band, 85), scorePoint('mapMmHg', 1, band, 95), scorePoint('mapMmHg', 2, band, 75)];
    const s = summarise(pts.slice(0, 3));
    expect(s.n).toBe(3);
    expect(s.coverage50).toBeCloseTo(1 / 3, 12);
    expect(s.coverage90).toBeCloseTo(2 / 3, 12);
    expect(s.mae).toBeCloseTo((5 + 10 + 20) / 3, 12);
    expect(summariseByKeyAndHorizon(pts).map((r) => [r.key, r.horizonH, r.n])).toEqual([
      ['mapMmHg', 1, 3],
      ['mapMmHg', 2, 1],
    ]);
    expect(Number.isNaN(summarise([]).coverage90)).toBe(true);
  });
});
