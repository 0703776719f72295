// What the twin cannot do for this patient, said where the clinician looks before reading any
// output (issue 12): refused (child, no patient) → no twin at all; no live forecast (deceased, no
// vitals, newest vital older than the forecast horizon) → "last reading N days ago" and the date the
// calibration stands "as of"; limitations (pregnancy, device, AF, congenital disease) named.
// The assessment itself is core/domain/clinical-record assessTwinCapability, made once per record.
import type { ReactNode } from 'react';
import { formatDaysAgo, type TwinCapability } from '../../../core/domain/clinical-record';
import { formatDate } from '../../ui/time-format';

/** A twin output may not be shown or used: the patient is refused, or there is nothing to calibrate to. */
export function twinRefused(c: TwinCapability | undefined): boolean {
  return c !== undefined && !c.canCalibrate;
}

/** Calibrated "as of" a past date, or not live: no forecast. */
export function noLiveForecast(c: TwinCapability | undefined): boolean {
  return c !== undefined && c.canCalibrate && !c.canForecast;
}

export function CapabilityNotice({ capability: c, what }: { capability: TwinCapability | undefined; what: 'forecast' | 'scenarios' }): ReactNode {
  if (!c) return null;
  const limitations = c.notes.filter((n) => n.effect === 'limitation');
  if (twinRefused(c)) {
    const refusal = c.notes.find((n) => n.effect === 'refuse');
    return (
      <div className="notice notice-warn capability" role="status" aria-label="What the twin cannot do" data-testid="twin-capability" data-capability="refused">
        <strong>{refusal ? 'No twin for this patient' : 'Nothing to calibrate the twin to'}.</strong>
        <span>
          {capitalise(c.headline)}. {what === 'forecast' ? 'No calibration or forecast is made; the record stays readable in Record and Imaging.' : 'No scenario can be run or plan accepted from a twin.'}
        </span>
      </div>
    );
  }
  if (noLiveForecast(c)) {
    const stale = c.notes.some((n) => n.code === 'stale-vitals');
    return (
      <div className="notice notice-warn capability" role="status" aria-label="What the twin cannot do" data-testid="twin-capability" data-capability="no-forecast">
        <strong>
          {c.deceased ? 'Patient deceased: no forecast.' : stale && c.lastVital ? `Last reading ${formatDaysAgo(c.lastVital.daysAgo)}: no live forecast.` : 'No live forecast.'}
        </strong>
        <span>
          {capitalise(c.headline)}.{' '}
          {c.asOf && !c.headline.includes('calibration as of') ? `The twin is calibrated as of ${formatDate(c.asOf)} (its newest reading). ` : ''}
          {what === 'scenarios' ? 'Scenarios run on the patient as they were then; a plan from this twin needs an explicit confirmation.' : 'Readings are shown as recorded; Recalibrate refits when new ones arrive.'}
        </span>
        {limitations.length > 0 && <LimitationList notes={limitations} />}
      </div>
    );
  }
  if (limitations.length === 0) return null;
  return (
    <div className="notice notice-info capability" role="status" aria-label="What the twin cannot do" data-testid="twin-capability" data-capability="limitations">
      <strong>The model lacks part of this patient’s physiology:</strong>
      <LimitationList notes={limitations} />
    </div>
  );
}

function LimitationList({ notes }: { notes: TwinCapability['notes'] }): ReactNode {
  return (
    <ul className="compact-list">
      {notes.map((n) => (
        <li key={n.code}>{capitalise(n.message)}</li>
      ))}
    </ul>
  );
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

