// The Anatomy tab: surgical rehearsal in 3D. Left: get structures from the CT (seeded
// segmentation) or a file; centre: the 3D scene; right: structures, cut planes with resected /
// remnant volumes, measurements, the rehearsal plan and exports. State lives in the anatomy store
// (src/twin/anatomy.ts); heavy work in workers through the compute session
// (src/compute/anatomy/session.ts). See README.md for the workflow.
import { useEffect, useState, type ReactNode } from 'react';
import type { ImageVolume } from '../../../core/domain/imaging';
import { AnatomySession } from '../../compute/anatomy/session';
import { useQueryClient } from '@tanstack/react-query';
import { useConditions, useSession, useTwinPermission } from '../../sources/queries';
import { isCardiacCase } from './cardiacCase';
import { anatomyStore, useAnatomy } from '../../twin/anatomy';
import type { WorkspaceViewProps } from '../workspace/view-props';
import { crosshairStore } from './crosshair';
import { CutPlanePanel } from './CutPlanePanel';
import { JobProgress } from './JobProgress';
import { LvPublishPanel } from './LvPublishPanel';
import { MeasurePanel } from './MeasurePanel';
import { PlanPanel } from './PlanPanel';
import { Scene3D } from './Scene3D';
import { SegmentPanel } from './SegmentPanel';
import { StructuresList } from './StructuresList';
import { TerritoryPanel } from './TerritoryPanel';
import { framingPose, ViewToolbar } from './ViewToolbar';
import { useJob } from './useJob';
import './anatomy.css';
import { downloadBlob } from '../../ui/download';

/**
 * One compute session per patient, kept across tab switches (the CT, label map and surfaces are
 * expensive to rebuild); replaced — workers terminated, store reset — when another patient opens.
 */
let active: AnatomySession | null = null;
function sessionFor(patientId: string): AnatomySession {
  if (active?.patientId !== patientId) {
    active?.dispose();
    anatomyStore.getState().reset();
    crosshairStore.getState().clear();
    active = new AnatomySession(patientId);
  }
  return active;
}

export default function AnatomyView(props: WorkspaceViewProps): ReactNode {
  const session = sessionFor(props.patientId);
  const user = useSession().data;
  const permission = useTwinPermission(props.patientId).data;
  const queryClient = useQueryClient();
  const [ct, setCt] = useState<ImageVolume | null>(session.ct);
  const structureCount = useAnatomy((s) => s.structures.length);
  const conditions = useConditions(props.patientId).data;
  // The cardiology panel only on a cardiac case (a heart condition in the record or an LV structure).
  const cardiac = useAnatomy((s) => isCardiacCase({ structureNames: s.structures.map((x) => x.name), conditions }));
  const exportJob = useJob();

  useEffect(() => setCt(session.ct), [session]);

  // Centre the CT planes when a CT arrives; frame the scene from the front when the first structure appears.
  useEffect(() => {
    if (!ct) return;
    const [nI, nJ, nK] = ct.dimensions;
    const s = anatomyStore.getState();
    if (s.sliceIndex.axial === 0 && s.sliceIndex.coronal === 0 && s.sliceIndex.sagittal === 0) {
      s.setSliceIndex('axial', Math.floor(nK / 2));
      s.setSliceIndex('coronal', Math.floor(nJ / 2));
      s.setSliceIndex('sagittal', Math.floor(nI / 2));
    }
  }, [ct]);
  useEffect(() => {
    if (structureCount > 0 && anatomyStore.getState().camera === null) {
      const pose = framingPose('anterior', ct);
      if (pose) anatomyStore.getState().requestCamera(pose);
    }
  }, [structureCount, ct]);

  const stamp = (): string => new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
  return (
    <div className="anatomy-view">
      <aside className="anatomy-side">
        <SegmentPanel session={session} ct={ct} onCt={setCt} username={user?.username ?? ''} />
      </aside>
      <main className="anatomy-main" aria-label="3D view">
        <ViewToolbar volume={ct} />
        <Scene3D volume={ct} />
        {structureCount === 0 && <p className="anatomy-empty small muted">Structures appear here as smooth surfaces in patient coordinates (LPS mm).</p>}
      </main>
      <aside className="anatomy-side">
        <StructuresList onRemove={(label) => session.removeStructure(label)}>
          {cardiac && (
            <LvPublishPanel
              permission={permission}
              publish={async (label) => {
                if (!user) throw new Error('sign in again to publish');
                const r = await session.publishLvVolume(label, { username: user.username, displayName: user.displayName });
                // The Twin view's record (useTwinRecord: ['twin', 'record', id]) and its calibration inputs must see the new Observation.
                await Promise.all([
                  queryClient.invalidateQueries({ queryKey: ['fhir', 'Observation'] }),
                  queryClient.invalidateQueries({ queryKey: ['twin', 'record', props.patientId] }),
                ]);
                return r;
              }}
            />
          )}
        </StructuresList>
        <CutPlanePanel session={session} />
        <TerritoryPanel session={session} ct={ct} />
        <MeasurePanel />
        <PlanPanel patientId={props.patientId} session={session} onCt={setCt} />
        <section className="anatomy-panel" aria-label="Export">
          <h2>Export</h2>
          <div className="anatomy-row">
            <button
              type="button"
              className="btn"
              disabled={structureCount === 0 || exportJob.job !== null}
              onClick={() => void exportJob.run('Exporting GLB', async () => downloadBlob(await session.exportGlb(), `anatomy-${props.patientId}-${stamp()}.glb`))}
            >
              Export GLB
            </button>
            <button
              type="button"
              className="btn"
              disabled={structureCount === 0 || exportJob.job !== null}
              onClick={() =>
                void exportJob.run('Exporting STL', async () => {
                  for (const f of await session.exportStl()) downloadBlob(f.blob, `anatomy-${props.patientId}-${f.name.replace(/[^\w.-]+/g, '_')}-${stamp()}.stl`);
                })
              }
            >
              Export STL
            </button>
          </div>
          <p className="small muted">GLB: glTF metres, +Y = superior, +Z = anterior (the LPS frame recorded in the file); one node per structure with its name and colour, and the plan on screen: each resection surface (trimmed to the organ) and each vascular territory (its part of the liver surface, volume in the node's extras). STL: one file per structure, resection surface and territory, patient LPS millimetres.</p>
          <JobProgress runner={exportJob} />
        </section>
      </aside>
    </div>
  );
}
