// Whether the server and its clinical back ends are answering, as seen from this browser.
// A vanilla zustand store so that the HTTP layer (outside React) can write to it.
import { createStore } from 'zustand/vanilla';

export type Connectivity = 'online' | 'server-unreachable' | 'upstream-down';

export interface ConnectivityState {
  status: Connectivity;
  /** ISO time of the first failure of the current outage, for the banner. */
  sinceIso: string | null;
  /** Writes made while offline and not yet accepted by the server (waiting in the outbox). */
  pendingWrites: number;
  /** Queued writes the server refused on replay (e.g. consent withdrawn meanwhile): kept until the user dismisses them. */
  rejectedWrites: RejectedWrite[];
  markReachable(): void;
  markUnreachable(kind: Exclude<Connectivity, 'online'>, nowIso?: string): void;
  setPendingWrites(n: number): void;
  setRejectedWrites(list: RejectedWrite[]): void;
}

export interface RejectedWrite {
  key: string;
  resourceType: string;
  message: string;
}

export const connectivityStore = createStore<ConnectivityState>()((set, get) => ({
  status: 'online',
  sinceIso: null,
  pendingWrites: 0,
  rejectedWrites: [],
  markReachable: () => {
    if (get().status !== 'online') set({ status: 'online', sinceIso: null });
  },
  markUnreachable: (kind, nowIso = new Date().toISOString()) => {
    const s = get();
    if (s.status !== kind) set({ status: kind, sinceIso: s.sinceIso ?? nowIso });
  },
  setPendingWrites: (n) => set({ pendingWrites: n }),
  setRejectedWrites: (list) => set({ rejectedWrites: list }),
}));
