// @vitest-environment happy-dom
// Issue 17: after moving the plane 5 mm, the old resected/remnant percentages stayed on screen for
// 5.5 s. The readout must say "Computing…" until the numbers match the plane drawn. The numbers come
// from the real planner kernel (createAnatomyWorkerApi().cut, run in this thread); only its answer
// is held back, as a busy worker would.
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { generatePhantom, PHANTOM_SEGMENTS } from '../../../server/demo/imaging/phantom';
import { createAnatomyWorkerApi } from '../../../workers/anatomy/anatomyWorkerApi';
import { meshLabelVolume } from '../../../workers/meshing/surfaces';
import { boundsOf, cutPlaneLps, type CutPlaneParams } from '../../compute/anatomy/planeGeometry';
import { type CutPlaneState } from '../../twin/anatomy';
import { CutReadout, type CutComputer } from './CutPlanePanel';
import { flatPatchOver } from '../../../core/domain/resectionSurface';
import { anatomyStore } from '../../twin/anatomy';
import { surfaceCutRequest, voxelsOfLabel } from '../../compute/anatomy/surfaceCut';

describe('cut readout is never stale', () => {
  afterEach(() => cleanup());

  it('shows "Computing…" from the moment the plane moves until the numbers for that plane arrive', async () => {
    const phantom = generatePhantom({ dimensions: [40, 40, 20], spacingMm: [9, 9, 12], seed: 5, noiseSdHu: 0, liverLesion: false, aorticValveCalcification: false });
    const liverLabel = PHANTOM_SEGMENTS.find((s) => s.name === 'liver')!.label;
    const [liver] = await meshLabelVolume(phantom.labels, { labels: [liverLabel], budgetTriangles: 4000 });
    const planner = createAnatomyWorkerApi();
    planner.setMeshes([liver!]);
    const centre = boundsOf(liver!.mesh.positionsLps).centreLps;
    const pending: Array<() => void> = [];
    const session: CutComputer = {
      cut: (label: number, params: CutPlaneParams, vessel: number | null) =>
        new Promise((resolve) => {
          const plane = cutPlaneLps(params, centre);
          pending.push(() => resolve({ ...planner.cut(label, plane, vessel), planePointLps: plane.pointLps, planeNormalLps: plane.normalLps, centreLps: centre }));
        }),
    };
    const release = async (): Promise<void> => {
      await act(async () => {
        pending.shift()!();
        await Promise.resolve();
      });
    };
    const at0: CutPlaneState = { id: 'c', organLabel: liverLabel, vesselLabel: null, azimuthDeg: 180, elevationDeg: 0, offsetMm: 0 };
    const { rerender } = render(<CutReadout session={session} cut={at0} organName="liver" />);
    expect(screen.getByLabelText('Cut readout').getAttribute('data-state')).toBe('computing');
    await release();
    const first = screen.getByTestId('remnant-percent').textContent;
    expect(screen.getByLabelText('Cut readout').getAttribute('data-state')).toBe('current');

    // Move 5 mm: the old numbers disappear at once, while the worker is still busy.
    const at5 = { ...at0, offsetMm: 5 };
    rerender(<CutReadout session={session} cut={at5} organName="liver" />);
    expect(screen.getByLabelText('Cut readout').getAttribute('data-state')).toBe('computing');
    expect(screen.queryByTestId('remnant-percent')).toBeNull();
    await release();
    const second = screen.getByTestId('remnant-percent').textContent;
    expect(second).not.toBe(first);
    const expected = planner.cut(liverLabel, cutPlaneLps(at5, centre), null).volumes;
    expect(second).toContain(`${expected.remnantMl.toFixed(1)} mL (${expected.remnantPercent.toFixed(1)}%)`);

    // Two quick moves while one computation runs: the intermediate answer is never shown as current.
    const at8 = { ...at0, offsetMm: 8 };
    const at12 = { ...at0, offsetMm: 12 };
    rerender(<CutReadout session={session} cut={at8} organName="liver" />);
    rerender(<CutReadout session={session} cut={at12} organName="liver" />);
    await release(); // the answer for 8 mm
    expect(screen.getByLabelText('Cut readout').getAttribute('data-state')).toBe('computing');
    await release(); // the answer for 12 mm
    const last = planner.cut(liverLabel, cutPlaneLps(at12, centre), null).volumes;
    expect(screen.getByTestId('remnant-percent').textContent).toContain(`${last.remnantMl.toFixed(1)} mL`);

    // The remnant threshold is the surgeon's (20 / 30 / 40 %), not a constant.
    expect(last.remnantPercent).toBeGreaterThan(20);
    expect(last.remnantPercent).toBeLessThan(99);
    rerender(<CutReadout session={session} cut={at12} organName="liver" flrThresholdPercent={20} />);
    expect(screen.queryByText('below 20%')).toBeNull();
    rerender(<CutReadout session={session} cut={at12} organName="liver" flrThresholdPercent={99} />);
    expect(screen.getByText('below 99%')).toBeTruthy();
  });

  it('a curved surface: "Computing…" while it bends, then its volumes and the minimum margin to the tumour', async () => {
    const phantom = generatePhantom({ dimensions: [40, 40, 20], spacingMm: [9, 9, 12], seed: 5, noiseSdHu: 0, liverLesion: true, aorticValveCalcification: false });
    const liverLabel = PHANTOM_SEGMENTS.find((s) => s.name === 'liver')!.label;
    const lesionLabel = PHANTOM_SEGMENTS.find((s) => s.name === 'liver_lesion')!.label;
    const meshes = await meshLabelVolume(phantom.labels, { labels: [liverLabel, lesionLabel], budgetTriangles: 4000 });
    const liver = meshes.find((m) => m.label === liverLabel)!;
    const planner = createAnatomyWorkerApi();
    planner.setMeshes(meshes);
    for (const l of [liverLabel, lesionLabel]) {
      const v = voxelsOfLabel(phantom.labels, l);
      planner.setStructureVoxels(l, v.grid, v.voxels);
    }
    anatomyStore.setState({ structures: [{ label: lesionLabel, name: 'liver tumour', colorRgb: [250, 220, 60], opacity: 1, visible: true, meshVolumeMl: 1, voxelVolumeMl: 1, triangleCount: 1, watertight: true }] });
    const centre = boundsOf(liver.mesh.positionsLps).centreLps;
    const pending: Array<() => void> = [];
    const held = <T,>(f: () => T): Promise<T> => new Promise((resolve) => pending.push(() => resolve(f())));
    const session: CutComputer = {
      cut: (label: number, params: CutPlaneParams, vessel: number | null) => {
        const plane = cutPlaneLps(params, centre);
        return Promise.resolve({ ...planner.cut(label, plane, vessel), planePointLps: plane.pointLps, planeNormalLps: plane.normalLps, centreLps: centre });
      },
      cutSurface: (c: CutPlaneState) =>
        held(() => {
          const plane = cutPlaneLps(c, centre);
          return { ...planner.cutSurface(surfaceCutRequest(c, plane)), planePointLps: plane.pointLps, planeNormalLps: plane.normalLps, centreLps: centre };
        }),
    };
    const release = async (): Promise<void> => {
      await act(async () => {
        await Promise.resolve();
        pending.shift()!();
        await Promise.resolve();
      });
    };
    const params = { azimuthDeg: 180, elevationDeg: 0, offsetMm: 0 };
    const flat: CutPlaneState = { id: 'c', organLabel: liverLabel, vesselLabel: null, ...params, surface: flatPatchOver(cutPlaneLps(params, centre), liver.mesh.positionsLps), marginLabels: [lesionLabel] };
    const { rerender } = render(<CutReadout session={session} cut={flat} organName="liver" />);
    expect(screen.getByLabelText('Cut readout').getAttribute('data-state')).toBe('computing');
    await release();
    const planeOnly = planner.cut(liverLabel, cutPlaneLps(params, centre), null).volumes;
    // Flat: exactly the plane's numbers.
    expect(screen.getByTestId('remnant-percent').textContent).toContain(`${planeOnly.remnantMl.toFixed(1)} mL (${planeOnly.remnantPercent.toFixed(1)}%)`);
    expect(screen.getByTestId('min-margin').textContent).toMatch(/^\d+\.\d mm to liver_lesion$/);

    const bent: CutPlaneState = { ...flat, surface: { ...flat.surface!, heightsMm: flat.surface!.heightsMm.map((h, q) => (q === 5 || q === 6 ? -30 : h)) } };
    rerender(<CutReadout session={session} cut={bent} organName="liver" />);
    expect(screen.getByLabelText('Cut readout').getAttribute('data-state')).toBe('computing');
    expect(screen.queryByTestId('min-margin')).toBeNull();
    await release();
    const expected = planner.cutSurface(surfaceCutRequest(bent, cutPlaneLps(params, centre))).volumes;
    expect(expected.remnantMl).toBeLessThan(planeOnly.remnantMl);
    expect(screen.getByTestId('remnant-percent').textContent).toContain(`${expected.remnantMl.toFixed(1)} mL`);
  });
});
