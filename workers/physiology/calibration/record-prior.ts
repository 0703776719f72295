// The calibration prior chosen from what the record says: diagnoses set the archetype weights,
// therapy and comorbidities shift or widen parameter priors. Every choice carries its reason and
// source, which the calibration report and docs/real-records.md repeat.
//
// Principle: a diagnosis raises the weight of its archetype; without one, the weight of a disease
// archetype is its prevalence in the patient's age group, so a record with no cardiac diagnosis and
// normal vitals cannot be pulled into heart failure or aortic stenosis by one odd reading.

import type { ModelParameters, ParameterName, PatientTraits } from '../../../core/domain/physiology';
import type { ConditionCategory, RecordCondition } from '../../../core/domain/clinical-record';
import { CONDITION_LABEL } from '../../../core/domain/clinical-record';
import { PARAMETER_SPECS } from '../parameters';
import { resolveParameters } from '../presets';
import type { PriorArchetype } from './calibrate';
import { DRUG_CLASS_LABEL, type MappedMedication } from './drug-classes';
import { CALIBRATED_PARAMETERS, type CalibratedParameter } from './priors';

export type ArchetypeLabel = 'healthy' | 'hypertensive' | 'hfref' | 'hfpef' | 'moderate-as' | 'severe-as';

export interface RecordPrior {
  archetypes: PriorArchetype[];
  calibrated: CalibratedParameter[];
  /** Why: one line per decision, each naming its record source and literature source. */
  reasons: string[];
  /** The cardiac diagnoses read (active), by category. */
  diagnoses: ConditionCategory[];
}

/**
 * Prevalence by age (fraction of the population), the weight of an undiagnosed disease archetype.
 * Heart failure: Rotterdam Study (Bleumink 2004, Eur Heart J 25:1614): 0.9 % at 55–64, 4.0 % at
 * 65–74, 9.7 % at 75–84, 17.4 % at ≥ 85; about half with reduced and half with preserved EF
 * (Dunlay 2017, Nat Rev Cardiol 14:591). Severe aortic stenosis: 3.4 % at ≥ 75 (Osnabrugge 2013,
 * JACC 62:1002); below 65 we take 0.2 % (assumption: calcific AS is rare before 65).
 */
export function undiagnosedPrevalence(ageYears: number): { hf: number; severeAs: number } {
  const hf = ageYears < 55 ? 0.005 : ageYears < 65 ? 0.009 : ageYears < 75 ? 0.04 : ageYears < 85 ? 0.097 : 0.174;
  const severeAs = ageYears < 65 ? 0.002 : ageYears < 75 ? 0.01 : 0.034;
  return { hf, severeAs };
}

const CARDIAC: ReadonlySet<ConditionCategory> = new Set([
  'hfref',
  'hfpef',
  'heart-failure',
  'aortic-stenosis',
  'hypertension',
  'atrial-fibrillation',
  'coronary-disease',
  'myocardial-infarction',
  'ckd',
  'diabetes',
]);

function scaled(p: ModelParameters, changes: Partial<Record<ParameterName, number>>): ModelParameters {
  const out = { ...p };
  for (const [name, factor] of Object.entries(changes) as [ParameterName, number][]) {
    const spec = PARAMETER_SPECS[name];
    out[name] = Math.min(spec.max, Math.max(spec.min, p[name] * factor));
  }
  return out;
}

function set(p: ModelParameters, values: Partial<Record<ParameterName, number>>): ModelParameters {
  return { ...p, ...values };
}

