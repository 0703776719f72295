// The Anatomy worker's territory job (issue 17) called as the page calls it: centrelines of a
// Y-shaped "portal vein", territories of its first-generation branches over a block "liver", and
// the remnant per territory for a plane — errors named when a step is missing.
import { describe, expect, it } from 'vitest';
import { Y_VESSEL_GRID as g, yVesselMasks } from '../../test-support/yVessel';
import { createAnatomyWorkerApi } from './anatomyWorkerApi';

/** A fresh copy each call (the job may take the buffers). */
function masks(): { vessel: Uint8Array; liver: Uint8Array } {
  return yVesselMasks();
}

describe('Anatomy worker: vascular territory job', () => {
  it('extracts the Y, gives left and right territories of equal volume, and splits them by a cut plane', () => {
    const api = createAnatomyWorkerApi();
    const { vessel, liver } = masks();
    expect(() => api.computeTerritories(liver, g, 1, [])).toThrow(/extract the vessel centrelines first/);
    const progress: number[] = [];
    const c = api.extractCentrelines([{ label: 5, name: 'portal vein', mask: vessel }], g, {}, (f) => progress.push(f));
    expect(c.trees).toHaveLength(1);
    expect(c.trees[0]!.structureName).toBe('portal vein');
    expect(c.trees[0]!.segments).toHaveLength(3);
    expect(progress.at(-1)).toBe(1);
    expect(() => api.territoryRemnants({ pointLps: [0, 0, 0], normalLps: [1, 0, 0] })).toThrow(/compute the vascular territories first/);

    const liverMl = liver.reduce((a, v) => a + v, 0) / 1000;
    const t = api.computeTerritories(liver, g, 1, []);
    expect(t.branches.map((b) => b.name).sort()).toEqual(['portal vein 1.1 · left superior', 'portal vein 1.2 · right superior'].sort());
    expect(t.liverMl).toBeCloseTo(liverMl, 9);
    const [a, b] = t.branches.map((x) => x.volumeMl);
    // Symmetric about x = 0 (voxel centres at ±0.5): equal halves within the mid-plane's ties (one 1 mm column of 60).
    expect(Math.abs(a! - b!) / liverMl).toBeLessThan(1 / 30);
    expect(t.labels.length).toBe(t.grid.dimensions[0] * t.grid.dimensions[1] * t.grid.dimensions[2]);

    // A sagittal cut at x = 0, normal to the patient's right (−x): the right territory is resected, the left kept.
    const r = api.territoryRemnants({ pointLps: [0, 0, 0], normalLps: [-1, 0, 0] });
    const right = t.branches.find((x) => x.name.includes('right'))!;
    const left = t.branches.find((x) => x.name.includes('left'))!;
    const byId = new Map(r.byBranch.map((x) => [x.branchId, x]));
    expect(byId.get(left.id)!.remnantMl).toBeGreaterThan(0.95 * left.volumeMl);
    expect(byId.get(right.id)!.remnantMl).toBeLessThan(0.05 * right.volumeMl);
    expect(r.remnantMl).toBeCloseTo(liverMl / 2, 0);

    // Leaving a branch out gives the whole liver to the other one; the liver mask is reused (null).
    const one = api.computeTerritories(null, g, 1, [right.id]);
    expect(one.branches).toHaveLength(1);
    expect(one.branches[0]!.volumeMl).toBeCloseTo(liverMl, 9);
    expect(() => api.computeTerritories(null, g, 1, [1, 2])).toThrow(/no vessel branch of generation 1/);
    expect(() => api.extractCentrelines([], g, {})).toThrow(/choose at least one vessel/);
  });
});
