// The plan a cardiologist records from the Scenarios tab (a CarePlan with its Provenance, built in
// twinRecords.ts): which decision it is — its identity, so the same decision on the same
// calibrated twin is one plan however often it is accepted or replayed — and what it says. Pure.
import type { Intervention } from './physiology';
import { describeInterventions } from './scenarioTemplates';
import { stableId } from './twinRecords';

/** What was chosen: a simulated scenario (with the interventions that ran), or an override in words. */
export type PlanChoice =
  | { kind: 'scenario'; templateId: string; label: string; interventions: readonly Intervention[] }
  | { kind: 'override'; text: string };

/**
 * The plan's id: the same decision on the same calibrated twin gives the same id (the conditional
 * create on it stops a second CarePlan); a new calibration is a new decision.
 */
export function planDecisionId(choice: PlanChoice, calibratedAtMs: number | undefined): string {
  const what = choice.kind === 'override' ? { override: choice.text.trim() } : { interventions: choice.interventions };
  return stableId(choice.kind === 'override' ? 'override' : choice.templateId, JSON.stringify({ what, calibratedAtMs }));
}

/** The CarePlan's title and activities: the interventions in words, or "continue current therapy" when there are none. */
export function planContent(choice: PlanChoice): { title: string; activities: string[] } {
  const title = choice.kind === 'override' ? choice.text.trim() : choice.label;
  const activities = choice.kind === 'override' ? [choice.text.trim()] : describeInterventions(choice.interventions);
  return activities.length === 0 ? { title: `${title}: continue current therapy`, activities: ['Continue current therapy'] } : { title, activities };
}
