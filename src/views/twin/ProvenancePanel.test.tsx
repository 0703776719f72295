// @vitest-environment happy-dom
// The Provenance region of the Twin tab, rendered from a real calibration of a small record.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { calibrationApi } from '../../../workers/physiology/calibration/api';
import { ProvenancePanel } from './ProvenancePanel';
import { ProgressBar } from './ProgressBar';

afterEach(cleanup);

const obs = (id: string, code: string, value: number, unit: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }] },
  effectiveDateTime: '2026-11-20T10:00:00Z',
  valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
});

describe('ProvenancePanel', () => {
  it('names model, inputs used / missing / implausible / converted, residuals and a confidence', () => {
    const cal = calibrationApi.calibrateFromFhir(
      [
        { resourceType: 'Patient', id: 'p', gender: 'female', birthDate: '1954-01-01' },
        obs('hr', '8867-4', 70, '/min'),
        obs('sbp', '8480-6', 130, 'mm[Hg]'),
        obs('dbp', '8462-4', 80, 'mm[Hg]'),
        obs('bad', '8867-4', 400, '/min'),
        obs('t', '8310-5', 98.6, '[degF]'),
      ],
      { fit: { ensembleSize: 20 } },
    );
    render(<ProvenancePanel calibration={cal} calibratedAtMs={Date.parse('2026-11-21T06:00:00Z')} assimilated={3} notAssimilated={1} />);
    const region = screen.getByRole('region', { name: 'Provenance' });
    expect(region.textContent).toContain('Twinscope physiology engine');
    expect(region.textContent).toContain('twinscope-calibration/1');
    expect(region.textContent).toMatch(/3 readings assimilated.*1 held back/);
    // Clinical names and units, conversions grouped and counted, no developer names by default.
    expect(region.textContent).toMatch(/Missing:.*LV ejection fraction/);
    expect(region.textContent).toMatch(/Implausible \(not used\):.*Heart rate: 1 reading/);
    expect(region.textContent).toMatch(/Temperature: 1 reading converted from \[degF\] to °C \(exact, routine\)/);
    expect(region.textContent).not.toContain('sysArtResistanceMmHgSPerMl');
    expect(region.textContent).toContain('Systemic vascular resistance');
    expect(region.textContent).toMatch(/Heart rate70 bpm/);
    fireEvent.click(within(region).getByRole('checkbox', { name: 'Show developer names' }));
    expect(region.textContent).toContain('sysArtResistanceMmHgSPerMl');
    const residuals = within(region).getByRole('table', { name: 'Calibration residuals' });
    expect(within(residuals).getAllByRole('row').length).toBe(1 + cal.residuals.length);
    expect(region.textContent).toMatch(/(high|moderate|low)/);
  }, 30_000);

  it('says why there is no twin when consent denies it', () => {
    render(<ProvenancePanel calibration={undefined} calibratedAtMs={undefined} assimilated={0} reason="consent denies digital-twin for this patient" />);
    expect(screen.getByRole('region', { name: 'Provenance' }).textContent).toContain('consent denies digital-twin');
  });
});

describe('ProgressBar', () => {
  it('exposes a progressbar with its percentage', () => {
    render(<ProgressBar label="Calibrating the twin" fraction={0.426} />);
    const bar = screen.getByRole('progressbar', { name: 'Calibrating the twin' });
    expect(bar.getAttribute('aria-valuenow')).toBe('43');
    expect(screen.getByText('43 %')).toBeTruthy();
  });
});
