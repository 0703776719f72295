// Treatment scenario templates of the Scenarios tab: each is a named set of interventions with
// editable doses and timing, turned into an engine Scenario around the patient's calibrated
// parameters. Framework-free; the limits repeat the engine's validation (scenario.ts, pkpd.ts) so
// the form can refuse a bad dose before anything runs, and the engine still validates.

import type { Intervention, ModelParameters, PatientTraits, Scenario } from './physiology';

export type TemplateId = 'baseline' | 'tavr' | 'beta-blocker' | 'vasodilator' | 'inotrope' | 'fluid' | 'diuretic' | 'pacing';

export interface TemplateField {
  key: string;
  label: string;
  unit: string;
  min: number;
  max: number;
  step: number;
  default: number;
}

export interface ScenarioTemplate {
  id: TemplateId;
  label: string;
  /** One sentence for the cardiologist: what is simulated. */
  description: string;
  fields: readonly TemplateField[];
  interventions(values: Readonly<Record<string, number>>): Intervention[];
}

const START: TemplateField = { key: 'startMin', label: 'Start after', unit: 'min', min: 0, max: 1200, step: 5, default: 0 };
const min = (m: number) => Math.round(m * 60);

export const SCENARIO_TEMPLATES: readonly ScenarioTemplate[] = [
  {
    id: 'baseline',
    label: 'Current therapy (baseline)',
    description: 'No change: the calibrated twin on its current medication.',
    fields: [],
    interventions: () => [],
  },
  {
    id: 'tavr',
    label: 'TAVR',
    description: 'Transcatheter aortic valve replacement: the aortic valve effective orifice area becomes the prosthesis EOA.',
    fields: [{ key: 'eoaCm2', label: 'Prosthesis EOA', unit: 'cm²', min: 0.5, max: 4, step: 0.1, default: 1.7 }, { ...START, default: 60 }],
    interventions: (v) => [{ type: 'tavr', atSec: min(v.startMin ?? 60), eoaCm2: v.eoaCm2 ?? 1.7 }],
  },
  {
    id: 'beta-blocker',
    label: 'Beta-blocker up-titration',
    description: 'An extra oral metoprolol dose.',
    fields: [{ key: 'doseMg', label: 'Metoprolol (oral)', unit: 'mg', min: 12.5, max: 400, step: 12.5, default: 50 }, START],
    interventions: (v) => [{ type: 'drug', atSec: min(v.startMin ?? 0), drug: 'metoprolol', doseMg: v.doseMg ?? 50, route: 'oral' }],
  },
  {
    id: 'vasodilator',
    label: 'Vasodilator',
    description: 'Nitroprusside infusion (arterial and venous dilator).',
    fields: [{ key: 'rate', label: 'Nitroprusside', unit: 'µg/kg/min', min: 0.25, max: 10, step: 0.25, default: 1 }, START],
    interventions: (v) => [{ type: 'drug', atSec: min(v.startMin ?? 0), drug: 'nitroprusside', rateMcgPerKgPerMin: v.rate ?? 1 }],
  },
  {
    id: 'inotrope',
    label: 'Inotrope',
    description: 'Dobutamine infusion.',
    fields: [{ key: 'rate', label: 'Dobutamine', unit: 'µg/kg/min', min: 1, max: 40, step: 0.5, default: 5 }, START],
    interventions: (v) => [{ type: 'drug', atSec: min(v.startMin ?? 0), drug: 'dobutamine', rateMcgPerKgPerMin: v.rate ?? 5 }],
  },
  {
    id: 'fluid',
    label: 'Fluid bolus',
    description: 'Crystalloid bolus (stays intravascular in the model).',
    fields: [
      { key: 'volumeMl', label: 'Volume', unit: 'mL', min: 50, max: 2000, step: 50, default: 500 },
      { key: 'overMin', label: 'Over', unit: 'min', min: 1, max: 240, step: 1, default: 15 },
      START,
    ],
    interventions: (v) => [{ type: 'fluid', atSec: min(v.startMin ?? 0), volumeMl: v.volumeMl ?? 500, overSec: min(v.overMin ?? 15) }],
  },
  {
    id: 'diuretic',
    label: 'Diuretic',
    description: 'Furosemide IV bolus.',
    fields: [{ key: 'doseMg', label: 'Furosemide (IV)', unit: 'mg', min: 10, max: 250, step: 10, default: 40 }, START],
    interventions: (v) => [{ type: 'drug', atSec: min(v.startMin ?? 0), drug: 'furosemide', doseMg: v.doseMg ?? 40, route: 'iv' }],
  },
  {
    id: 'pacing',
    label: 'Pacing',
    description: 'Fixed-rate pacing.',
    fields: [{ key: 'hrBpm', label: 'Paced rate', unit: 'bpm', min: 30, max: 200, step: 1, default: 80 }, START],
    interventions: (v) => [{ type: 'pacing', atSec: min(v.startMin ?? 0), hrBpm: v.hrBpm ?? 80 }],
  },
];

