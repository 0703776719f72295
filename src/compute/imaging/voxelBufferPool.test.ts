import { describe, expect, it } from 'vitest';
import { VoxelBufferPool } from './voxelBufferPool';

describe('VoxelBufferPool', () => {
  it('gives the spare back for the same type and length, zeroed: no voxel of the last series survives', () => {
    const pool = new VoxelBufferPool();
    const a = pool.take(Float32Array, 1000) as Float32Array;
    a.fill(-1024.5);
    a[999] = 3071;
    pool.give(a);
    expect(pool.spareBytes).toBe(4000);
    const b = pool.take(Float32Array, 1000);
    expect(b).toBe(a);
    expect(pool.reused).toBe(1);
    expect(b.every((v) => v === 0)).toBe(true);
    // Handed out: no longer the spare, so a second take gets a fresh buffer.
    expect(pool.spareBytes).toBe(0);
    expect(pool.take(Float32Array, 1000)).not.toBe(a);
  });

  it('makes a fresh buffer for another length or type, and keeps one spare at most', () => {
    const pool = new VoxelBufferPool();
    const f = new Float32Array(8);
    pool.give(f);
    expect(pool.take(Float32Array, 9)).not.toBe(f);
    expect(pool.take(Int16Array, 8)).toBeInstanceOf(Int16Array);
    const g = new Float32Array(8);
    pool.give(g);
    expect(pool.take(Float32Array, 8)).toBe(g); // the latest given, the older one dropped
    expect(pool.reused).toBe(1);
    pool.give(new Int16Array(4));
    pool.clear();
    expect(pool.spareBytes).toBe(0);
  });

  it('never keeps a shared buffer (the published volume): the next series gets a fresh one and the shared voxels stay as they were', () => {
    const pool = new VoxelBufferPool();
    const published = pool.take(Int16Array, 1000) as Int16Array;
    published.fill(-1000);
    published[500] = 3071;
    pool.share(published);
    expect(pool.give(published)).toBe(false);
    expect(pool.spareBytes).toBe(0);
    const next = pool.take(Int16Array, 1000);
    expect(next).not.toBe(published);
    next.fill(7); // the next series writes its own buffer
    expect(published[0]).toBe(-1000);
    expect(published[500]).toBe(3071);
    expect(pool.reused).toBe(0);
    // An unshared buffer is still kept.
    expect(pool.give(next)).toBe(true);
    expect(pool.take(Int16Array, 1000)).toBe(next);
  });

  it('refuses a length that is no buffer size, by name', () => {
    expect(() => new VoxelBufferPool().take(Int16Array, -1)).toThrow(/-1 elements/);
    expect(() => new VoxelBufferPool().take(Int16Array, 1.5)).toThrow(/1.5 elements/);
  });
});
