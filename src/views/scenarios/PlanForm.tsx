// Accept plan: choose a scenario with results (or an override in words, which needs a reason),
// see the calibration's confidence and missing inputs, and record the plan (CarePlan + Provenance)
// once per decision — through the confirmation dialog when the twin is weak (issue 12).
import { useMemo, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { RecordCalibrationResult } from '../../../core/vitals/twin';
import type { Actor } from '../../../core/domain/twinRecords';
import { recordCarePlan } from '../../sources/carePlans';
import { planConfidence } from '../../twin/planConfidence';
import {
  acceptPlan,
  cancelPlanConfirmation,
  choosePlan,
  OVERRIDE_CHOICE,
  requestAcceptPlan,
  setOverrideText,
  setPlanReason,
  useChosenPlanId,
  useScenarioPlan,
  type AcceptPlanContext,
} from '../../twin/scenarioPlan';
import type { ScenarioDraft } from '../../twin/scenarios';
import { Badge, ErrorNotice } from '../../ui/feedback';
import { formatDate } from '../../ui/time-format';
import { workspacePath } from '../routing';
import { ConfirmPlanDialog } from './ConfirmPlanDialog';

export function PlanForm(props: {
  patientId: string;
  /** Scenarios with results, the choices besides an override. */
  choices: readonly ScenarioDraft[];
  names: ReadonlyMap<string, string>;
  calibration: RecordCalibrationResult | undefined;
  calibratedAtMs: number | undefined;
  actor: Actor | undefined;
  /** The comparison behind the plan, one line per endpoint. */
  summary: string;
  allowed: boolean;
}): ReactNode {
  const { patientId, choices, names, calibration, calibratedAtMs, actor, summary, allowed } = props;
  const choice = useScenarioPlan((s) => s.choice);
  const overrideText = useScenarioPlan((s) => s.overrideText);
  const reason = useScenarioPlan((s) => s.reason);
  const busy = useScenarioPlan((s) => s.busy);
  const message = useScenarioPlan((s) => s.message);
  const error = useScenarioPlan((s) => s.error);
  const confirming = useScenarioPlan((s) => s.confirming);
  const { acceptedTitle } = useChosenPlanId(calibratedAtMs);
  // Confidence travels with the plan: shown beside Accept plan, written into its Provenance.
  const planConf = useMemo(() => (calibration ? planConfidence(calibration) : undefined), [calibration]);
  const context = (): AcceptPlanContext | undefined => (actor && calibration ? { patientId, actor, calibration, calibratedAtMs, summary } : undefined);
  return (
    <>
      <form
        className="plan-form"
        aria-label="Plan"
        onSubmit={(e) => {
          e.preventDefault();
          const ctx = context();
          if (ctx) void requestAcceptPlan(recordCarePlan, ctx);
        }}
      >
        <fieldset>
          <legend>Plan to record</legend>
          {choices.map((d) => (
            <label key={d.id} className="radio">
              <input type="radio" name="plan" value={d.id} checked={choice === d.id} onChange={() => choosePlan(d.id)} /> {names.get(d.id)}
            </label>
          ))}
          <label className="radio">
            <input type="radio" name="plan" value={OVERRIDE_CHOICE} checked={choice === OVERRIDE_CHOICE} onChange={() => choosePlan(OVERRIDE_CHOICE)} /> Other plan (override)
          </label>
        </fieldset>
        {choice === OVERRIDE_CHOICE && (
          <div className="field">
            <label htmlFor="override-plan">Plan (override)</label>
            <input id="override-plan" className="input" value={overrideText} onChange={(e) => setOverrideText(e.target.value)} />
          </div>
        )}
        <div className="field">
          <label htmlFor="plan-reason">Reason{choice === OVERRIDE_CHOICE ? ' (required for an override)' : ' (optional)'}</label>
          <textarea id="plan-reason" className="input" value={reason} onChange={(e) => setPlanReason(e.target.value)} />
        </div>
        {planConf && (
          <p className="plan-confidence" data-testid="plan-confidence" data-level={planConf.level}>
            <span>Calibration confidence </span>
            <Badge tone={planConf.level === 'high' ? 'ok' : planConf.level === 'moderate' ? 'warn' : 'danger'}>{planConf.level}</Badge>
            <span>
              {' '}
              · {planConf.missing.length ? `missing inputs: ${planConf.missing.join(', ')}` : 'no expected input missing'}
              {planConf.asOf ? ` · calibrated as of ${formatDate(planConf.asOf)} (no live data)` : ''}
              {planConf.confirmReasons.length > 0 ? ' · accepting needs an explicit confirmation' : ''}
            </span>
          </p>
        )}
        <div className="toolbar">
          <button type="submit" className="btn btn-primary" disabled={!choice || busy || !allowed || acceptedTitle !== undefined}>
            Accept plan
          </button>
          {acceptedTitle !== undefined && (
            <span className="muted" data-testid="plan-accepted">
              Accepted: “{acceptedTitle}” is in the <Link to={workspacePath(patientId, 'record')}>Record</Link>.
            </span>
          )}
        </div>
        {message && (
          <div className="notice notice-info" role="status">
            {message}
          </div>
        )}
        {error && <ErrorNotice error={new Error(error)} title="Not recorded" />}
      </form>
      {confirming && planConf && (
        <ConfirmPlanDialog
          reasons={planConf.confirmReasons}
          onConfirm={(text) => {
            const ctx = context();
            if (ctx) void acceptPlan(recordCarePlan, ctx, text);
            else cancelPlanConfirmation();
          }}
          onCancel={cancelPlanConfirmation}
        />
      )}
    </>
  );
}
