// Accepting a plan from the Scenarios tab (zustand, vanilla store): the choice (a scenario with
// results, or an override in words), the reason, the explicit confirmation a plan from a weak twin
// needs (issue 12), and the decisions already recorded, so the same plan is not written twice.
// Recording goes through an injected `PlanRecorder` (src/sources/carePlans.ts `recordCarePlan`:
// CarePlan + Provenance in one transaction, through the outbox); the plan's identity and words are
// pure (core/domain/scenarioPlan.ts). Per patient, like the scenarios it chooses from.
import { createStore, useStore } from 'zustand';
import { planContent, planDecisionId, type PlanChoice } from '../../core/domain/scenarioPlan';
import type { Actor, carePlanBundle } from '../../core/domain/twinRecords';
import type { RecordCalibrationResult } from '../../core/vitals/twin';
import { confidenceLine, planConfidence } from './planConfidence';
import { draftLabel, scenariosStore, useScenarios, type ScenarioDraft, type ScenarioOutcome } from './scenarios';

/** What a plan record carries (the CarePlan and its Provenance). */
export type PlanRecordArgs = Parameters<typeof carePlanBundle>[0];

export type PlanRecordOutcome =
  /** The server cannot be reached: the plan waits in the outbox. */
  | { status: 'queued' }
  /** Recorded (or found already recorded); `CarePlan/id` when the server named it. */
  | { status: 'recorded'; carePlanRef: string | undefined };

/** The port the accept action writes through (`recordCarePlan` in the browser). */
export type PlanRecorder = (args: PlanRecordArgs) => Promise<PlanRecordOutcome>;

/** The choice value of "Other plan (override)". */
export const OVERRIDE_CHOICE = 'override';

export interface ScenarioPlanState {
  patientId: string | undefined;
  /** A draft id with results, OVERRIDE_CHOICE, or '' (nothing chosen). */
  choice: string;
  overrideText: string;
  reason: string;
  busy: boolean;
  message: string | undefined;
  error: string | undefined;
  /** The confirmation dialog for a plan from a weak twin is open. */
  confirming: boolean;
  /** Decisions recorded in this session: plan id → title. */
  accepted: Record<string, string>;
}

const initial = (patientId: string | undefined): ScenarioPlanState => ({
  patientId,
  choice: '',
  overrideText: '',
  reason: '',
  busy: false,
  message: undefined,
  error: undefined,
  confirming: false,
  accepted: {},
});

export const scenarioPlanStore = createStore<ScenarioPlanState>(() => initial(undefined));

export function useScenarioPlan<T>(selector: (s: ScenarioPlanState) => T): T {
  return useStore(scenarioPlanStore, selector);
}

// Another patient: another decision.
scenariosStore.subscribe((s, prev) => {
  if (s.patientId !== prev.patientId) scenarioPlanStore.setState(initial(s.patientId), true);
});

export function choosePlan(choice: string): void {
  scenarioPlanStore.setState({ choice });
}

export function setOverrideText(overrideText: string): void {
  scenarioPlanStore.setState({ overrideText });
}

export function setPlanReason(reason: string): void {
  scenarioPlanStore.setState({ reason });
}

/** The decision the choice stands for, or undefined while nothing (or a scenario without results) is chosen. */
export function chosenPlan(choice: string, overrideText: string, drafts: readonly ScenarioDraft[], results: Readonly<Record<string, ScenarioOutcome>>): PlanChoice | undefined {
  if (!choice) return undefined;
  if (choice === OVERRIDE_CHOICE) return { kind: 'override', text: overrideText };
  const d = drafts.find((x) => x.id === choice);
  const r = d ? results[d.id] : undefined;
  return d && r ? { kind: 'scenario', templateId: d.templateId, label: draftLabel(d), interventions: r.scenario.interventions ?? [] } : undefined;
}

