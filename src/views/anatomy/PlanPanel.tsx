// Rehearse: a plan is an ordered list of steps (camera, visible structures, cut planes, a note).
// Add / reorder / delete steps, step through with Prev / Next, `Save plan` to the patient's record
// (DocumentReference + Provenance, src/compute/anatomy/planDocument.ts), list and reopen saved plans.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import type { DocumentReference } from '@medplum/fhirtypes';
import { fhir } from '../../sources/api';
import { useSession } from '../../sources/queries';
import {
  PLAN_DOC_CODE,
  PLAN_DOC_SYSTEM,
  PLAN_ID_SYSTEM,
  planFromDocumentReference,
  planProvenance,
  planToDocumentReference,
  summaryOf,
  type RehearsalPlanV1,
  type SavedPlanSummary,
} from '../../compute/anatomy/planDocument';
import { anatomyStore, useAnatomy, type PlanStep } from '../../twin/anatomy';

function newPlanId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Map a saved plan's labels onto the structures loaded now, by name (labels follow segmentation order). */
function remapSteps(plan: RehearsalPlanV1): { steps: PlanStep[]; missing: string[] } {
  const current = anatomyStore.getState().structures;
  const map = new Map<number, number>();
  const missing: string[] = [];
  for (const s of plan.structures) {
    const now = current.find((c) => c.name === s.name);
    if (now) map.set(s.label, now.label);
    else missing.push(s.name);
  }
  const m = (l: number): number => map.get(l) ?? l;
  const steps = plan.steps.map((st) => ({
    ...st,
    visibleLabels: st.visibleLabels.map(m),
    cutPlanes: st.cutPlanes.map((c) => ({ ...c, organLabel: m(c.organLabel), vesselLabel: c.vesselLabel === null ? null : m(c.vesselLabel) })),
  }));
  return { steps, missing };
}

