// Whether the server and its clinical back ends are answering, as seen from this browser.
// A vanilla zustand store so that the HTTP layer (outside React) can write to it.
import { createStore } from 'zustand/vanilla';

export type Connectivity = 'online' | 'server-unreachable' | 'upstream-down';

export interface ConnectivityState {
  status: Connectivity;
  /** ISO time of the first failure of the current outage, for the banner. */
  sinceIso: string | null;
  /** Writes made while offline and not yet accepted by the server (the outbox length). */
  pendingWrites: number;
  markReachable(): void;
  markUnreachable(kind: Exclude<Connectivity, 'online'>, nowIso?: string): void;
  setPendingWrites(n: number): void;
}

export const connectivityStore = createStore<ConnectivityState>()((set, get) => ({
  status: 'online',
  sinceIso: null,
  pendingWrites: 0,
  markReachable: () => {
    if (get().status !== 'online') set({ status: 'online', sinceIso: null });
  },
  markUnreachable: (kind, nowIso = new Date().toISOString()) => {
    const s = get();
    if (s.status !== kind) set({ status: kind, sinceIso: s.sinceIso ?? nowIso });
  },
  setPendingWrites: (n) => set({ pendingWrites: n }),
}));
