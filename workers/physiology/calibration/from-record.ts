// Calibrate the twin from a patient's normalised FHIR record (src/ingest/fhir-vitals): patient
// traits from the record (defaults named when absent), priors from the engine's healthy adult
// scaled to this body, observations = the latest plausible value of each kind.

import { PRESET_NAMES, type PatientTraits, type PresetName } from '../../../core/domain/physiology';
import type { MedicationInput, VitalsIngestResult } from '../../../core/vitals/fhir-vitals';
import { REFERENCE_PATIENT, resolveParameters } from '../presets';
import {
  calibrateTwin,
  observationsFromVitals,
  type CalibrationObservation,
  type CalibrationResult,
  type InputReport,
  type PriorArchetype,
} from './calibrate';
import type { FitOptions } from './fit';

export interface RecordCalibrationOptions {
  fit?: FitOptions;
  /**
   * Prior weight per archetype; default equal thirds (assumption: a cardiology population in
   * which healthy hearts, HFrEF and severe AS are all plausible before the data are seen).
   */
  archetypeWeights?: Partial<Record<PresetName, number>>;
  /**
   * Observations from outside the FHIR record, fitted alongside it: e.g. the LV end-diastolic
   * volume measured on the patient's segmented CT by the Anatomy work
   * (`{ key: 'lvedvMl', value, source: 'anatomy:<segmentation id>' }`). Noise defaults to the
   * output's noise model.
   */
  extraObservations?: readonly CalibrationObservation[];
}

/** One prior component per engine preset, resolved for this patient. */
export function archetypesFor(patient: PatientTraits, weights: Partial<Record<PresetName, number>> = {}): PriorArchetype[] {
  return PRESET_NAMES.filter((name) => (weights[name] ?? 1) > 0).map((name) => ({
    label: name,
    weight: weights[name] ?? 1,
    params: resolveParameters({ preset: name, patient }),
  }));
}

export interface RecordCalibrationResult extends CalibrationResult {
  patient: PatientTraits;
  /** Traits not in the record, filled from the reference adult. */
  patientDefaults: (keyof PatientTraits)[];
  inputs: InputReport;
  /** Current medications; their effect is already in the calibrated parameters (fitted on-drug). */
  medications: Pick<MedicationInput, 'drug' | 'drugClass' | 'text' | 'status'>[];
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
  const { patient, defaults } = traitsFromRecord(v);
  const base = resolveParameters({ preset: 'healthy', patient });
  const { observations, inputs } = observationsFromVitals(v);
  const archetypes = archetypesFor(patient, options.archetypeWeights);
  const all = [...observations, ...(options.extraObservations ?? [])];
  const result = calibrateTwin({ base, archetypes, observations: all, ...(options.fit ? { fit: options.fit } : {}) });
  return {
    ...result,
    patient,
    patientDefaults: defaults,
    inputs,
    medications: v.medications.map((m) => ({ drug: m.drug, drugClass: m.drugClass, text: m.text, status: m.status })),
  };
}