/** The id of the plan chosen now (undefined while incomplete), and its title when it was recorded already. */
export function useChosenPlanId(calibratedAtMs: number | undefined): { planId: string | undefined; acceptedTitle: string | undefined } {
  const drafts = useScenarios((s) => s.drafts);
  const results = useScenarios((s) => s.results);
  const choice = useScenarioPlan((s) => s.choice);
  const overrideText = useScenarioPlan((s) => s.overrideText);
  const accepted = useScenarioPlan((s) => s.accepted);
  const plan = chosenPlan(choice, overrideText, drafts, results);
  const planId = plan ? planDecisionId(plan, calibratedAtMs) : undefined;
  return { planId, acceptedTitle: planId ? accepted[planId] : undefined };
}

/** What accepting needs besides the stores: who, on which calibrated twin, and the comparison behind it. */
export interface AcceptPlanContext {
  patientId: string;
  actor: Actor;
  calibration: RecordCalibrationResult;
  calibratedAtMs: number | undefined;
  /** The comparison that supported the choice (core/domain/scenarioComparison `comparisonSummaryText`). */
  summary: string;
  /** ISO time of the decision; now when absent. */
  createdAt?: string;
}

/** Accept plan: straight to the record, or first the explicit confirmation a plan from a weak twin needs. */
export function requestAcceptPlan(record: PlanRecorder, ctx: AcceptPlanContext): Promise<void> {
  if (planConfidence(ctx.calibration).confirmReasons.length > 0) {
    scenarioPlanStore.setState({ confirming: true });
    return Promise.resolve();
  }
  return acceptPlan(record, ctx);
}

export function cancelPlanConfirmation(): void {
  scenarioPlanStore.setState({ confirming: false });
}

/**
 * Records the chosen plan (CarePlan + Provenance, one transaction) with the calibration's
 * confidence, the model the engine reported and the inputs it used; `confirmedDespite` is what the
 * author confirmed in the dialog. Says where the plan went (recorded, or waiting in the outbox) or
 * why it was not recorded.
 */
export async function acceptPlan(record: PlanRecorder, ctx: AcceptPlanContext, confirmedDespite?: string): Promise<void> {
  const { choice, overrideText, reason } = scenarioPlanStore.getState();
  const { drafts, results } = scenariosStore.getState();
  scenarioPlanStore.setState({ confirming: false });
  const override = choice === OVERRIDE_CHOICE;
  if (override && (!overrideText.trim() || !reason.trim())) {
    scenarioPlanStore.setState({ busy: false, message: undefined, error: 'An override needs the plan and the reason.' });
    return;
  }
  const plan = chosenPlan(choice, overrideText, drafts, results);
  if (!plan) {
    scenarioPlanStore.setState({ busy: false, message: undefined, error: 'Choose a scenario that has results, or an override.' });
    return;
  }
  scenarioPlanStore.setState({ busy: true, message: undefined, error: undefined });
  try {
    const planId = planDecisionId(plan, ctx.calibratedAtMs);
    const { title, activities } = planContent(plan);
    const conf = planConfidence(ctx.calibration);
    const outcome = await record({
      patientId: ctx.patientId,
      planId,
      title,
      activities,
      summary: ctx.summary,
      override,
      reason: reason.trim(),
      createdAt: ctx.createdAt ?? new Date().toISOString(),
      actor: ctx.actor,
      model: ctx.calibration.model,
      inputs: ctx.calibration.inputs.used.map((u) => u.source).filter((s) => s.startsWith('Observation/')),
      confidence: confidenceLine(conf),
      ...(confirmedDespite ? { confirmedDespite } : {}),
    });
    // The message names the plan as chosen; the CarePlan's title may add "continue current therapy".
    const named = plan.kind === 'override' ? plan.text.trim() : plan.label;
    scenarioPlanStore.setState((s) => ({
      busy: false,
      message:
        outcome.status === 'queued'
          ? 'The server cannot be reached: the plan waits in the outbox and is recorded (once) when it answers.'
          : `Plan “${named}” recorded with its Provenance by ${ctx.actor.display}${outcome.carePlanRef ? ` (${outcome.carePlanRef})` : ''}.`,
      accepted: { ...s.accepted, [planId]: named },
    }));
  } catch (err) {
    scenarioPlanStore.setState({ busy: false, error: `The plan was not recorded: ${err instanceof Error ? err.message : String(err)}` });
  }
}
