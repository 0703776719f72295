// How long an acknowledged alert can be undone before it is written to the record (Flag +
// Provenance). The product's window is 10 s. The one exception is the bundle the end-to-end suite
// builds for itself (`vite build --mode e2e --outDir dist-e2e`, scripts/bootstrap.mjs `build-e2e`,
// started by playwright.config.ts): Vite replaces `import.meta.env.MODE` at build time, so no
// setting, environment variable or URL of a running server can shorten a production bundle's window.

/** The product's undo window. */
export const ACK_UNDO_MS_PRODUCT = 10_000;
/**
 * The e2e bundle's window: long enough for a test to press Undo (focus is already on it) or cut
 * the network inside it on two busy cores, short enough that the suite does not wait out 10 s per
 * acknowledgement.
 */
export const ACK_UNDO_MS_E2E = 4_000;

/** The undo window of a bundle built in Vite mode `mode`: only the `e2e` mode shortens it. */
export function ackUndoMsForMode(mode: string): number {
  return mode === 'e2e' ? ACK_UNDO_MS_E2E : ACK_UNDO_MS_PRODUCT;
}

/** This bundle's undo window. */
export const ACK_UNDO_MS = ackUndoMsForMode(import.meta.env.MODE);
