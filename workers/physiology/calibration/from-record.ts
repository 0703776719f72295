// Calibrate the twin from a patient's normalised FHIR record (src/ingest/fhir-vitals): patient
// traits from the record (defaults named when absent), the prior from the record's diagnoses and
// therapy (record-prior.ts), observations = the latest plausible value of each kind, older ones
// weighing less. What the twin cannot do for this patient (core/domain/clinical-record
// assessTwinCapability) is checked first: a refusal throws TwinRefusedError with the reason.

import { PRESET_NAMES, type PatientTraits, type PresetName } from '../../../core/domain/physiology';
import { assessTwinCapability, readClinicalRecord, resourcesOf, type TwinCapability } from '../../../core/domain/clinical-record';
import type { VitalsIngestResult } from '../../../core/vitals/fhir-vitals';
import { REFERENCE_PATIENT, resolveParameters } from '../presets';
import { calibrateTwin, observationsFromVitals, type PriorArchetype } from './calibrate';
import { currentTherapy, mapMedications } from './drug-classes';
import type { ClinicalInputs, RecordCalibrationOptions, RecordCalibrationResult } from '../../../core/vitals/twin';
export type { ClinicalInputs, RecordCalibrationOptions, RecordCalibrationResult } from '../../../core/vitals/twin';
import { priorFromRecord } from './record-prior';

/** Reads diagnoses, devices and medications from a FHIR Bundle, resource or array (pure, total). */
export function clinicalInputsOf(input: unknown): ClinicalInputs {
  const resources = resourcesOf(input);
  const byRef = new Map<string, Record<string, unknown>>();
  for (const r of resources) if (typeof r.id === 'string') byRef.set(`${String(r.resourceType)}/${r.id}`, r);
  if (typeof input === 'object' && input !== null && (input as { resourceType?: unknown }).resourceType === 'Bundle') {
    for (const e of ((input as { entry?: unknown }).entry as unknown[] | undefined) ?? []) {
      const entry = e as { fullUrl?: unknown; resource?: Record<string, unknown> } | null;
      if (entry && typeof entry.fullUrl === 'string' && entry.resource) byRef.set(entry.fullUrl, entry.resource);
    }
  }
  return { record: readClinicalRecord(resources), medications: mapMedications(resources, byRef) };
}

/** The twin refuses this patient (e.g. under 18): `capability` says why. */
export class TwinRefusedError extends Error {
  constructor(readonly capability: TwinCapability) {
    super(`no twin for this patient: ${capability.headline}`);
    this.name = 'TwinRefusedError';
  }
}

/** One prior component per engine preset, resolved for this patient. */
export function archetypesFor(patient: PatientTraits, weights: Partial<Record<PresetName, number>> = {}): PriorArchetype[] {
  return PRESET_NAMES.filter((name) => (weights[name] ?? 1) > 0).map((name) => ({
    label: name,
    weight: weights[name] ?? 1,
    params: resolveParameters({ preset: name, patient }),
  }));
}

/** Clamp to the engine's adult ranges (presets.checkPatient), naming what was clamped. */
function traitsFromRecord(v: VitalsIngestResult): { patient: PatientTraits; defaults: (keyof PatientTraits)[] } {
  const p = v.patients[0];
  const defaults: (keyof PatientTraits)[] = [];
  const pick = <K extends keyof PatientTraits>(k: K, value: PatientTraits[K] | undefined, lo?: number, hi?: number): PatientTraits[K] => {
    if (value === undefined) {
      defaults.push(k);
      return REFERENCE_PATIENT[k];
    }
    if (typeof value === 'number' && lo !== undefined && hi !== undefined) {
      return Math.min(hi, Math.max(lo, value)) as PatientTraits[K];
    }
    return value;
  };
  return {
    patient: {
      sex: pick('sex', p?.sex),
      ageYears: pick('ageYears', p?.ageYears, 18, 110),
      heightCm: pick('heightCm', v.latest.heightCm?.value, 120, 230),
      weightKg: pick('weightKg', v.latest.weightKg?.value, 30, 250),
    },
    defaults,
  };
}

export function calibrateFromRecord(v: VitalsIngestResult, options: RecordCalibrationOptions = {}): RecordCalibrationResult {
  if (v.patients.length > 1) {
    throw new Error(`calibration needs the record of one patient; this input holds ${v.patients.length} patients`);
  }
  const capability = options.clinical ? assessTwinCapability(options.clinical.record, options.now !== undefined ? { now: options.now } : {}) : undefined;
  if (capability && capability.notes.some((n) => n.effect === 'refuse')) throw new TwinRefusedError(capability);
  const vitalsAge = v.patients[0]?.ageYears;
  if (vitalsAge !== undefined && vitalsAge < 18) {
    throw new Error(`no twin for this patient: patient is ${Math.floor(vitalsAge)} y at the newest reading; the physiology model is adult-only (18 y and over)`);
  }
  const { patient, defaults } = traitsFromRecord(v);
  const base = resolveParameters({ preset: 'healthy', patient });
  const { observations, inputs } = observationsFromVitals(v);
  const therapy = options.clinical ? currentTherapy(options.clinical.medications) : undefined;
  const recordPrior = options.clinical && !options.archetypeWeights ? priorFromRecord(patient, options.clinical.record.conditions, therapy ?? [], inputs.used) : undefined;
  const archetypes = recordPrior ? recordPrior.archetypes : archetypesFor(patient, options.archetypeWeights);
  const all = [...observations, ...(options.extraObservations ?? [])];
  const result = calibrateTwin({
    base,
    archetypes,
    observations: all,
    ...(recordPrior ? { calibrated: recordPrior.calibrated } : {}),
    ...(options.fit ? { fit: options.fit } : {}),
  });
  return {
    ...result,
    patient,
    patientDefaults: defaults,
    inputs,
    medications: v.medications.map((m) => ({ drug: m.drug, drugClass: m.drugClass, text: m.text, status: m.status })),
    ...(capability ? { capability } : {}),
    ...(recordPrior ? { prior: { reasons: recordPrior.reasons, diagnoses: recordPrior.diagnoses } } : {}),
    ...(therapy ? { therapy } : {}),
  };
}
