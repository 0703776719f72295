// The calibration's input report as a person reads it: conversions grouped and counted per vital
// and unit ("SpO₂: 781 readings converted from % to fraction") instead of one line per reading;
// routine conversions (a unit the record commonly uses, converted exactly) are information, not
// a warning. Pure.
import type { VitalKind } from '../../core/vitals/fhir-vitals';
import { VITAL_NAME } from './clinicalNames';

export interface ConversionGroup {
  kind: VitalKind;
  label: string;
  fromUnit: string;
  toUnit: string;
  count: number;
  /** Exact, expected conversions (e.g. SpO₂ % → fraction, °F → °C) are not flagged. */
  routine: boolean;
  /** A few example sources (Observation/id), for whoever wants to check. */
  examples: string[];
}

/** Canonical unit words as people say them. */
const CANONICAL_WORD: Partial<Record<VitalKind, string>> = { spo2Fraction: 'fraction', lvefFraction: 'fraction', temperatureC: '°C' };

/**
 * Conversions between units that express the same quantity exactly (a scale factor or an affine
 * map): nothing is estimated, so they need no one's attention. Anything else (e.g. a pressure in
 * kPa where mmHg is usual) is still shown as a conversion worth a look.
 */
const ROUTINE_FROM: Partial<Record<VitalKind, readonly string[]>> = {
  spo2Fraction: ['%'],
  lvefFraction: ['%'],
  temperatureC: ['[degF]', '°F', 'degF', 'Cel', '°C'],
  hrBpm: ['{beats}/min', 'beats/min', '/min'],
  rrPerMin: ['{breaths}/min', 'breaths/min', '/min'],
  weightKg: ['[lb_av]', 'lb', 'g'],
  heightCm: ['m', '[in_i]', 'in', 'mm'],
};

/** "97 %" → "%": the unit part of the `from` text the calibration reports. */
export function unitOfFromText(from: string): string {
  const m = /^-?[\d.]+(?:e-?\d+)?\s*(.*)$/i.exec(from.trim());
  return (m?.[1] ?? from).trim() || '(no unit)';
}

export function groupConversions(converted: readonly { kind: VitalKind; from: string; source: string }[]): ConversionGroup[] {
  const groups = new Map<string, ConversionGroup>();
  for (const c of converted) {
    const fromUnit = unitOfFromText(c.from);
    const key = `${c.kind}|${fromUnit}`;
    let g = groups.get(key);
    if (!g) {
      const name = VITAL_NAME[c.kind];
      g = {
        kind: c.kind,
        label: name?.label ?? c.kind,
        fromUnit,
        toUnit: CANONICAL_WORD[c.kind] ?? name?.unit ?? '',
        count: 0,
        routine: (ROUTINE_FROM[c.kind] ?? []).includes(fromUnit),
        examples: [],
      };
      groups.set(key, g);
    }
    g.count++;
    if (g.examples.length < 3) g.examples.push(c.source);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

export function conversionText(g: ConversionGroup): string {
  return `${g.label}: ${g.count.toLocaleString('en')} reading${g.count === 1 ? '' : 's'} converted from ${g.fromUnit} to ${g.toUnit}`;
}

/** Implausible values grouped per vital and reason, with the range of values. */
export function groupImplausible(list: readonly { kind: VitalKind; value: number; reason: string }[]): { kind: VitalKind; label: string; reason: string; count: number }[] {
  const out = new Map<string, { kind: VitalKind; label: string; reason: string; count: number }>();
  for (const i of list) {
    const key = `${i.kind}|${i.reason}`;
    const g = out.get(key) ?? { kind: i.kind, label: VITAL_NAME[i.kind]?.label ?? i.kind, reason: i.reason, count: 0 };
    g.count++;
    out.set(key, g);
  }
  return [...out.values()].sort((a, b) => b.count - a.count);
}
