// Live events in upstream mode. An arbitrary FHIR server cannot be assumed to push notifications
// (R4 Subscriptions are rarely enabled for third parties), so the proxy polls it with
// `_lastUpdated=gt…` — only for patients someone is subscribed to, only while they are.
//
// Event ids: `meta.lastUpdated` in epoch milliseconds. Every proxy copy polling the same upstream
// derives the same id for the same version, so a browser may reconnect to any copy with its
// Last-Event-ID. Delivery is at-least-once: the poll looks back `lookbackMs` behind its cursor
// (writes commit out of order on busy servers) and the hub drops versions it already announced;
// clients key on resourceType/id/versionId.
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { ResourceEvent } from '../../core/contracts';
import type { EventBackfill, PatientEventHub } from '../events/hub';
import { patientIdOfResource } from '../fhir/references';
import type { UpstreamFhirClient } from './client';

/** Patient-compartment types the twin cares about, and the search parameter linking each to its patient. */
export const POLLED_TYPES: readonly { type: string; param: string }[] = [
  { type: 'Patient', param: '_id' },
  { type: 'Observation', param: 'patient' },
  { type: 'Condition', param: 'patient' },
  { type: 'MedicationStatement', param: 'patient' },
  { type: 'Procedure', param: 'patient' },
  { type: 'ServiceRequest', param: 'patient' },
  { type: 'CarePlan', param: 'patient' },
  { type: 'Task', param: 'patient' },
  { type: 'Provenance', param: 'patient' },
  { type: 'RiskAssessment', param: 'patient' },
  { type: 'DiagnosticReport', param: 'patient' },
  { type: 'DocumentReference', param: 'patient' },
  { type: 'ImagingStudy', param: 'patient' },
  { type: 'Consent', param: 'patient' },
];

const PAGE = 200;

function eventOf(resource: Resource, patientId: string): ResourceEvent | null {
  const iso = resource.meta?.lastUpdated;
  const ms = iso ? Date.parse(iso) : NaN;
  if (!resource.id || Number.isNaN(ms)) return null;
  const versionId = resource.meta?.versionId;
  return {
    seq: ms,
    patientId,
    resourceType: resource.resourceType,
    id: resource.id,
    ...(versionId ? { versionId } : {}),
    // R4 search shows the current version only; servers number versions from 1 (HAPI, the embedded
    // store), so version 1 is a creation. Servers with opaque version ids report "update".
    action: versionId === '1' ? 'create' : 'update',
    at: new Date(ms).toISOString(),
  };
}

/** Resources of one patient changed in (afterMs, upToMs], all polled types, ascending by time. */
async function changedSince(client: UpstreamFhirClient, patientId: string, afterMs: number, upToMs: number | null, limit: number): Promise<ResourceEvent[]> {
  const out: ResourceEvent[] = [];
  for (const { type, param } of POLLED_TYPES) {
    const q = new URLSearchParams();
    q.set(param, param === '_id' ? patientId : `Patient/${patientId}`);
    q.append('_lastUpdated', `gt${new Date(afterMs).toISOString()}`);
    if (upToMs !== null) q.append('_lastUpdated', `le${new Date(upToMs).toISOString()}`);
    q.set('_sort', '_lastUpdated');
    q.set('_count', String(Math.min(PAGE, limit)));
    const { status, body } = await client.json('GET', `${type}?${q.toString()}`);
    if (status >= 400) continue; // a type this upstream does not support is simply not watched
    const bundle = body as Bundle | undefined;
    for (const entry of bundle?.entry ?? []) {
      const r = entry.resource;
      if (!r) continue;
      // Trust but verify: only announce what really belongs to this patient.
      if (patientIdOfResource(r as unknown as Record<string, unknown>) !== patientId) continue;
      const e = eventOf(r, patientId);
      if (e) out.push(e);
    }
  }
  out.sort((a, b) => a.seq - b.seq);
  return out.slice(0, limit);
}

/** Replays for Last-Event-ID older than the hub's ring, asked of the upstream itself. */
export class UpstreamEventBackfill implements EventBackfill {
  constructor(private readonly client: UpstreamFhirClient) {}

  eventsBetween(patientId: string, afterSeq: number, upToSeq: number, limit: number): Promise<ResourceEvent[]> {
    return changedSince(this.client, patientId, afterSeq, upToSeq, limit);
  }
}

export interface PollerOptions {
  intervalMs?: number;
  /** How far behind its cursor each poll looks again, for writes that became visible late. */
  lookbackMs?: number;
}

export class UpstreamEventPoller {
  /** Per patient: the newest lastUpdated seen (ms). Dropped when nobody watches the patient any more. */
  private readonly cursors = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly intervalMs: number;
  private readonly lookbackMs: number;

  constructor(
    private readonly client: UpstreamFhirClient,
    private readonly hub: PatientEventHub,
    options: PollerOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.intervalMs = options.intervalMs ?? 5000;
    this.lookbackMs = options.lookbackMs ?? 2000;
  }

  start(): void {
    if (this.timer) return;
    // One timer for the process; a poll that overruns the interval is not started twice.
    this.timer = setInterval(() => {
      if (!this.running) {
        this.running = this.pollOnce()
          .then(() => undefined)
          .catch(() => undefined)
          .finally(() => {
            this.running = null;
          });
      }
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One poll of every subscribed patient. Returns the number of events published. */
  async pollOnce(): Promise<number> {
    const watched = new Set(this.hub.subscribedPatients());
    for (const pid of this.cursors.keys()) if (!watched.has(pid)) this.cursors.delete(pid);
    let published = 0;
    for (const pid of watched) {
      // A patient newly watched starts from about when the subscription began (at most one
      // interval ago): older history is what the client loaded itself, or what its Last-Event-ID
      // replay (the backfill) delivers.
      const cursor = this.cursors.get(pid) ?? this.now() - this.intervalMs - this.lookbackMs;
      if (!this.cursors.has(pid)) this.cursors.set(pid, cursor);
      const events = await changedSince(this.client, pid, cursor - this.lookbackMs, null, 1000);
      let newest = cursor;
      for (const e of events) {
        if (this.hub.publishSequenced(e)) published++;
        if (e.seq > newest) newest = e.seq;
      }
      this.cursors.set(pid, newest);
    }
    return published;
  }
}
