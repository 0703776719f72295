// @vitest-environment happy-dom
// The territories in 3D (issue 17): the centreline colours follow the territory each segment feeds
// (white above the chosen generation), and the legend beside the 3D view lists each territory with
// its colour, volume and share and toggles what the scene draws through its view store.
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TerritoryMap, VesselCentrelines } from '../../../core/contracts/territories';
import type { Vec3 } from '../../../core/domain/imaging';
import { anatomyStore, territoryColour } from '../../twin/anatomy';
import { centrelineSegments, Scene3DLegend, territory3dStore } from './Territories3D';

const seg = (id: number, parent: number | null, children: number[], generation: number, pointsLps: Vec3[]) => ({ id, parent, children, generation, pointsLps, radiiMm: pointsLps.map(() => 2), lengthMm: 10, meanRadiusMm: 2 });
// A Y: trunk (3 points) → left branch (2 points) and right branch (3 points, then a child of 2).
const centrelines: VesselCentrelines = {
  ignoredPieces: 0,
  trees: [
    {
      rootLps: [0, 0, -20],
      voxelCount: 100,
      bifurcationsLps: [[0, 0, 0]],
      structureLabel: 3,
      structureName: 'portal vein',
      segments: [
        seg(1, null, [2, 3], 0, [[0, 0, -20], [0, 0, -10], [0, 0, 0]]),
        seg(2, 1, [], 1, [[0, 0, 0], [10, 0, 10]]),
        seg(3, 1, [4], 1, [[0, 0, 0], [-5, 0, 5], [-10, 0, 10]]),
        seg(4, 3, [], 2, [[-10, 0, 10], [-12, 0, 20]]),
      ],
    },
  ],
};
const map: TerritoryMap = {
  grid: { dimensions: [2, 1, 1], spacingMm: [1, 1, 1], originLps: [0, 0, 0], directionLps: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
  offsetIjk: [0, 0, 0],
  labels: new Uint16Array([1, 2]),
  branches: [
    { id: 1, name: 'portal vein 1.1 · left', structureLabel: 3, tree: 0, segment: 2, generation: 1, volumeMl: 300 },
    { id: 2, name: 'portal vein 1.2 · right', structureLabel: 3, tree: 0, segment: 3, generation: 1, volumeMl: 900 },
  ],
  liverMl: 1200,
  generation: 1,
};

describe('territories in 3D', () => {
  beforeEach(() => {
    anatomyStore.getState().reset();
    territory3dStore.setState({ showTerritories: true, showCentrelines: true, hidden: new Set() });
  });
  afterEach(() => cleanup());

  it('colours each centreline segment by the territory it feeds, the trunk white', () => {
    const { positionsLps, coloursRgb } = centrelineSegments(centrelines, map);
    // Pairs: trunk 2, left 1, right 2, right child 1 → 6 pairs, 12 vertices.
    expect(positionsLps.length).toBe(36);
    const colourOf = (pair: number): number[] => Array.from(coloursRgb.slice(6 * pair, 6 * pair + 3)).map((c) => Math.round(c * 255));
    expect(colourOf(0)).toEqual([255, 255, 255]);
    expect(colourOf(1)).toEqual([255, 255, 255]);
    expect(colourOf(2)).toEqual(territoryColour(1));
    expect(colourOf(3)).toEqual(territoryColour(2));
    expect(colourOf(5)).toEqual(territoryColour(2)); // the right branch's child feeds its territory
    expect(Array.from(positionsLps.slice(30, 36))).toEqual([-10, 0, 10, -12, 0, 20]);
    // Without territories every segment is white.
    expect(Array.from(centrelineSegments(centrelines, null).coloursRgb).every((c) => c === 1)).toBe(true);
  });

  it('legend: each territory with its colour, mL and %, the surgeon\'s names, and toggles for the scene', () => {
    const s = anatomyStore.getState();
    s.setCentrelines([3], centrelines, 1);
    const { rerender } = render(<Scene3DLegend />);
    expect((screen.getByRole('checkbox', { name: 'Show centrelines in 3D' }) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByRole('checkbox', { name: 'Show territories in 3D' }) as HTMLInputElement).disabled).toBe(true); // no territories yet
    s.setTerritoryMap(5, map, []);
    s.renameTerritory(2, 'right liver');
    rerender(<Scene3DLegend />);
    const list = screen.getByRole('list', { name: 'Territory colours' });
    expect(list.textContent).toContain('portal vein 1.1 · left300 mL · 25%');
    expect(list.textContent).toContain('right liver900 mL · 75%');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Show territory right liver' }));
    expect([...territory3dStore.getState().hidden]).toEqual([2]);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Show centrelines in 3D' }));
    expect(territory3dStore.getState().showCentrelines).toBe(false);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Show territories in 3D' }));
    expect(territory3dStore.getState().showTerritories).toBe(false);
    expect((screen.getByRole('checkbox', { name: 'Show territory portal vein 1.1 · left' }) as HTMLInputElement).disabled).toBe(true);
  });
});
