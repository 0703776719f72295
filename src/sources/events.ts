// Live updates: one EventSource per open patient on /events?patient=ID. The browser's
// EventSource reconnects on its own and sends Last-Event-ID, so the server replays what was
// missed; this hook only turns each announced resource into query invalidations.
import { useEffect, useRef } from 'react';
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import type { ResourceEvent } from '../../core/contracts';

/** Parses one SSE data payload; null when it is not a resource event (comments, heartbeats). */
export function parseResourceEvent(data: string): ResourceEvent | null {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const e = v as Partial<ResourceEvent>;
  if (typeof e.resourceType !== 'string' || typeof e.id !== 'string' || typeof e.patientId !== 'string') return null;
  return e as ResourceEvent;
}

/**
 * Query-key prefixes that may show the announced resource: every query of that resource type
 * (searches by patient, reads by id), and for a Consent also the twin permission derived from it.
 */
export function queryKeysToInvalidate(event: Pick<ResourceEvent, 'resourceType' | 'id' | 'patientId'>): QueryKey[] {
  const keys: QueryKey[] = [['fhir', event.resourceType]];
  if (event.resourceType === 'Consent') keys.push(['fhir', 'Consent', 'twin-permission', event.patientId]);
  return keys;
}

export type LiveListener = (event: ResourceEvent) => void;

/** Subscribes while mounted; `onEvent` lets a view react (e.g. assimilate a vital) beyond refetching. */
export function usePatientEvents(patientId: string | undefined, onEvent?: LiveListener): void {
  const queryClient = useQueryClient();
  // The latest callback, without reconnecting the stream when the caller passes a new function.
  const onEventRef = useRef(onEvent);
  useEffect(() => {
    onEventRef.current = onEvent;
  }, [onEvent]);
  useEffect(() => {
    if (!patientId || typeof EventSource === 'undefined') return;
    const source = new EventSource(`/events?patient=${encodeURIComponent(patientId)}`);
    const handle = (msg: MessageEvent<string>) => {
      const event = parseResourceEvent(msg.data);
      if (!event || event.patientId !== patientId) return;
      for (const queryKey of queryKeysToInvalidate(event)) void queryClient.invalidateQueries({ queryKey });
      onEventRef.current?.(event);
    };
    // Servers may send unnamed events ("message") or name them after the action.
    source.addEventListener('message', handle);
    source.addEventListener('resource', handle);
    source.addEventListener('create', handle);
    source.addEventListener('update', handle);
    return () => source.close();
  }, [patientId, queryClient]);
}