/** The prior for this patient from their active diagnoses and current therapy. */
export function priorFromRecord(patient: PatientTraits, conditions: readonly RecordCondition[], therapy: readonly MappedMedication[]): RecordPrior {
  const reasons: string[] = [];
  const active = conditions.filter((c) => c.active && CARDIAC.has(c.category));
  const has = (cat: ConditionCategory) => active.find((c) => c.category === cat);
  const diagnoses = [...new Set(active.map((c) => c.category))];
  const onDrug = (drug: MappedMedication['drug']) => therapy.find((m) => m.drug === drug);

  // ---- archetype parameters for this patient
  const healthy = resolveParameters({ preset: 'healthy', patient });
  const hypertension = has('hypertension');
  // Established essential hypertension: raised SVR (about +20 % on treatment) and stiffer large
  // arteries (Lund-Johansen 1991, J Hypertens 9:S3 twenty-year haemodynamics; Safar 2003 Circulation 107:2864).
  const base = hypertension ? scaled(healthy, { sysArtResistanceMmHgSPerMl: 1.2, sysArtComplianceMlPerMmHg: 0.8 }) : healthy;
  if (hypertension) {
    reasons.push(`hypertension (${hypertension.source}): the non-failing component is "hypertensive": resistance ×1.2, arterial compliance ×0.8 (Lund-Johansen 1991; Safar 2003)`);
  }
  // HFpEF: stiff LV (diastolic stiffness about doubled; Zile 2004 NEJM 350:1953), combined
  // ventricular systolic and arterial stiffening (end-systolic elastance 4.0 vs 2.3 mmHg/mL in
  // controls, ×1.7; Kawaguchi 2003 Circulation 107:714) and expanded stressed volume; EF preserved.
  const hfpef = scaled(base, { lvEbMmHgPerMl: 2.0, lvEaMmHgPerMl: 1.7, sysArtComplianceMlPerMmHg: 0.75, stressedVolumeFraction: 1.15 });
  const hfref = resolveParameters({ preset: 'hfref', patient });
  const severeAs = resolveParameters({ preset: 'severe-as', patient });
  // Moderate AS: area 1.0–1.5 cm² (Baumgartner 2017 / ACC-AHA grading), mild LV stiffening.
  const moderateAs = set(scaled(base, { lvEbMmHgPerMl: 1.3 }), { aorticValveEoaCm2: 1.25 });

  // ---- weights
  const prev = undiagnosedPrevalence(patient.ageYears);
  const w: Record<ArchetypeLabel, number> = { healthy: 0, hypertensive: 0, hfref: 0, hfpef: 0, 'moderate-as': 0, 'severe-as': 0 };
  const hfAny = has('heart-failure');
  const hfr = has('hfref');
  const hfp = has('hfpef');
  if (hfr) {
    w.hfref = 0.85;
    w.hfpef = 0.05;
    reasons.push(`${CONDITION_LABEL.hfref} coded (${hfr.source}): HFrEF 0.85, HFpEF 0.05, non-failing 0.10 (EF can recover on therapy)`);
  } else if (hfp) {
    w.hfpef = 0.85;
    w.hfref = 0.05;
    reasons.push(`${CONDITION_LABEL.hfpef} coded (${hfp.source}): HFpEF 0.85, HFrEF 0.05, non-failing 0.10`);
  } else if (hfAny) {
    const gdmt = onDrug('metoprolol') && (onDrug('ace-inhibitor') ?? onDrug('arb'));
    w.hfref = gdmt ? 0.55 : 0.45;
    w.hfpef = gdmt ? 0.35 : 0.45;
    reasons.push(
      `heart failure without EF type (${hfAny.source} "${hfAny.text}"): about half of heart failure has preserved EF (Dunlay 2017)` +
        (gdmt ? '; on a beta-blocker with an ACE inhibitor/ARB (HFrEF therapy, ESC 2021): HFrEF 0.55, HFpEF 0.35' : ': HFrEF 0.45, HFpEF 0.45') +
        ', non-failing 0.10; the echo EF, when present, decides between them',
    );
  } else {
    let hfW = prev.hf;
    const mi = has('myocardial-infarction');
    const loop = onDrug('furosemide');
    if (mi) {
      hfW *= 3;
      reasons.push(`myocardial infarction (${mi.source}): undiagnosed-HF weight ×3 (LV systolic dysfunction is common after MI)`);
    }
    if (loop) {
      hfW *= 3;
      reasons.push(`loop diuretic without a heart-failure diagnosis (${loop.source} "${loop.text}"): undiagnosed-HF weight ×3 (loop diuretics treat congestion)`);
    }
    hfW = Math.min(hfW, 0.5);
    w.hfref = hfW / 2;
    w.hfpef = hfW / 2;
    reasons.push(
      `no heart-failure diagnosis: HFrEF and HFpEF weights ${round(hfW / 2)} each = age-${Math.round(patient.ageYears)} prevalence${mi || loop ? ' (raised as above)' : ''} (Bleumink 2004; Dunlay 2017)`,
    );
  }
  const as = has('aortic-stenosis');
  if (as) {
    w['severe-as'] = 0.45;
    w['moderate-as'] = 0.45;
    reasons.push(`aortic stenosis coded (${as.source}), severity not coded: moderate and severe AS 0.45 each; the echo area/gradient decides`);
  } else {
    w['severe-as'] = prev.severeAs;
    reasons.push(`no aortic-stenosis diagnosis: severe-AS weight ${prev.severeAs} = age prevalence (Osnabrugge 2013)`);
  }
  const disease = w.hfref + w.hfpef + w['moderate-as'] + w['severe-as'];
  const nonFailing = Math.max(0.05, 1 - disease);
  if (hypertension) w.hypertensive = nonFailing;
  else w.healthy = nonFailing;

  // ---- parameter priors: therapy and comorbidity
  let hrFactor = 1;
  const rate = therapy.find((m) => m.rateLowering);
  if (rate) {
    // Beta-blockers lower resting HR by about 12 % in heart failure trials (McAlister 2009,
    // Ann Intern Med 150:784); rate-limiting calcium-channel blockers similarly.
    hrFactor = 0.88;
    reasons.push(`current ${rate.drug === 'metoprolol' ? DRUG_CLASS_LABEL.metoprolol : 'rate-limiting calcium-channel blocker'} (${rate.source} "${rate.text}"): HR prior ×0.88 (McAlister 2009)`);
  }
  const calibrated = CALIBRATED_PARAMETERS.map((c) => ({ ...c }));
  const widen = (name: ParameterName, sd: number, why: string) => {
    const c = calibrated.find((x) => x.name === name);
    if (c && sd > c.sdLog) {
      c.sdLog = sd;
      c.rationale = `${c.rationale}; widened: ${why}`;
    }
  };
  const af = has('atrial-fibrillation');
  if (af) {
    widen('heartRateBpm', 0.3, 'atrial fibrillation (ventricular rate varies; the model has no AF, HR is the mean rate)');
    reasons.push(`atrial fibrillation (${af.source}): HR prior SD of ln θ 0.2 → 0.3; the model beats regularly at the mean rate`);
  }
  const ckd = has('ckd');
  if (ckd) {
    widen('stressedVolumeFraction', 0.35, 'chronic kidney disease (fluid retention varies)');
    reasons.push(`chronic kidney disease (${ckd.source}): stressed-volume prior SD 0.25 → 0.35 (the model has no renal volume control)`);
  }
  for (const cat of ['diabetes', 'coronary-disease'] as const) {
    const c = has(cat);
    if (c) reasons.push(`${CONDITION_LABEL[cat]} (${c.source}): read; no haemodynamic parameter is specific enough to change`);
  }
  for (const m of therapy) {
    if (m.drug === 'metoprolol' || m.rateLowering) continue;
    reasons.push(`current ${m.drug !== undefined ? DRUG_CLASS_LABEL[m.drug] : 'drug'} (${m.source} "${m.text}"): fitted on-drug (its effect is in the calibrated parameters)`);
  }

  const params: Record<ArchetypeLabel, ModelParameters> = {
    healthy,
    hypertensive: base,
    hfref,
    hfpef,
    'moderate-as': moderateAs,
    'severe-as': severeAs,
  };
  const archetypes: PriorArchetype[] = (Object.keys(w) as ArchetypeLabel[])
    .filter((k) => w[k] > 0)
    .map((k) => ({ label: k, weight: w[k], params: hrFactor === 1 ? params[k] : scaled(params[k], { heartRateBpm: hrFactor }) }));
  const total = archetypes.reduce((s, a) => s + a.weight, 0);
  for (const a of archetypes) a.weight /= total;
  return { archetypes, calibrated, reasons, diagnoses };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
