// Vascular territories (issue 17), split out of session.ts (issue 15): the three steps run in their
// own Anatomy worker, so cancelling them leaves the planner's surfaces alone. The worker keeps the
// centrelines and the liver mask it was sent last; this class tracks what it holds (a cancel
// terminates the worker and loses both) so the liver mask is sent once per liver.
import { type TerritoryMap, type TerritoryRemnantResult, type VesselCentrelines } from '../../../core/contracts/territories';
import { type AnatomyWorkerApi } from '../../../core/contracts/anatomy-worker';
import { type VolumeGeometry } from '../../../core/domain/imaging';
import { transfer, WorkerPool } from '../../../core/workerPool/workerPool';
import { anatomyWorkers, type JobHooks } from './anatomyWorkers';

type Plane = Parameters<AnatomyWorkerApi['territoryRemnants']>[0];
type Patch = Parameters<AnatomyWorkerApi['territoryRemnants']>[1];

export class TerritoryJobs {
  private readonly worker = new WorkerPool<AnatomyWorkerApi>({ name: 'anatomy territories', size: 1, create: anatomyWorkers });
  private held: { centrelines: boolean; liverLabel: number | null } = { centrelines: false, liverLabel: null };

  /** Step 1: centreline trees of the vessel masks (portal vein, hepatic veins); the masks are transferred. */
  async extractCentrelines(
    vessels: Array<{ label: number; name: string; mask: Uint8Array }>,
    grid: VolumeGeometry,
    options: { minBranchMm?: number },
    hooks: JobHooks = {},
  ): Promise<VesselCentrelines> {
    this.held = { centrelines: false, liverLabel: null };
    const r = await this.worker.run(
      (api, progress) => api.extractCentrelines(transfer(vessels, vessels.map((v) => v.mask.buffer as ArrayBuffer)), grid, options, progress),
      { signal: hooks.signal, onProgress: (f: number) => hooks.onProgress?.(f) },
    );
    this.held = { centrelines: true, liverLabel: null };
    return r;
  }

  /** Step 1 from a saved plan: its stored centrelines, held in the worker (no re-extraction). */
  async restoreCentrelines(centrelines: VesselCentrelines): Promise<void> {
    this.held = { centrelines: false, liverLabel: null };
    await this.worker.run((api) => api.restoreCentrelines(centrelines));
    this.held = { centrelines: true, liverLabel: null };
  }

  /**
   * Step 2: nearest-branch territories of the branches of `generation` over the liver; `liver.mask`
   * is built only when the worker does not hold this liver's already.
   */
  async computeTerritories(
    liverLabel: number,
    liver: { grid: () => VolumeGeometry; mask: () => Uint8Array },
    generation: number,
    excludeIds: number[],
    hooks: JobHooks = {},
  ): Promise<TerritoryMap> {
    if (!this.held.centrelines) throw new Error('extract the vessel centrelines first (a cancel or a new extraction discards them)');
    const grid = liver.grid();
    const mask = this.held.liverLabel === liverLabel ? null : liver.mask();
    this.held.liverLabel = null;
    try {
      const r = await this.worker.run(
        (api, progress) => api.computeTerritories(mask === null ? null : transfer(mask, [mask.buffer as ArrayBuffer]), grid, generation, excludeIds, progress),
        { signal: hooks.signal, onProgress: (f: number) => hooks.onProgress?.(f) },
      );
      this.held.liverLabel = liverLabel;
      return r;
    } catch (e) {
      // A cancel terminated the worker with what it held.
      if (hooks.signal?.aborted) this.held = { centrelines: false, liverLabel: null };
      throw e;
    }
  }

  /** Step 3: every territory's remnant for a cut plane, or its curved surface when bent. */
  remnants(plane: Plane, patch: Patch): Promise<TerritoryRemnantResult> {
    return this.worker.run((api) => api.territoryRemnants(plane, patch));
  }

  terminate(): void {
    void this.worker.terminate();
  }
}
