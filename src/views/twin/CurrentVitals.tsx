// `Current vitals`: the latest reading of each vital in large type with its age and trend; a
// stale value is struck through, dashed and labelled STALE with its age, so a number too old to
// act on never looks current. Vitals with an open band alert take the alert's severity colour.
// Re-renders every second on its own (the age), without redrawing the timeline.
import { useEffect, useState, type ReactNode } from 'react';
import type { BandAlert } from '../../../core/vitals/forecastCoverage';
import type { TimelineKind, VitalSeries } from '../../../core/vitals/vitalSeries';
import { alertSeverity, ALERT_SEVERITY_LABEL, currentVitals, STALE_AFTER_MS, type CurrentVital } from '../../twin/currentVitals';
import { formatAge, formatClock, formatDateTime } from '../../ui/time-format';

const SHOWN: readonly { kind: TimelineKind; label: string; unit: string; scale: number; decimals: number }[] = [
  { kind: 'hrBpm', label: 'HR', unit: 'bpm', scale: 1, decimals: 0 },
  { kind: 'sbpMmHg', label: 'SBP', unit: 'mmHg', scale: 1, decimals: 0 },
  { kind: 'dbpMmHg', label: 'DBP', unit: 'mmHg', scale: 1, decimals: 0 },
  { kind: 'mapMmHg', label: 'MAP', unit: 'mmHg', scale: 1, decimals: 0 },
  { kind: 'spo2Fraction', label: 'SpO₂', unit: '%', scale: 100, decimals: 0 },
  { kind: 'rrPerMin', label: 'RR', unit: '/min', scale: 1, decimals: 0 },
  { kind: 'temperatureC', label: 'Temp', unit: '°C', scale: 1, decimals: 1 },
];

function trendText(v: CurrentVital, scale: number, decimals: number, unit: string): { arrow: string; text: string } {
  if (!v.trend) return { arrow: '', text: 'no trend yet' };
  const arrow = v.trend.direction === 'rising' ? '▲' : v.trend.direction === 'falling' ? '▼' : '▶';
  const change = v.trend.change * scale;
  const signed = `${change >= 0 ? '+' : '−'}${Math.abs(change).toFixed(decimals)}`;
  return { arrow, text: `${v.trend.direction} ${signed} ${unit} in 15 min` };
}

function useClock(periodMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(id);
  }, [periodMs]);
  return now;
}

export function CurrentVitals({ series, alerts }: { series: ReadonlyMap<TimelineKind, VitalSeries>; alerts: readonly BandAlert[] }): ReactNode {
  const nowMs = useClock(1000);
  const current = currentVitals(series, nowMs, SHOWN.map((s) => s.kind));
  const byKind = new Map(current.map((c) => [c.kind, c]));
  return (
    <section aria-label="Current vitals" className="current-vitals">
      <h2 className="sr-only">Current vitals</h2>
      {current.length === 0 ? (
        <p className="muted">No vital signs in the record yet.</p>
      ) : (
        <ul className="vitals-strip">
          {SHOWN.filter((s) => byKind.has(s.kind)).map((s) => {
            const v = byKind.get(s.kind)!;
            const alert = alerts.find((a) => a.key === s.kind);
            const severity = alert ? alertSeverity(alert) : undefined;
            const value = (v.value * s.scale).toFixed(s.decimals);
            const trend = trendText(v, s.scale, s.decimals, s.unit);
            const age = formatAge(v.ageMs);
            const name = `${s.label} ${value} ${s.unit}, ${v.stale ? `STALE, last reading ${age} ago` : `${age} ago`}, ${trend.text}${severity ? `, ${ALERT_SEVERITY_LABEL[severity]} alert` : ''}`;
            return (
              <li
                key={s.kind}
                className={`vital-tile${v.stale ? ' stale' : ''}${severity ? ` alarm-${severity}` : ''}`}
                aria-label={name}
                data-vital={s.kind}
                data-stale={v.stale}
                title={`${formatDateTime(v.tMs, { seconds: true })} · ${v.source}${v.stale ? ` · stale after ${formatAge(STALE_AFTER_MS[s.kind])}` : ''}`}
              >
                <span className="vital-name">
                  <span>{s.label}</span>
                  {v.stale ? <span className="vital-stale-label">STALE</span> : severity && <span className="alarm-severity">{ALERT_SEVERITY_LABEL[severity]}</span>}
                </span>
                <span className="vital-value">
                  {value}
                  <span className="vital-unit">{s.unit}</span>
                </span>
                <span className="vital-meta">
                  <span className="vital-age">
                    {formatClock(v.tMs)} · {age} ago
                  </span>
                  <span title={trend.text}>{trend.arrow}</span>
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
