// How far a plan accepted from the twin can lean on it (issue 12, "confidence travels with every
// output"): the calibration's confidence, the inputs it lacked, whether it is live or "as of" an
// old reading, and whether accepting a plan from it needs an explicit confirmation. The same facts
// go into the plan's Provenance (core/domain/twinRecords carePlanBundle `confidence`). Pure.
import type { RecordCalibrationResult } from '../../core/vitals/twin';
import { formatDaysAgo } from '../../core/domain/clinical-record';
import { VITAL_NAME } from './clinicalNames';
import { confidenceText } from './twinState';

export interface PlanConfidence {
  level: 'high' | 'moderate' | 'low';
  /** The plain-language confidence (confidenceText) without its "Confidence x:" prefix. */
  text: string;
  /** Clinical names of the expected inputs the record lacked. */
  missing: string[];
  /** Calibrated "as of" this date (ISO), not live: no forecast (stale vitals, deceased). */
  asOf: string | undefined;
  /** Why an explicit confirmation is needed; empty when it is not. */
  confirmReasons: string[];
}

export function planConfidence(cal: RecordCalibrationResult): PlanConfidence {
  const conf = confidenceText(cal);
  const missing = cal.inputs.missing.map((k) => VITAL_NAME[k]?.label ?? k);
  const cap = cal.capability;
  const notLive = cap !== undefined && !cap.canForecast;
  const confirmReasons: string[] = [];
  if (conf.level === 'low') confirmReasons.push(`the calibration's confidence is low (${conf.text.replace(/^Confidence \w+: /, '').replace(/\.\s*Bands show.*$/, '')})`);
  if (notLive && cap) {
    const before = confirmReasons.length;
    if (cap.deceased) confirmReasons.push('the patient is recorded as deceased');
    const last = cap.lastVital;
    if (cap.notes.some((n) => n.code === 'stale-vitals') && last) {
      confirmReasons.push(`the twin is stale: last reading ${formatDaysAgo(last.daysAgo)} (${last.date.slice(0, 10)}), calibrated as of that date`);
    }
    if (confirmReasons.length === before && cap.headline) confirmReasons.push(cap.headline);
  }
  return { level: conf.level, text: conf.text.replace(/^Confidence \w+: /, ''), missing, asOf: notLive ? cap?.asOf : undefined, confirmReasons };
}

/** One line for the plan's Provenance: level, missing inputs, "as of". */
export function confidenceLine(p: PlanConfidence): string {
  return [
    `calibration confidence ${p.level}`,
    p.missing.length ? `missing inputs: ${p.missing.join(', ')}` : 'no expected input missing',
    ...(p.asOf ? [`calibrated as of ${p.asOf.slice(0, 10)} (no live data)`] : []),
  ].join('; ');
}