export function templateById(id: TemplateId): ScenarioTemplate {
  const t = SCENARIO_TEMPLATES.find((x) => x.id === id);
  if (!t) throw new Error(`unknown scenario template "${id}"`);
  return t;
}

export function defaultValues(t: ScenarioTemplate): Record<string, number> {
  return Object.fromEntries(t.fields.map((f) => [f.key, f.default]));
}

/** A field value outside its range, in the cardiologist's words; undefined when all are valid. */
export function fieldError(t: ScenarioTemplate, values: Readonly<Record<string, number>>): string | undefined {
  for (const f of t.fields) {
    const v = values[f.key];
    if (v === undefined || !Number.isFinite(v)) return `${f.label}: enter a number in ${f.unit}.`;
    if (v < f.min || v > f.max) return `${f.label} must be between ${f.min} and ${f.max} ${f.unit} (got ${v}).`;
  }
  return undefined;
}

export interface ScenarioRunSettings {
  durationSec: number;
  ensemble: number;
  seed: number;
}

export const DEFAULT_RUN_SETTINGS: ScenarioRunSettings = { durationSec: 24 * 3600, ensemble: 200, seed: 1 };

/**
 * The engine scenario: the calibrated twin's full parameter set (MAP estimate, reflex closed at its
 * own MAP) as overrides, the patient's traits, the template's interventions. Written exactly as a
 * `twin simulate --scenario` file, so the CLI reproduces the UI's numbers from this JSON.
 */
export function buildScenario(
  t: ScenarioTemplate,
  values: Readonly<Record<string, number>>,
  twin: { patient: PatientTraits; parameters: ModelParameters },
  settings: ScenarioRunSettings = DEFAULT_RUN_SETTINGS,
): Scenario {
  const err = fieldError(t, values);
  if (err) throw new Error(err);
  return {
    patient: { ...twin.patient },
    parameters: { ...twin.parameters },
    interventions: t.interventions(values),
    durationSec: settings.durationSec,
    ensemble: settings.ensemble,
    seed: settings.seed,
  };
}

/** Plain-language summary of a scenario's interventions (plan text, CarePlan activity). */
export function describeInterventions(ivs: readonly Intervention[]): string[] {
  return ivs.map((iv) => {
    const at = iv.atSec > 0 ? ` at ${Math.round(iv.atSec / 60)} min` : ' now';
    switch (iv.type) {
      case 'tavr':
        return `TAVR, prosthesis EOA ${iv.eoaCm2} cm²${at}`;
      case 'drug':
        return 'rateMcgPerKgPerMin' in iv
          ? `${iv.drug} infusion ${iv.rateMcgPerKgPerMin} µg/kg/min${at}`
          : `${iv.drug} ${iv.doseMg} mg ${iv.route === 'iv' ? 'IV' : 'oral'}${at}`;
      case 'fluid':
        return `fluid bolus ${iv.volumeMl} mL over ${Math.round(iv.overSec / 60)} min${at}`;
      case 'hemorrhage':
        return `blood loss ${iv.volumeMl} mL over ${Math.round(iv.overSec / 60)} min${at}`;
      case 'pacing':
        return `pacing at ${iv.hrBpm} bpm${at}`;
    }
  });
}
