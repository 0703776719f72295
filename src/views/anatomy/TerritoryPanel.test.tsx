// @vitest-environment happy-dom
// The Territories panel (issue 17) on the real kernels: the Anatomy worker API (centrelines,
// territories, remnants) runs in this thread behind the session's three methods. A Y-shaped
// "portal vein" in a block "liver": extract, see two territories of equal volume, rename one, cut,
// read the remnant per territory (never stale) against the surgeon's threshold, leave a branch out.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StructureMesh } from '../../../core/domain/mesh';
import { createAnatomyWorkerApi } from '../../../workers/anatomy/anatomyWorkerApi';
import { cutPlaneLps } from '../../compute/anatomy/planeGeometry';
import { anatomyStore } from '../../twin/anatomy';
import { TerritoryPanel, type TerritoryComputer } from './TerritoryPanel';
import { Y_VESSEL_GRID as g, yVesselMasks } from '../../../test-support/yVessel';

const y = yVesselMasks();
const masks = new Map<number, Uint8Array>([
  [1, y.liver],
  [2, y.vessel],
]);
const liverMl = y.liverMl;

function structure(label: number, name: string): StructureMesh {
  return {
    label,
    name,
    colorRgb: [176, 96, 64],
    // A surface whose bounding-box centre is the origin: the cut's offset is measured from there.
    mesh: { positionsLps: new Float32Array([-29, -9, -29, 29, 9, 29, 0, 0, 0]), indices: new Uint32Array([0, 1, 2]) },
    stats: { voxelCount: 1, voxelVolumeMl: 1, meshVolumeMl: 1, rawMeshVolumeMl: 1, areaCm2: 1, triangleCount: 1, rawTriangleCount: 1, watertight: true },
  };
}

function session(): TerritoryComputer & { held: Array<() => void> } {
  const api = createAnatomyWorkerApi();
  const held: Array<() => void> = [];
  return {
    held,
    extractCentrelines: async (vessels, options) => api.extractCentrelines(vessels.map((v) => ({ ...v, mask: masks.get(v.label)! })), g, options),
    computeTerritories: async (liverLabel, generation, excluded) => api.computeTerritories(masks.get(liverLabel)!, g, generation, excluded),
    // Answers wait until released, as a busy worker would.
    territoryRemnants: (c) => new Promise((resolve) => held.push(() => resolve(api.territoryRemnants(cutPlaneLps(c, [0, 0, 0]), c.surface)))),
  };
}

describe('Territories panel', () => {
  beforeEach(() => anatomyStore.getState().reset());
  afterEach(() => cleanup());

  it('extracts centrelines, lists the territories, and reads the remnant per territory for the cut drawn', async () => {
    anatomyStore.getState().setStructureMeshes([structure(1, 'liver'), structure(2, 'portal vein')]);
    const s = session();
    render(<TerritoryPanel session={s} ct={null} />);
    // Defaults: the portal vein ticked as a vessel, the liver chosen.
    expect(screen.getByRole('checkbox', { name: 'portal vein' })).toHaveProperty('checked', true);
    expect((screen.getByRole('combobox', { name: 'Liver structure' }) as HTMLSelectElement).value).toBe('1');
    fireEvent.click(screen.getByRole('button', { name: 'Extract centrelines' }));
    const table = await screen.findByRole('table', { name: 'Territories' }, { timeout: 20_000 });
    expect(screen.getByLabelText('Centreline summary').textContent).toMatch(/portal vein: 3 segments, 1 bifurcations/);
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    const vols = rows.map((r) => Number(/([\d.]+) mL/.exec(r.textContent ?? '')![1]));
    expect(vols[0]! + vols[1]!).toBeCloseTo(liverMl, 0);
    expect(Math.abs(vols[0]! - vols[1]!) / liverMl).toBeLessThan(1 / 30);
    expect(screen.getByText(/Add a cut plane on the liver/)).toBeTruthy();

    // Rename the right branch.
    const right = anatomyStore.getState().territories!.map!.branches.find((b) => b.name.includes('right'))!;
    const nameBox = screen.getByRole('textbox', { name: `Name of territory ${right.id}` });
    fireEvent.change(nameBox, { target: { value: 'right portal vein' } });
    fireEvent.blur(nameBox);
    expect(anatomyStore.getState().territories!.names[right.id]).toBe('right portal vein');

    // A sagittal cut through the middle, normal to the patient's right: the right territory is resected.
    let cutId = '';
    act(() => {
      cutId = anatomyStore.getState().addCutPlane(1, { azimuthDeg: 180, elevationDeg: 0, offsetMm: 0 });
    });
    expect(screen.getByRole('status', { name: 'Remnant per territory' }).dataset.state).toBe('computing');
    await act(async () => {
      s.held.shift()!();
      await Promise.resolve();
    });
    const remnant = await screen.findByRole('table', { name: 'Remnant per territory' });
    const rightRow = within(remnant).getByRole('row', { name: 'right portal vein' });
    // Kept share of the right territory: ~0 (the territory border wavers by a voxel column about x = 0).
    expect(Number(/(\d+)%/.exec(within(rightRow).getAllByRole('cell')[2]!.textContent ?? '')![1])).toBeLessThan(5);
    const flr = screen.getByTestId('territory-flr').textContent ?? '';
    const flrPct = Number(/\(([\d.]+)%\)/.exec(flr)![1]);
    expect(flrPct).toBeGreaterThan(45);
    expect(flrPct).toBeLessThan(55);
    expect(flr).toMatch(/threshold 20%/);

    // Move the plane 12 mm to the patient's left: "Computing…" until that plane's numbers arrive, then below 40 %.
    act(() => {
      anatomyStore.getState().updateCutPlane(cutId, { offsetMm: -12 });
      anatomyStore.getState().setFlrThreshold(40);
    });
    expect(screen.getByRole('status', { name: 'Remnant per territory' }).dataset.state).toBe('computing');
    await act(async () => {
      s.held.shift()!();
      await Promise.resolve();
    });
    await waitFor(() => expect(screen.getByTestId('territory-flr').textContent).toMatch(/below 40%/));

    // Leave the right branch out: the left one takes the whole liver.
    fireEvent.click(screen.getByRole('checkbox', { name: `Use territory ${right.id}` }));
    await waitFor(() => expect(anatomyStore.getState().territories!.excludedIds).toEqual([right.id]));
    const left = anatomyStore.getState().territories!.map!.branches;
    expect(left).toHaveLength(1);
    expect(left[0]!.volumeMl).toBeCloseTo(liverMl, 6);
  }, 60_000);

  it('says what to do when there are no structures, and refuses to extract without a vessel', () => {
    const { unmount } = render(<TerritoryPanel session={session()} ct={null} />);
    expect(screen.getByText(/Segment the liver and its portal or hepatic veins first/)).toBeTruthy();
    unmount();
    anatomyStore.getState().setStructureMeshes([structure(1, 'liver'), structure(3, 'aorta')]);
    render(<TerritoryPanel session={session()} ct={null} />);
    expect(screen.getByRole('button', { name: 'Extract centrelines' })).toHaveProperty('disabled', true);
  });
});
