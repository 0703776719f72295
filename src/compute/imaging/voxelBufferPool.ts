// The filled volume's scalar buffer kept for the next series the viewer opens (issue 14).
//
// A 300×512² CT fills a 314 MB Float32Array. A fresh one is mapped lazily, so its first write to
// each 4 KB page faults: the 77 k faults of one open cost ≈ 1.1–1.3 s of main-thread CPU against
// 0.10–0.15 s for the same 300 slice writes into a buffer already touched (Node, 2026-12-07, load
// ≈ 18 on 2 cores; traced in Chromium as "volume fill: writes" 1.84 s of 1.95 s). A series opened
// after another of the same size (another series of the study, the same one again) gets the
// previous buffer back, zeroed — a slice not yet written must show nothing, never the last
// series' voxels (possibly another patient's) — instead of a fresh one.
//
// One spare at most, exact length and type only (a larger one would keep memory the series does
// not use); owned by one viewer and dropped with it. A buffer handed outside the viewer — the
// published volume's voxels, which the Anatomy view and meshing read for as long as they keep it
// (issue 14: shared, no longer copied) — is marked `shared` and never kept: `give` drops it, so
// the next series can never zero or overwrite what Anatomy still shows; the garbage collector
// frees it once its last holder lets go. Pure: tested in Node.
import type { VoxelBuffer } from './volumeFill';

export type VoxelBufferCtor = new (length: number) => VoxelBuffer;

export class VoxelBufferPool {
  private spare: VoxelBuffer | null = null;
  /** Buffers handed outside the viewer (the published volume): never kept for reuse. */
  private readonly sharedBuffers = new WeakSet<VoxelBuffer>();
  /** How many `take` calls were served by the spare (read by tests and the benchmark). */
  reused = 0;

  /**
   * A zeroed buffer of `length` elements of `Ctor`: the spare when it has that type and length
   * (then no longer the spare), else a fresh one.
   */
  take(Ctor: VoxelBufferCtor, length: number): VoxelBuffer {
    if (!Number.isInteger(length) || length < 0) throw new Error(`a voxel buffer of ${length} elements cannot be made`);
    const s = this.spare;
    if (s && s.length === length && s.constructor === Ctor) {
      this.spare = null;
      this.reused++;
      s.fill(0);
      return s;
    }
    return new Ctor(length);
  }

  /**
   * `buffer` is now also held outside the viewer (the published volume's voxels): from here on
   * `give` will not keep it.
   */
  share(buffer: VoxelBuffer): void {
    this.sharedBuffers.add(buffer);
  }

  /**
   * Keep `buffer` for the next `take` (replacing, and so freeing, any older spare), unless it was
   * shared: then it is left to its other holders. Returns whether it was kept.
   */
  give(buffer: VoxelBuffer): boolean {
    if (this.sharedBuffers.has(buffer)) return false;
    this.spare = buffer;
    return true;
  }

  /** Drop the spare (the viewer is destroyed). */
  clear(): void {
    this.spare = null;
  }

  /** Bytes held by the spare. */
  get spareBytes(): number {
    return this.spare?.byteLength ?? 0;
  }
}
