// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReactNode } from 'react';
import { cleanup, renderHook } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ResourceEvent } from '../../core/contracts';
import { usePatientEvents } from './events';
import { queryKeys } from './queries';

/**
 * The browser's EventSource cannot reach a server in happy-dom; this records what the hook opens
 * and lets the test deliver frames the way the browser would (MessageEvent with `data`).
 */
class RecordingEventSource extends EventTarget {
  static opened: RecordingEventSource[] = [];
  closed = false;
  constructor(readonly url: string) {
    super();
    RecordingEventSource.opened.push(this);
  }
  close() {
    this.closed = true;
  }
  deliver(data: string, type = 'message') {
    this.dispatchEvent(new MessageEvent(type, { data }));
  }
}

const realEventSource = globalThis.EventSource;
beforeEach(() => {
  RecordingEventSource.opened = [];
  (globalThis as { EventSource: unknown }).EventSource = RecordingEventSource;
});
afterEach(() => {
  cleanup();
  (globalThis as { EventSource: unknown }).EventSource = realEventSource;
});

const event = (over: Partial<ResourceEvent>): string =>
  JSON.stringify({ seq: 1, patientId: 'p1', resourceType: 'Condition', id: 'c1', action: 'create', at: '2026-11-21T06:00:00Z', ...over });

describe('usePatientEvents', () => {
  it('subscribes for the patient, invalidates matching queries only, and closes on unmount', () => {
    const client = new QueryClient();
    client.setQueryData(queryKeys.conditions('p1'), []);
    client.setQueryData(queryKeys.patient('p1'), { resourceType: 'Patient', id: 'p1' });
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
    const seen: ResourceEvent[] = [];
    const { unmount } = renderHook(() => usePatientEvents('p1', (e) => seen.push(e)), { wrapper });

    const [source] = RecordingEventSource.opened;
    expect(source?.url).toBe('/events?patient=p1');
    source!.deliver(event({ patientId: 'other' })); // another patient's event is ignored
    source!.deliver('not json');
    expect(client.getQueryState(queryKeys.conditions('p1'))?.isInvalidated).toBe(false);

    source!.deliver(event({}));
    expect(client.getQueryState(queryKeys.conditions('p1'))?.isInvalidated).toBe(true);
    expect(client.getQueryState(queryKeys.patient('p1'))?.isInvalidated).toBe(false);
    expect(seen.map((e) => e.id)).toEqual(['c1']);

    unmount();
    expect(source!.closed).toBe(true);
  });
});
