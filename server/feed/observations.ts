// Pure: one set of vital signs at one instant → FHIR R4 vital-sign Observations (LOINC codes,
// UCUM units, the vital-signs category), each with an identifier that makes a replay idempotent
// (POST with `If-None-Exist: identifier=system|value`).
import type { Observation } from '@medplum/fhirtypes';

/** A set of vitals measured together. Absent fields were not measured. */
export interface VitalsSample {
  /** When the vitals were measured (ISO 8601 instant). */
  effectiveIso: string;
  hrBpm?: number;
  sbpMmHg?: number;
  dbpMmHg?: number;
  spo2Pct?: number;
  rrPerMin?: number;
  tempC?: number;
}

/** Identifier system for device-gateway and monitor readings; values are unique per reading and vital. */
export const FEED_IDENTIFIER_SYSTEM = 'https://twinscope.dev/fhir/NamingSystem/vital-reading';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';

const VITAL_SIGNS_CATEGORY = [
  {
    coding: [
      { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' },
    ],
  },
];

interface QuantityVital {
  key: 'hrBpm' | 'spo2Pct' | 'rrPerMin' | 'tempC';
  loinc: string;
  display: string;
  unit: string;
  ucum: string;
  /** Extra codings the FHIR vital-signs profile expects (SpO2 carries both 59408-5 and 2708-6). */
  alsoLoinc?: { code: string; display: string }[];
}

const QUANTITY_VITALS: readonly QuantityVital[] = [
  { key: 'hrBpm', loinc: '8867-4', display: 'Heart rate', unit: 'beats/minute', ucum: '/min' },
  {
    key: 'spo2Pct',
    loinc: '59408-5',
    display: 'Oxygen saturation in Arterial blood by Pulse oximetry',
    unit: '%',
    ucum: '%',
    alsoLoinc: [{ code: '2708-6', display: 'Oxygen saturation in Arterial blood' }],
  },
  { key: 'rrPerMin', loinc: '9279-1', display: 'Respiratory rate', unit: 'breaths/minute', ucum: '/min' },
  { key: 'tempC', loinc: '8310-5', display: 'Body temperature', unit: 'C', ucum: 'Cel' },
];

export const BP_PANEL_LOINC = '85354-9';

export interface FeedObservation {
  /** The identifier value (system FEED_IDENTIFIER_SYSTEM); use it in If-None-Exist. */
  identifierValue: string;
  resource: Observation;
}

/**
 * Builds the Observations of one sample. `readingKey` identifies the reading uniquely and stably
 * (for example the patient and the instant, or a CSV file digest and row offset); the LOINC code
 * is appended so each vital of the reading has its own identifier.
 */
export function vitalsToObservations(patientId: string, sample: VitalsSample, readingKey: string, deviceLabel: string): FeedObservation[] {
  const out: FeedObservation[] = [];
  const base = (code: string, display: string, extra: { code: string; display: string }[] = []) => {
    const identifierValue = `${readingKey}:${code}`;
    const resource: Observation = {
      resourceType: 'Observation',
      status: 'final',
      category: VITAL_SIGNS_CATEGORY,
      code: { coding: [{ system: LOINC, code, display }, ...extra.map((e) => ({ system: LOINC, ...e }))], text: display },
      subject: { reference: `Patient/${patientId}` },
      effectiveDateTime: sample.effectiveIso,
      identifier: [{ system: FEED_IDENTIFIER_SYSTEM, value: identifierValue }],
      device: { display: deviceLabel },
    };
    return { identifierValue, resource };
  };
  for (const v of QUANTITY_VITALS) {
    const value = sample[v.key];
    if (value === undefined) continue;
    const o = base(v.loinc, v.display, v.alsoLoinc);
    o.resource.valueQuantity = { value, unit: v.unit, system: UCUM, code: v.ucum };
    out.push(o);
  }
  if (sample.sbpMmHg !== undefined || sample.dbpMmHg !== undefined) {
    const o = base(BP_PANEL_LOINC, 'Blood pressure panel with all children optional');
    const components: NonNullable<Observation['component']> = [];
    if (sample.sbpMmHg !== undefined) {
      components.push({
        code: { coding: [{ system: LOINC, code: '8480-6', display: 'Systolic blood pressure' }] },
        valueQuantity: { value: sample.sbpMmHg, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
      });
    }
    if (sample.dbpMmHg !== undefined) {
      components.push({
        code: { coding: [{ system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' }] },
        valueQuantity: { value: sample.dbpMmHg, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
      });
    }
    o.resource.component = components;
    out.push(o);
  }
  return out;
}

/** The If-None-Exist header value for a feed observation. */
export function ifNoneExistFor(identifierValue: string): string {
  // The system URL's characters are legal in a query string; the value is percent-encoded in case it holds '&' or '#'.
  return `identifier=${FEED_IDENTIFIER_SYSTEM}|${encodeURIComponent(identifierValue)}`;
}