export function PlanPanel(props: { patientId: string }): ReactNode {
  const session = useSession();
  const qc = useQueryClient();
  const steps = useAnatomy((s) => s.steps);
  const current = useAnatomy((s) => s.currentStep);
  const title = useAnatomy((s) => s.planTitle);
  const camera = useAnatomy((s) => s.camera);
  const { captureStep, updateStepNote, moveStep, deleteStep, goToStep, loadPlan, setPlanTitle } = anatomyStore.getState();
  const [note, setNote] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const queryKey = ['fhir', 'DocumentReference', 'search', { patient: props.patientId, type: PLAN_DOC_CODE }];
  const saved = useQuery({
    queryKey,
    queryFn: async () => {
      const r = await fhir.search<DocumentReference>('DocumentReference', { patient: props.patientId, type: `${PLAN_DOC_SYSTEM}|${PLAN_DOC_CODE}`, _count: 50 });
      return r.resources
        .map(summaryOf)
        .filter((s): s is SavedPlanSummary => s !== null)
        .sort((a, b) => b.date.localeCompare(a.date));
    },
  });

  const save = async (): Promise<void> => {
    setError(null);
    setStatus(null);
    const user = session.data;
    if (!user) return setError('sign in again to save the plan');
    if (steps.length === 0) return setError('add at least one step before saving');
    setSaving(true);
    try {
      const s = anatomyStore.getState();
      const plan: RehearsalPlanV1 = {
        format: 'twinscope-rehearsal-plan',
        version: 1,
        id: newPlanId(),
        title: s.planTitle.trim() || 'Rehearsal plan',
        patientId: props.patientId,
        createdAt: new Date().toISOString(),
        author: { username: user.username, displayName: user.displayName || user.username },
        structures: s.structures.map((x) => ({ label: x.label, name: x.name, colorRgb: x.colorRgb })),
        steps: s.steps,
      };
      const doc = await fhir.create(planToDocumentReference(plan), { ifNoneExist: `identifier=${PLAN_ID_SYSTEM}|${plan.id}` });
      if (!doc.id) throw new Error('the record did not return an id for the plan');
      await fhir.create(planProvenance(plan, doc.id));
      setStatus(`Saved “${plan.title}” (${plan.steps.length} steps).`);
      await qc.invalidateQueries({ queryKey: ['fhir', 'DocumentReference'] });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setSaving(false);
    }
  };

  const open = async (documentId: string): Promise<void> => {
    setError(null);
    setStatus(null);
    try {
      const doc = await fhir.read<DocumentReference>('DocumentReference', documentId);
      const plan = planFromDocumentReference(doc);
      const { steps: remapped, missing } = remapSteps(plan);
      loadPlan(plan.title, remapped);
      setStatus(`Opened “${plan.title}” (${plan.steps.length} steps)${missing.length ? `; not loaded now: ${missing.join(', ')}` : ''}.`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <section className="anatomy-panel" aria-label="Rehearsal plan">
      <h2>Rehearsal plan</h2>
      <input className="input" aria-label="Plan title" value={title} onChange={(e) => setPlanTitle(e.target.value)} />
      <div className="anatomy-row">
        <input className="input" aria-label="Step note" placeholder="Note for the new step" value={note} onChange={(e) => setNote(e.target.value)} />
        <button
          type="button"
          className="btn"
          disabled={camera === null}
          onClick={() => {
            captureStep(note.trim());
            setNote('');
          }}
        >
          Add step
        </button>
      </div>
      <ol className="anatomy-steps" aria-label="Plan steps">
        {steps.map((s, i) => (
          <li key={s.id} aria-current={i === current ? 'step' : undefined}>
            <button type="button" className="btn btn-small" onClick={() => goToStep(i)} aria-label={`Go to step ${i + 1}`}>
              {i + 1}
            </button>
            <input className="input" aria-label={`Note of step ${i + 1}`} value={s.note} onChange={(e) => updateStepNote(i, e.target.value)} />
            <span className="small muted" title="visible structures · cut planes">
              {s.visibleLabels.length}·{s.cutPlanes.length}
            </span>
            <button type="button" className="btn btn-small btn-ghost" aria-label={`Move step ${i + 1} up`} disabled={i === 0} onClick={() => moveStep(i, -1)}>
              ↑
            </button>
            <button type="button" className="btn btn-small btn-ghost" aria-label={`Move step ${i + 1} down`} disabled={i === steps.length - 1} onClick={() => moveStep(i, 1)}>
              ↓
            </button>
            <button type="button" className="btn btn-small btn-ghost" aria-label={`Delete step ${i + 1}`} onClick={() => deleteStep(i)}>
              ×
            </button>
          </li>
        ))}
      </ol>
      <div className="anatomy-row">
        <button type="button" className="btn btn-small" disabled={current <= 0} onClick={() => goToStep(current - 1)}>
          Prev
        </button>
        <span className="small mono" aria-live="polite">
          {steps.length === 0 ? 'no steps' : `step ${current + 1} of ${steps.length}`}
        </span>
        <button type="button" className="btn btn-small" disabled={current >= steps.length - 1} onClick={() => goToStep(current + 1)}>
          Next
        </button>
        <button type="button" className="btn btn-primary" disabled={saving || steps.length === 0} onClick={() => void save()}>
          Save plan
        </button>
      </div>
      {status && (
        <p className="small" role="status">
          {status}
        </p>
      )}
      {error && (
        <p className="notice notice-error small" role="alert">
          {error}
        </p>
      )}
      <h3>Saved plans</h3>
      {saved.isPending && <p className="small muted">Loading…</p>}
      {saved.isError && <p className="notice notice-error small">Saved plans unavailable: {saved.error.message}</p>}
      {saved.data && saved.data.length === 0 && <p className="small muted">None yet.</p>}
      <ul className="anatomy-list" aria-label="Saved plans">
        {saved.data?.map((p) => (
          <li key={p.documentId}>
            <span className="small">
              {p.title} · {p.stepCount} steps · {p.author} · {p.date.slice(0, 16).replace('T', ' ')}
            </span>
            <button type="button" className="btn btn-small" aria-label={`Open plan ${p.title} ${p.date}`} onClick={() => void open(p.documentId)}>
              Open
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
