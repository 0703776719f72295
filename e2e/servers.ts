// The suite's servers. Each Playwright worker has its own server with its own fresh data folder, so
// a spec that writes to the record (an import, an acknowledged alarm, a plan) can only meet the
// writes of specs that ran before it in the same worker — as when the suite ran in one worker —
// never those of a spec running beside it. Workers take spec files in file order, so the order
// within each server is a subsequence of the one-worker order.
//
// Ports: worker 0's server on E2E_PORT (8181 by default), worker i's on E2E_PORT + 1 + i; E2E_PORT + 1
// is the real-CT spec's own server (liver-real-ct.spec.ts).

/**
 * Playwright workers, each with its own server (`E2E_WORKERS`, default 1). Two workers were not
 * faster on the 2-core gate (round 8, quiet fresh clones: Playwright 11.0 min with 2 workers and
 * 11.0 min with 1) — Chromium on SwiftShader and the server already fill
 * both cores — and a render/pixel race surfaced under them; the mechanism stays for bigger machines.
 */
export const E2E_WORKERS = Math.max(1, Number(process.env.E2E_WORKERS ?? 1) || 1);

export const E2E_BASE_PORT = Number(process.env.E2E_PORT ?? 8181);

/** The port of the server of the worker with this `parallelIndex` (0 … E2E_WORKERS − 1). */
export function serverPort(parallelIndex: number): number {
  return parallelIndex === 0 ? E2E_BASE_PORT : E2E_BASE_PORT + 1 + parallelIndex;
}

export function serverURL(parallelIndex: number): string {
  return `http://127.0.0.1:${serverPort(parallelIndex)}`;
}
