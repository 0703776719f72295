import { carePlanBundle } from '../../core/domain/twinRecords';
import { describe, expect, it } from 'vitest';
import type { Observation, Resource } from '@medplum/fhirtypes';
import { ApiError } from './http';
import { createOrQueue, idempotencyOf, MemoryOutboxStorage, Outbox, type SendFn } from './outbox';

const obs = (value: string): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'forecast' },
  identifier: [{ system: 'https://twinscope.dev/id/forecast', value }],
});

/**
 * A stand-in for the FHIR server's conditional create: a store keyed by identifier, which can be
 * told to be unreachable or to refuse. It implements the semantics the outbox relies on
 * (If-None-Exist returns the existing resource), so the tests check idempotency end to end.
 */
function conditionalStore() {
  const byKey = new Map<string, Resource>();
  let mode: 'up' | 'down' | 'refuse-next' = 'up';
  let creates = 0;
  const send: SendFn = (resource, ifNoneExist) => {
    if (mode === 'down') return Promise.reject(new ApiError('upstream-down', 502, 'down'));
    if (mode === 'refuse-next') {
      mode = 'up';
      return Promise.reject(new ApiError('forbidden', 403, 'Consent denies digital-twin'));
    }
    const existing = byKey.get(ifNoneExist);
    if (existing) return Promise.resolve(existing);
    creates++;
    const stored = { ...resource, id: `r${creates}` };
    byKey.set(ifNoneExist, stored);
    return Promise.resolve(stored);
  };
  return {
    send,
    setMode: (m: typeof mode) => (mode = m),
    get creates() {
      return creates;
    },
    get size() {
      return byKey.size;
    },
  };
}

describe('idempotencyOf', () => {
  it('derives the key and an escaped If-None-Exist from the identifier', () => {
    expect(idempotencyOf(obs('a,b|c'))).toEqual({
      key: 'https://twinscope.dev/id/forecast|a,b|c',
      ifNoneExist: 'identifier=https://twinscope.dev/id/forecast|a\\,b\\|c',
    });
  });
  it('refuses a resource without a full identifier, naming the type', () => {
    expect(() => idempotencyOf({ resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: {} })).toThrow(/CarePlan cannot be queued offline/);
    expect(() => idempotencyOf({ ...obs('x'), identifier: [{ value: 'no-system' }] })).toThrow(/needs an identifier/);
  });
});

describe('transactions in the outbox (issue 13)', () => {
  it('keys a plan transaction by its Bundle identifier, so the same decision queued twice is one write', async () => {
    const bundle = carePlanBundle({
      patientId: 'p1', planId: 'beta-1', title: 'T', activities: ['A'], summary: '', override: false, reason: '', createdAt: '2026-12-07T10:00:00Z',
      actor: { userId: 'u', display: 'U' }, model: { name: 'm', version: '1' }, inputs: [],
    });
    expect(idempotencyOf(bundle).key).toBe('https://twinscope.dev/fhir/identifier/twin-plan|p1:beta-1');
    const outbox = new Outbox(new MemoryOutboxStorage());
    await outbox.enqueue(bundle);
    await outbox.enqueue(structuredClone(bundle));
    expect(await outbox.pending()).toHaveLength(1);
  });
});

describe('Outbox', () => {
  it('queues while down, then replays in order once up, creating each resource once', async () => {
    const server = conditionalStore();
    const outbox = new Outbox(new MemoryOutboxStorage());
    server.setMode('down');
    expect((await createOrQueue(outbox, server.send, obs('1'))).status).toBe('queued');
    expect((await createOrQueue(outbox, server.send, obs('2'))).status).toBe('queued');
    // Same write again (e.g. the user pressed Save twice): still one entry.
    await createOrQueue(outbox, server.send, obs('1'));
    expect((await outbox.pending()).map((e) => e.key.split('|')[1])).toEqual(['1', '2']);

    const stillDown = await outbox.replay(server.send);
    expect(stillDown.sent).toEqual([]);
    expect(stillDown.stoppedBy?.kind).toBe('upstream-down');
    expect(stillDown.remaining).toBe(2);
    expect((await outbox.pending())[0]?.attempts).toBe(1);

    server.setMode('up');
    const r = await outbox.replay(server.send);
    expect(r.sent).toHaveLength(2);
    expect(r.remaining).toBe(0);
    expect(server.creates).toBe(2);
  });

  it('does not duplicate a write the server received before the connection broke', async () => {
    const server = conditionalStore();
    const outbox = new Outbox(new MemoryOutboxStorage());
    // The create reached the server, but its answer was lost: the client queued it.
    await server.send(obs('lost-ack'), idempotencyOf(obs('lost-ack')).ifNoneExist);
    await outbox.enqueue(obs('lost-ack'));
    const r = await outbox.replay(server.send);
    expect(r.sent).toHaveLength(1);
    expect(server.creates).toBe(1);
    expect(server.size).toBe(1);
  });

  it('marks a refused entry rejected, keeps it for the user, and goes on with the rest', async () => {
    const server = conditionalStore();
    const outbox = new Outbox(new MemoryOutboxStorage());
    await outbox.enqueue(obs('a'));
    await outbox.enqueue(obs('b'));
    server.setMode('refuse-next');
    const r = await outbox.replay(server.send);
    expect(r.rejected).toEqual(['https://twinscope.dev/id/forecast|a']);
    expect(r.sent).toEqual(['https://twinscope.dev/id/forecast|b']);
    const [left] = await outbox.pending();
    expect(left?.rejected).toEqual({ status: 403, message: 'Consent denies digital-twin' });
    // A later replay does not resend it; discarding removes it.
    expect((await outbox.replay(server.send)).sent).toEqual([]);
    await outbox.discard(left!.key);
    expect(await outbox.pending()).toEqual([]);
  });

  it('shares one run between concurrent replays', async () => {
    const server = conditionalStore();
    const outbox = new Outbox(new MemoryOutboxStorage());
    await outbox.enqueue(obs('x'));
    const [a, b] = await Promise.all([outbox.replay(server.send), outbox.replay(server.send)]);
    expect(a).toBe(b);
    expect(server.creates).toBe(1);
  });

  it('throws refusals from createOrQueue instead of queueing them', async () => {
    const server = conditionalStore();
    const outbox = new Outbox(new MemoryOutboxStorage());
    server.setMode('refuse-next');
    await expect(createOrQueue(outbox, server.send, obs('z'))).rejects.toMatchObject({ kind: 'forbidden' });
    expect(await outbox.pending()).toEqual([]);
    expect(await createOrQueue(outbox, server.send, obs('z'))).toMatchObject({ status: 'sent', resource: { id: 'r1' } });
  });
});
