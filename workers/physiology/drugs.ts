// The modelled drugs, for code that maps real medication records onto the engine (helper
// "records" maps RxNorm codes to these names). Pure data, no engine imports beyond pkpd.ts.
//
// CONTRACT: a record's medication becomes `{ type: 'drug', drug, doseMg, route: 'oral' }`.
// For the chronic classes (`maintenance`), `doseMg` is the DAILY dose expressed in milligrams of
// the class's representative agent, and the drug acts at steady state from `atSec` (a patient
// who has taken it for weeks). Convert another agent of the class by the ratio of standard doses:
// doseMg = recordDailyMg × referenceDailyDoseMg / (that agent's standard daily dose).
import { DRUG_NAMES, type DrugName, type DrugRoute } from '../../core/domain/physiology';
import { DRUGS } from './pkpd';

export interface ModelledDrug {
  name: DrugName;
  /** Routes that take doseMg; empty for infusion-only drugs. */
  routes: readonly DrugRoute[];
  /** Infusion in µg/kg/min is allowed. */
  infusion: boolean;
  /** Reference dose: the daily dose (chronic classes), a usual single dose (mg), or a usual infusion rate. */
  referenceDose: { doseMg: number; route: DrugRoute } | { rateMcgPerKgPerMin: number };
  /** Chronic maintenance class (steady state from the time given). */
  maintenance: boolean;
  representativeAgent?: string;
  maxDoseMg: number;
  source: string;
}

const ACUTE_REFERENCE: Readonly<Record<string, ModelledDrug['referenceDose'] & { source: string }>> = {
  metoprolol: { doseMg: 50, route: 'oral', source: 'usual oral dose 25–100 mg (Regårdh & Johnsson 1980)' },
  furosemide: { doseMg: 40, route: 'iv', source: 'usual IV dose 20–80 mg (Brater 1998)' },
  dobutamine: { rateMcgPerKgPerMin: 5, source: 'usual infusion 2.5–10 µg/kg/min (Leier 1978)' },
  nitroprusside: { rateMcgPerKgPerMin: 1, source: 'usual infusion 0.5–3 µg/kg/min (Friederich & Butterworth 1995)' },
};

function describeDrug(name: DrugName): ModelledDrug {
  const spec = DRUGS[name];
  if (spec.maintenance) {
    return {
      name,
      routes: spec.doseRoutes,
      infusion: spec.infusion,
      referenceDose: { doseMg: spec.maintenance.referenceDailyDoseMg, route: 'oral' },
      maintenance: true,
      representativeAgent: spec.maintenance.representativeAgent,
      maxDoseMg: spec.maxDoseMg,
      source: spec.maintenance.referenceSource,
    };
  }
  const ref = ACUTE_REFERENCE[name];
  if (!ref) throw new Error(`drugs.ts: no reference dose for "${name}"`);
  const { source, ...referenceDose } = ref;
  return { name, routes: spec.doseRoutes, infusion: spec.infusion, referenceDose, maintenance: false, maxDoseMg: spec.maxDoseMg, source };
}

/** Every modelled drug with its reference dose, in DRUG_NAMES order. */
export const MODELLED_DRUGS: readonly ModelledDrug[] = DRUG_NAMES.map(describeDrug);
export const MODELLED_DRUG_NAMES: readonly DrugName[] = DRUG_NAMES;
/** The chronic oral classes real records carry (maintenance regimens). */
export const CHRONIC_DRUG_CLASSES = ['ace-inhibitor', 'arb', 'calcium-channel-blocker', 'thiazide', 'nitrate'] as const satisfies readonly DrugName[];

export function modelledDrug(name: DrugName): ModelledDrug {
  return MODELLED_DRUGS.find((d) => d.name === name)!;
}
