import { beforeEach, describe, expect, it } from 'vitest';
import { type StructureMesh } from '../../core/domain/mesh';
import { createAnatomyStore, type AnatomyStore } from './anatomy';

function structure(label: number, name: string): StructureMesh {
  return {
    label,
    name,
    colorRgb: [10, 20, 30],
    mesh: { positionsLps: new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]), indices: new Uint32Array([0, 1, 2]) },
    stats: { voxelCount: 1000, voxelVolumeMl: 1, meshVolumeMl: 0.98, rawMeshVolumeMl: 0.97, areaCm2: 1, triangleCount: 1, rawTriangleCount: 1, watertight: true },
  };
}

const pose = { positionLps: [0, -500, 0] as [number, number, number], targetLps: [0, 0, 0] as [number, number, number], upLps: [0, 0, 1] as [number, number, number] };

describe('anatomy store', () => {
  let store: AnatomyStore;
  beforeEach(() => {
    store = createAnatomyStore();
  });

  it('lists structures with their volumes and keeps visibility/opacity when re-meshed', () => {
    store.getState().setStructureMeshes([structure(2, 'vessel'), structure(1, 'liver')]);
    expect(store.getState().structures.map((s) => [s.label, s.name, s.meshVolumeMl])).toEqual([
      [1, 'liver', 0.98],
      [2, 'vessel', 0.98],
    ]);
    store.getState().setVisible(1, false);
    store.getState().setOpacity(1, 1.7);
    store.getState().setStructureMeshes([structure(1, 'liver')]);
    expect(store.getState().structures[0]).toMatchObject({ visible: false, opacity: 1 });
  });

  it('adds cut planes only on existing structures and clears them with their organ', () => {
    expect(() => store.getState().addCutPlane(1, { azimuthDeg: 0, elevationDeg: 0, offsetMm: 0 })).toThrow(/no structure/);
    store.getState().setStructureMeshes([structure(1, 'liver'), structure(2, 'vessel')]);
    const id = store.getState().addCutPlane(1, { azimuthDeg: 180, elevationDeg: 0, offsetMm: 0 });
    store.getState().updateCutPlane(id, { vesselLabel: 2, offsetMm: 4 });
    expect(store.getState().cutPlanes[0]).toMatchObject({ organLabel: 1, vesselLabel: 2, offsetMm: 4 });
    store.getState().removeStructure(2);
    expect(store.getState().cutPlanes[0]?.vesselLabel).toBeNull();
    store.getState().removeStructure(1);
    expect(store.getState().cutPlanes).toEqual([]);
  });

  it('drops the territories with the vessel or the liver they were computed from, and only then', () => {
    const s = store.getState;
    s().setStructureMeshes([structure(1, 'liver'), structure(2, 'portal vein'), structure(3, 'aorta')]);
    // Only the labels matter here; the centrelines and map are opaque to the store.
    const withTerritories = (): void => {
      s().setCentrelines([2], {} as never, 1);
      s().setTerritoryMap(1, { generation: 1 } as never, []);
    };
    withTerritories();
    s().removeStructure(3); // a structure the territories do not use
    expect(s().territories).toMatchObject({ vesselLabels: [2], liverLabel: 1 });
    s().removeStructure(2); // their vessel
    expect(s().territories).toBeNull();
    s().setStructureMeshes([structure(1, 'liver'), structure(2, 'portal vein')]);
    withTerritories();
    s().removeStructure(1); // their liver
    expect(s().territories).toBeNull();
  });

  it('completes distance, angle and landmark picks', () => {
    const s = store.getState;
    s().setTool('distance');
    s().pickPoint([0, 0, 0]);
    expect(s().measurements).toHaveLength(0);
    s().pickPoint([3, 4, 0]);
    expect(s().measurements[0]).toMatchObject({ kind: 'distance', value: 5 });
    s().setTool('angle');
    s().pickPoint([1, 0, 0]);
    s().pickPoint([0, 0, 0]);
    s().pickPoint([0, 1, 0]);
    expect(s().measurements[1]?.value).toBeCloseTo(90, 10);
    s().setTool('landmark');
    s().pickPoint([7, 8, 9]);
    expect(s().landmarks[0]).toMatchObject({ name: 'L1', pointLps: [7, 8, 9] });
    s().setTool('orbit');
    s().pickPoint([1, 1, 1]);
    expect(s().measurements).toHaveLength(2);
  });

  it('captures, reorders, deletes and replays plan steps', () => {
    const s = store.getState;
    s().setStructureMeshes([structure(1, 'liver'), structure(2, 'vessel')]);
    expect(() => s().captureStep('x')).toThrow(/no camera/);
    s().setCamera(pose);
    s().captureStep('overview');
    s().setVisible(2, false);
    s().addCutPlane(1, { azimuthDeg: 180, elevationDeg: 0, offsetMm: 10 });
    s().setCamera({ ...pose, positionLps: [500, 0, 0] });
    s().captureStep('cut');
    expect(s().steps.map((x) => [x.note, x.visibleLabels, x.cutPlanes.length])).toEqual([
      ['overview', [1, 2], 0],
      ['cut', [1], 1],
    ]);
    s().goToStep(0);
    expect(s().structures.every((x) => x.visible)).toBe(true);
    expect(s().cutPlanes).toEqual([]);
    expect(s().cameraRequest?.pose).toEqual(pose);
    s().moveStep(0, 1);
    expect(s().steps.map((x) => x.note)).toEqual(['cut', 'overview']);
    expect(s().currentStep).toBe(1);
    s().deleteStep(0);
    expect(s().steps.map((x) => x.note)).toEqual(['overview']);
    s().loadPlan('Saved', [{ ...s().steps[0]!, note: 'from record' }]);
    expect(s().planTitle).toBe('Saved');
    expect(s().currentStep).toBe(0);
  });

  it('refuses a clipping plane that does not exist', () => {
    expect(() => store.getState().setClipPlane(3, { enabled: true })).toThrow(/0…2/);
    store.getState().setClipPlane(2, { enabled: true, offsetMm: -40 });
    expect(store.getState().clipPlanes[2]).toMatchObject({ axis: 2, enabled: true, offsetMm: -40 });
  });
});
