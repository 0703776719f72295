// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StructureMesh } from '../../../core/domain/mesh';
import { anatomyStore } from '../../twin/anatomy';
import { LvPublishPanel } from './LvPublishPanel';
import { MeasurePanel } from './MeasurePanel';
import { StructuresList } from './StructuresList';

function structure(label: number, name: string, meshVolumeMl: number): StructureMesh {
  return {
    label,
    name,
    colorRgb: [176, 96, 64],
    mesh: { positionsLps: new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]), indices: new Uint32Array([0, 1, 2]) },
    stats: { voxelCount: 1, voxelVolumeMl: meshVolumeMl, meshVolumeMl, rawMeshVolumeMl: meshVolumeMl, areaCm2: 1, triangleCount: 1, rawTriangleCount: 1, watertight: true },
  };
}

describe('Anatomy panels', () => {
  beforeEach(() => anatomyStore.getState().reset());
  afterEach(() => cleanup());

  it('Structures: name, colour, volume in mL, visibility and opacity drive the store', () => {
    const removed: number[] = [];
    anatomyStore.getState().setStructureMeshes([structure(1, 'liver', 1738.04), structure(2, 'aorta', 96.5)]);
    render(<StructuresList onRemove={(l) => removed.push(l)} />);
    const list = screen.getByRole('list', { name: 'Structures' });
    expect(list.textContent).toContain('liver');
    expect(screen.getByRole('listitem', { name: 'liver' }).textContent).toContain('1738.0 mL');
    fireEvent.click(screen.getByLabelText('Show aorta'));
    expect(anatomyStore.getState().structures.find((s) => s.label === 2)?.visible).toBe(false);
    fireEvent.change(screen.getByLabelText('Opacity of liver'), { target: { value: '0.4' } });
    expect(anatomyStore.getState().structures[0]?.opacity).toBeCloseTo(0.4, 10);
    fireEvent.click(screen.getByRole('button', { name: 'Remove aorta' }));
    expect(removed).toEqual([2]);
  });

  it('Measure: shows a completed distance and a renamable landmark', () => {
    const s = anatomyStore.getState();
    render(<MeasurePanel />);
    act(() => {
      s.setTool('distance');
      s.pickPoint([0, 0, 0]);
      s.pickPoint([0, 30, 40]);
      s.setTool('landmark');
      s.pickPoint([1, 2, 3]);
    });
    expect(screen.getByText('D1: 50.0 mm')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Landmark name L1'), { target: { value: 'IVC' } });
    expect(anatomyStore.getState().landmarks[0]?.name).toBe('IVC');
  });
  it('LV volume: preselects the LV blood pool by name and publishes its surface volume', async () => {
    anatomyStore.getState().setStructureMeshes([structure(1, 'heart_myocardium', 160), structure(2, 'heart_ventricle_left', 131.26)]);
    const published: number[] = [];
    render(
      <LvPublishPanel
        permission={{ allowed: true }}
        publish={async (label) => {
          published.push(label);
          return { volumeMl: 131.26, basis: 'surface', created: true, observationId: 'o1' };
        }}
      />,
    );
    expect((screen.getByLabelText('LV blood pool structure') as HTMLSelectElement).value).toBe('2');
    fireEvent.click(screen.getByRole('button', { name: 'Publish as LV volume' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Published: LV end-diastolic volume 131.3 mL'));
    expect(published).toEqual([2]);
  });

  it('LV volume: without an LV-named structure the user chooses one; a liver-sized volume is refused', () => {
    anatomyStore.getState().setStructureMeshes([structure(1, 'liver', 1738), structure(3, 'blood pool', 120)]);
    render(<LvPublishPanel permission={{ allowed: true }} publish={() => Promise.reject(new Error('not called'))} />);
    const button = screen.getByRole('button', { name: 'Publish as LV volume' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(screen.getByText(/No structure is named as the left-ventricular blood pool/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('LV blood pool structure'), { target: { value: '1' } });
    expect(button.disabled).toBe(true);
    expect(screen.getByText(/liver measures 1738.0 mL, outside an adult LV blood pool/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('LV blood pool structure'), { target: { value: '3' } });
    expect(button.disabled).toBe(false);
  });

  it('LV volume: disabled with the reason when consent denies the twin', () => {
    anatomyStore.getState().setStructureMeshes([structure(2, 'heart_ventricle_left', 131)]);
    render(<LvPublishPanel permission={{ allowed: false, reason: 'consent denies digital-twin for this patient' }} publish={() => Promise.reject(new Error('not called'))} />);
    expect((screen.getByRole('button', { name: 'Publish as LV volume' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText('Publishing to the twin is disabled: consent denies digital-twin for this patient')).toBeTruthy();
  });
});
