import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ResourceEvent } from '../../core/contracts';
import { PatientEventHub, type EventBackfill } from './hub';

function ev(seq: number, patientId: string, id = `o${seq}`): ResourceEvent {
  return { seq, patientId, resourceType: 'Observation', id, versionId: '1', action: 'create', at: '2026-01-01T00:00:00Z' };
}

describe('PatientEventHub', () => {
  it('delivers live events only to subscribers of that patient', () => {
    const hub = new PatientEventHub();
    const a: number[] = [];
    const b: number[] = [];
    hub.subscribe('pa', null, (e) => a.push(e.seq));
    hub.subscribe('pb', null, (e) => b.push(e.seq));
    hub.publishSequenced(ev(1, 'pa'));
    hub.publishSequenced(ev(2, 'pb'));
    hub.publishSequenced(ev(3, 'pa'));
    expect(a).toEqual([1, 3]);
    expect(b).toEqual([2]);
  });

  it('replays exactly the events after Last-Event-ID from the ring', () => {
    const hub = new PatientEventHub({ ringSize: 16 });
    for (let s = 1; s <= 10; s++) hub.publishSequenced(ev(s, s % 2 === 0 ? 'pa' : 'pb'));
    const got: number[] = [];
    hub.subscribe('pa', 4, (e) => got.push(e.seq));
    hub.publishSequenced(ev(11, 'pa', 'late'));
    hub.publishSequenced(ev(12, 'pa', 'later'));
    expect(got).toEqual([6, 8, 10, 11, 12]);
  });

  it('stops delivering after unsubscribe and forgets empty patients', () => {
    const hub = new PatientEventHub();
    const got: number[] = [];
    const off = hub.subscribe('pa', null, (e) => got.push(e.seq));
    expect(hub.subscribedPatients()).toEqual(['pa']);
    hub.publishSequenced(ev(1, 'pa'));
    off();
    off();
    hub.publishSequenced(ev(2, 'pa'));
    expect(got).toEqual([1]);
    expect(hub.subscriberCount).toBe(0);
    expect(hub.subscribedPatients()).toEqual([]);
  });

  it('announces the same resource version once even when published twice (proxy write + upstream poll)', () => {
    const hub = new PatientEventHub();
    const got: number[] = [];
    hub.subscribe('pa', null, (e) => got.push(e.seq));
    expect(hub.publishSequenced(ev(5, 'pa', 'x'))).toBe(true);
    expect(hub.publishSequenced(ev(5, 'pa', 'x'))).toBe(false);
    expect(got).toEqual([5]);
  });

  it('falls back to the durable backfill for ids older than the ring, without gaps or duplicates', async () => {
    const stored: ResourceEvent[] = [];
    for (let s = 1; s <= 50; s++) stored.push(ev(s, s % 3 === 0 ? 'pa' : 'pb'));
    const calls: [number, number][] = [];
    const backfill: EventBackfill = {
      eventsBetween: (patientId, afterSeq, upToSeq, limit) => {
        calls.push([afterSeq, upToSeq]);
        return Promise.resolve(stored.filter((e) => e.patientId === patientId && e.seq > afterSeq && e.seq <= upToSeq).slice(0, limit));
      },
    };
    const hub = new PatientEventHub({ ringSize: 8, backfill });
    for (const e of stored) hub.publishSequenced(e);
    const got: number[] = [];
    const sub = hub.open('pa', 10, (e) => got.push(e.seq));
    // Arrives while the backfill is in flight: must come after the replay, once.
    hub.publishSequenced(ev(51, 'pa'));
    await sub.ready;
    hub.publishSequenced(ev(54, 'pa'));
    const expected = stored.filter((e) => e.patientId === 'pa' && e.seq > 10).map((e) => e.seq);
    expect(got).toEqual([...expected, 51, 54]);
    expect(calls).toEqual([[10, 42]]); // ring of 8 holds 43..50 after 50 publishes
  });

  it('with an incomplete ring (upstream mode) every resume asks the backfill and merges it with the ring once', async () => {
    const upstreamOnly = ev(15, 'pa', 'direct-write'); // written on the upstream while nobody was subscribed
    const hub = new PatientEventHub({
      floorSeq: 10,
      ringIsComplete: false,
      backfill: {
        eventsBetween: (_pid, after, upTo) => {
          expect(upTo).toBe(Number.MAX_SAFE_INTEGER);
          return Promise.resolve([ev(12, 'pa', 'via-proxy'), upstreamOnly, ev(20, 'pa', 'polled')].filter((e) => e.seq > after));
        },
      },
    });
    hub.publishSequenced(ev(12, 'pa', 'via-proxy'));
    hub.publishSequenced(ev(20, 'pa', 'polled'));
    const got: string[] = [];
    await hub.open('pa', 11, (e) => got.push(e.id)).ready;
    expect(got).toEqual(['via-proxy', 'direct-write', 'polled']);
  });

  it('reports a failed backfill but still delivers the ring and live events', async () => {
    const hub = new PatientEventHub({
      ringSize: 2,
      backfill: { eventsBetween: () => Promise.reject(new Error('store offline')) },
    });
    for (let s = 1; s <= 5; s++) hub.publishSequenced(ev(s, 'pa'));
    const got: number[] = [];
    const sub = hub.open('pa', 1, (e) => got.push(e.seq));
    await expect(sub.ready).rejects.toThrow('store offline');
    expect(got).toEqual([4, 5]);
  });

  it('keeps one subscriber failing from starving the others', () => {
    const hub = new PatientEventHub();
    const got: number[] = [];
    hub.subscribe('pa', null, () => {
      throw new Error('socket gone');
    });
    hub.subscribe('pa', null, (e) => got.push(e.seq));
    hub.publishSequenced(ev(1, 'pa'));
    expect(got).toEqual([1]);
  });

  it('rejects invalid sequence numbers', () => {
    const hub = new PatientEventHub();
    expect(() => hub.publishSequenced(ev(-1, 'pa'))).toThrow(/non-negative/);
    expect(() => hub.publishSequenced(ev(1.5, 'pa'))).toThrow(/non-negative/);
    expect(() => new PatientEventHub({ ringSize: 0 })).toThrow(/ringSize/);
  });

  it('publish() without a durable seq allocates one above everything seen', () => {
    const hub = new PatientEventHub({ floorSeq: 100 });
    const e = hub.publish({ patientId: 'pa', resourceType: 'Observation', id: 'a', action: 'create', at: 'x' });
    expect(e.seq).toBe(101);
  });

  it('property: any resume point replays exactly the missed events of that patient, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('pa', 'pb', 'pc'), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 70 }),
        async (patients, ringSize, resumeAfter) => {
          const stored = patients.map((p, i) => ev(i + 1, p));
          const hub = new PatientEventHub({
            ringSize,
            backfill: {
              eventsBetween: (pid, after, upTo, limit) =>
                Promise.resolve(stored.filter((e) => e.patientId === pid && e.seq > after && e.seq <= upTo).slice(0, limit)),
            },
          });
          for (const e of stored) hub.publishSequenced(e);
          const got: number[] = [];
          const sub = hub.open('pa', resumeAfter, (e) => got.push(e.seq));
          await sub.ready;
          const expected = stored.filter((e) => e.patientId === 'pa' && e.seq > resumeAfter).map((e) => e.seq);
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 300, seed: 20261121 },
    );
  });
});
