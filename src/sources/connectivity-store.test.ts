import { beforeEach, describe, expect, it } from 'vitest';
import { connectivityStore } from './connectivity-store';

describe('connectivityStore', () => {
  beforeEach(() => connectivityStore.setState({ status: 'online', sinceIso: null, pendingWrites: 0, rejectedWrites: [] }));

  it('remembers when the outage began across changes of kind, and forgets it when back online', () => {
    const s = connectivityStore.getState();
    s.markUnreachable('server-unreachable', '2026-11-21T06:00:00.000Z');
    s.markUnreachable('upstream-down', '2026-11-21T06:00:05.000Z');
    expect(connectivityStore.getState()).toMatchObject({ status: 'upstream-down', sinceIso: '2026-11-21T06:00:00.000Z' });
    s.markReachable();
    expect(connectivityStore.getState()).toMatchObject({ status: 'online', sinceIso: null });
  });

  it('does not notify subscribers when nothing changes', () => {
    let notified = 0;
    const unsubscribe = connectivityStore.subscribe(() => notified++);
    connectivityStore.getState().markReachable();
    connectivityStore.getState().markUnreachable('server-unreachable');
    connectivityStore.getState().markUnreachable('server-unreachable');
    unsubscribe();
    expect(notified).toBe(1);
  });
});
