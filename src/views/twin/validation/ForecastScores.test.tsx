// @vitest-environment happy-dom
// The per-patient forecast scores in the Twin tab's Validation panel, from a store holding past
// forecasts and the readings that followed them.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/react';
import type { NormalisedObservation } from '../../../../core/vitals/fhir-vitals';
import type { IssuedForecast } from '../../../../core/vitals/forecastCoverage';
import { selectTwinPatient, twinStore } from '../../../twin/twinState';
import { coverageGrade, ForecastScores } from './ForecastScores';

afterEach(() => {
  cleanup();
  selectTwinPatient('none');
});

const T0 = Date.parse('2121-12-08T00:00:00Z');
const H = 3_600_000;
const band = (m: number) => ({ p05: m - 10, p25: m - 4, p50: m, p75: m + 4, p95: m + 10 });
const forecast = (issuedAtMs: number, m: number): IssuedForecast => ({
  id: `f${issuedAtMs}`,
  issuedAtMs,
  tSec: [0, 3 * 3600, 6 * 3600],
  bands: { mapMmHg: [band(m), band(m), band(m)] },
});
const reading = (tMs: number, value: number, implausible?: string): NormalisedObservation => ({
  kind: 'mapMmHg',
  value,
  unit: 'mm[Hg]',
  effective: new Date(tMs).toISOString(),
  timeMs: tMs,
  source: `Observation/m${tMs}`,
  loinc: '76214-6',
  converted: false,
  original: { value, unit: 'mm[Hg]' },
  ...(implausible ? { implausible } : {}),
});

describe('ForecastScores', () => {
  it('scores each past forecast at 1, 2 and 4 h against the reading then taken', () => {
    selectTwinPatient('p');
    twinStore.setState({ history: [forecast(T0, 80)] });
    // 1 h: 82 (inside 50 %); 2 h: 88 (inside 90 % only); 4 h: 100 (outside); a 0 artefact is not scored.
    const obs = [reading(T0 + H, 82), reading(T0 + 2 * H, 88), reading(T0 + 4 * H, 100), reading(T0 + 4 * H + 60_000, 0, 'mapMmHg 0 outside plausible range 20–250')];
    render(<ForecastScores observations={obs} />);
    const table = screen.getByRole('table', { name: 'Forecast scores by vital and horizon' });
    const rows = within(table).getAllByRole('row').slice(1).map((r) => r.textContent);
    expect(rows).toHaveLength(3);
    // One reading inside the 50 % band is 100 %: far above the nominal 50 %, marked as such.
    expect(rows[0]).toMatch(/^MAP1 h1100 % ↑100 %/);
    expect(rows[1]).toMatch(/^MAP2 h10 %.*100 %/);
    expect(rows[2]).toMatch(/^MAP4 h10 %.*0 %/);
    // Median error at 4 h: |100 − 80| = 20 mmHg.
    expect(rows[2]).toContain('20.0 mmHg');
  });

  it('scores a reading against its measurement site’s band where the forecast has one (the arterial line here)', () => {
    selectTwinPatient('p');
    // The aortic MAP band at 80, the radial line's at 95: a line reading of 96 is inside the latter's 50 %.
    const f = forecast(T0, 80);
    twinStore.setState({ history: [{ ...f, bands: { ...f.bands, 'mapMmHg@arterial': [band(95), band(95), band(95)] } }] });
    render(<ForecastScores observations={[reading(T0 + H, 96)]} />);
    const table = screen.getByRole('table', { name: 'Forecast scores by vital and horizon' });
    const rows = within(table).getAllByRole('row').slice(1).map((r) => r.textContent);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^MAP1 h1100 % ↑100 %/);
    expect(rows[0]).toContain('1.0 mmHg');
  });

  it('says so when no forecast has reached its horizon', () => {
    selectTwinPatient('p');
    twinStore.setState({ history: [forecast(T0, 80)] });
    render(<ForecastScores observations={[]} />);
    expect(screen.getByText('No forecast has reached its horizon yet.')).toBeTruthy();
  });

  it('grades coverage against its nominal level', () => {
    expect(coverageGrade(0.88, 0.9)).toBe('good');
    expect(coverageGrade(0.78, 0.9)).toBe('fair');
    expect(coverageGrade(0.6, 0.9)).toBe('off');
  });
});
