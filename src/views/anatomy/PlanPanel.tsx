// Rehearse: a plan is an ordered list of steps (camera, visible structures, cut planes, a note).
// Add / reorder / delete steps, step through with Prev / Next, `Save plan` to the patient's record
// (DocumentReference + Provenance as one transaction, src/compute/anatomy/planDocument.ts), list and
// reopen saved plans. Saving stores what is on screen (the view, with each cut's exact plane and
// numbers), every step's exact geometry, and the structures as a DICOM-SEG in the PACS; opening
// loads that SEG, restores the view and recomputes the numbers, saying whether they are identical.
// With vascular territories on screen, the plan also stores them (centrelines as extracted, the
// settings, names, volumes and the remnant per territory of each cut on the liver); opening
// recomputes the territories from the stored centrelines and compares those numbers too.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import type { DocumentReference } from '@medplum/fhirtypes';
import { fhir } from '../../sources/api';
import { transactionLocations, writeTransaction } from '../../sources/writes';
import type { AnatomySession } from '../../compute/anatomy/session';
import { type ImageVolume } from '../../../core/domain/imaging';
import { useSession } from '../../sources/queries';
import {
  PLAN_DOC_CODE,
  PLAN_DOC_SYSTEM,
  planBundle,
  planFromDocumentReference,
  readoutDifferences,
  remapPlanLabels,
  savedTerritoriesOf,
  summaryOf,
  territoryDifferences,
  type RehearsalPlan,
  type SavedPlanSummary,
} from '../../compute/anatomy/planDocument';
import { anatomyStore, useAnatomy } from '../../twin/anatomy';

function newPlanId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Saved label → label now, by structure name (plans without a stored segmentation). */
function labelsByName(plan: RehearsalPlan): { labelOf: Map<number, number>; missing: string[] } {
  const current = anatomyStore.getState().structures;
  const labelOf = new Map<number, number>();
  const missing: string[] = [];
  for (const s of plan.structures) {
    const now = current.find((c) => c.name === s.name);
    if (now) labelOf.set(s.label, now.label);
    else missing.push(s.name);
  }
  return { labelOf, missing };
}

