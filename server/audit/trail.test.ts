import type { AuditEvent } from '@medplum/fhirtypes';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecordInput } from '../../core/contracts';
import { AuditLog } from './log';
import { AUDIT_WATERMARK_FILE, AuditTrail, type AuditEventStore } from './trail';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** An AuditEvent store kept in a Map, that can be switched off to simulate an outage. */
class MapStore implements AuditEventStore {
  readonly events = new Map<string, AuditEvent>();
  up = true;
  hasCalls = 0;
  async put(event: AuditEvent): Promise<void> {
    if (!this.up) throw new Error('store down');
    this.events.set(event.id as string, event);
  }
  async has(id: string): Promise<boolean> {
    this.hasCalls++;
    if (!this.up) throw new Error('store down');
    return this.events.has(id);
  }
}

const entry = (i: number): AuditRecordInput => ({ at: new Date(0).toISOString(), user: null, action: 'R', method: 'GET', path: `/fhir/Patient/p${i}`, entities: [`Patient/p${i}`], httpStatus: 200, outcome: '0', requestId: `r${i}`, sourceIp: '127.0.0.1' });

function setup(): { dir: string; open: (store: MapStore) => Promise<AuditTrail> } {
  const dir = mkdtempSync(join(tmpdir(), 'audit-trail-'));
  dirs.push(dir);
  return {
    dir,
    open: async (store) => {
      const trail = new AuditTrail(AuditLog.inDir(dir), store, 3_600_000);
      await trail.resendMissing();
      return trail;
    },
  };
}

describe('audit trail', () => {
  it('forwards every record as an AuditEvent with the log id, and persists the watermark', async () => {
    const { dir, open } = setup();
    const store = new MapStore();
    const trail = await open(store);
    await Promise.all(Array.from({ length: 25 }, (_, i) => trail.record(entry(i))));
    await trail.close();
    expect(store.events.size).toBe(25);
    const ids = readFileSync(join(dir, 'audit.log'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);
    expect([...store.events.keys()].sort()).toEqual([...ids].sort());
    expect(readFileSync(join(dir, AUDIT_WATERMARK_FILE), 'utf8').trim()).toBe('25');
    // Next start: nothing to check below the watermark.
    const again = new MapStore();
    for (const [id, e] of store.events) again.events.set(id, e);
    const trail2 = await open(again);
    expect(again.hasCalls).toBe(0);
    await trail2.close();
  });

  it('writes the watermark in the background under load, and the final one at close', async () => {
    const { dir, open } = setup();
    const store = new MapStore();
    const trail = await open(store);
    // Over two background writes' worth (one per 500 records), while records keep coming.
    for (let i = 0; i < 1100; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => trail.record(entry(i + j))));
    await trail.close();
    expect(store.events.size).toBe(1100);
    expect(readFileSync(join(dir, AUDIT_WATERMARK_FILE), 'utf8').trim()).toBe('1100');
    const trail2 = await open(store);
    store.hasCalls = 0;
    await trail2.resendMissing();
    expect(store.hasCalls).toBe(0);
    await trail2.close();
  });

  it('keeps records through an outage and re-sends exactly the missing ones at the next start', async () => {
    const { dir, open } = setup();
    const store = new MapStore();
    const trail = await open(store);
    await trail.record(entry(1));
    await trail.drain();
    store.up = false;
    await trail.record(entry(2));
    await trail.record(entry(3));
    await trail.drain();
    expect(trail.pendingCount).toBe(2);
    await trail.close();
    expect(readFileSync(join(dir, AUDIT_WATERMARK_FILE), 'utf8').trim()).toBe('1');

    store.up = true;
    store.hasCalls = 0;
    const trail2 = await open(store);
    expect(store.hasCalls).toBe(2); // only the records after the watermark
    expect(store.events.size).toBe(3);
    expect(trail2.pendingCount).toBe(0);
    await trail2.record(entry(4));
    await trail2.close();
    expect(readFileSync(join(dir, AUDIT_WATERMARK_FILE), 'utf8').trim()).toBe('4');
  });

  it('starts even when the store is unreachable, leaving the records pending', async () => {
    const { open } = setup();
    const store = new MapStore();
    const t1 = await open(store);
    store.up = false;
    await t1.record(entry(1));
    await t1.close();
    const t2 = await open(store);
    expect(t2.pendingCount).toBe(1);
    await t2.close();
  });
});