export function PlanPanel(props: { patientId: string; session: AnatomySession; onCt?: (ct: ImageVolume) => void }): ReactNode {
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
  const [reproduced, setReproduced] = useState<string | null>(null);
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
    setReproduced(null);
    const user = session.data;
    if (!user) return setError('sign in again to save the plan');
    const s = anatomyStore.getState();
    if (s.camera === null) return setError('show a structure in the 3D view before saving a plan');
    setSaving(true);
    try {
      const { session: compute } = props;
      // The structures go to the PACS first (or the SEG saved already, if nothing changed since):
      // a plan that references them can be reproduced; without a CT there is nothing to store.
      const seg = s.structures.length > 0 && compute.ct !== null ? await compute.structuresInPacs(user.username) : null;
      // What is on screen now, and every step, with each cut's exact plane and numbers.
      const view = {
        camera: s.camera,
        visibleLabels: s.structures.filter((x) => x.visible).map((x) => x.label),
        cutPlanes: await Promise.all(s.cutPlanes.map((c) => compute.savedCut(c))),
      };
      const steps = await Promise.all(s.steps.map(async (st) => ({ ...st, cutPlanes: await Promise.all(st.cutPlanes.map((c) => compute.savedCut(c))) })));
      // The territories on screen, with the remnant per territory of each cut on the liver (as drawn).
      const t = s.territories;
      const territories =
        t !== null && t.map !== null && t.liverLabel !== null
          ? savedTerritoriesOf(
              t,
              await Promise.all(view.cutPlanes.filter((c) => c.organLabel === t.liverLabel).map(async (c) => ({ cutId: c.id, result: await compute.territoryRemnants(c) }))),
            )
          : null;
      const plan: RehearsalPlan = {
        format: 'twinscope-rehearsal-plan',
        version: territories ? 4 : 3,
        id: newPlanId(),
        title: s.planTitle.trim() || 'Rehearsal plan',
        patientId: props.patientId,
        createdAt: new Date().toISOString(),
        author: { username: user.username, displayName: user.displayName || user.username },
        structures: s.structures.map((x) => ({ label: x.label, name: x.name, colorRgb: x.colorRgb })),
        steps,
        view,
        ...(seg ? { segmentation: { studyInstanceUid: seg.studyInstanceUid, seriesInstanceUid: seg.seriesInstanceUid, sopInstanceUid: seg.sopInstanceUid } } : {}),
        ...(territories ? { territories } : {}),
      };
      const outcome = await writeTransaction(planBundle(plan));
      const where = outcome.status === 'queued' ? ' (the record is unreachable: queued, sent when it answers)' : '';
      if (outcome.status === 'sent' && !transactionLocations(outcome).some((l) => l.startsWith('DocumentReference/'))) throw new Error('the record did not confirm storing the plan');
      const cuts = view.cutPlanes
        .map((c) => {
          const margin = typeof c.readout.minMarginMm === 'number' ? `, min margin ${c.readout.minMarginMm.toFixed(1)} mm` : '';
          return `remnant ${c.readout.remnantMl.toFixed(1)} mL (${c.readout.remnantPercent.toFixed(1)}%)${margin}`;
        })
        .join('; ');
      const terr = territories ? `; ${territories.branches.length} territories` : '';
      setStatus(`Saved “${plan.title}” (${plan.steps.length} steps${cuts ? `; ${cuts}` : ''}${terr}${seg ? '; structures stored as DICOM-SEG' : ''})${where}.`);
      await qc.invalidateQueries({ queryKey: ['fhir', 'DocumentReference'] });
    } catch (e) {
      setError(`Plan not saved: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setSaving(false);
    }
  };

  const open = async (documentId: string): Promise<void> => {
    setError(null);
    setStatus(null);
    setReproduced(null);
    try {
      const { session: compute } = props;
      const doc = await fhir.read<DocumentReference>('DocumentReference', documentId);
      const plan = planFromDocumentReference(doc);
      let labelOf: Map<number, number>;
      let missing: string[] = [];
      if (plan.segmentation) {
        // The plan's own structures, from the PACS, onto the loaded CT (segment number = saved label).
        if (compute.ct === null || compute.seriesRef === null) {
          setStatus('Loading the CT the plan’s structures are stored on…');
          const ct = await compute.loadCt();
          props.onCt?.(ct);
        }
        labelOf = (await compute.loadSegmentationFromPacs(plan.segmentation.seriesInstanceUid)).labelOf;
      } else {
        ({ labelOf, missing } = labelsByName(plan));
      }
      const { steps, view, territories } = remapPlanLabels(plan, labelOf);
      loadPlan(plan.title, steps, view);
      if (territories === undefined) anatomyStore.getState().clearTerritories();
      setStatus(`Opened “${plan.title}” (${plan.steps.length} steps)${missing.length ? `; not loaded now: ${missing.join(', ')}` : ''}.`);
      // Recompute the numbers of the saved view with the saved planes and compare.
      const diffs: string[] = [];
      for (const c of view?.cutPlanes ?? []) {
        const now = await compute.savedCut(c);
        diffs.push(...readoutDifferences(c.readout, now.readout));
      }
      if (territories !== undefined) {
        // The saved centrelines (not re-extracted), the saved generation and branches left out, on the reloaded liver.
        setStatus(`Opened “${plan.title}”; recomputing its vascular territories…`);
        await compute.restoreCentrelines(territories.centrelines);
        const st = anatomyStore.getState();
        st.setCentrelines(territories.vesselLabels, territories.centrelines, territories.generation, territories.minBranchMm ?? undefined);
        const map = await compute.computeTerritories(territories.liverLabel, territories.generation, territories.excludedIds);
        st.setTerritoryMap(territories.liverLabel, map, territories.excludedIds);
        for (const [id, name] of Object.entries(territories.names)) st.renameTerritory(Number(id), name);
        const remnantsNow = new Map<string, Awaited<ReturnType<typeof compute.territoryRemnants>>>();
        for (const r of territories.remnants) {
          const c = view?.cutPlanes.find((x) => x.id === r.cutId);
          if (c !== undefined) remnantsNow.set(r.cutId, await compute.territoryRemnants(c));
        }
        diffs.push(...territoryDifferences(territories, map, remnantsNow));
        setStatus(`Opened “${plan.title}” (${plan.steps.length} steps; ${map.branches.length} territories)${missing.length ? `; not loaded now: ${missing.join(', ')}` : ''}.`);
      }
      if ((view?.cutPlanes.length ?? 0) > 0 || territories !== undefined) {
        setReproduced(diffs.length === 0 ? 'Numbers identical to the saved plan.' : `Numbers differ from the saved plan: ${diffs.join('; ')}`);
      }
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
        <button type="button" className="btn btn-primary" disabled={saving || camera === null} onClick={() => void save()}>
          {saving ? 'Saving…' : 'Save plan'}
        </button>
      </div>
      {status && (
        <p className="small" role="status">
          {status}
        </p>
      )}
      {reproduced && (
        <p className={reproduced.startsWith('Numbers identical') ? 'small' : 'notice notice-error small'} role="status" data-testid="plan-reproduced">
          {reproduced}
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
