import { describe, expect, it } from 'vitest';
import { ACK_UNDO_MS, ACK_UNDO_MS_E2E, ACK_UNDO_MS_PRODUCT, ackUndoMsForMode } from './ackUndo';

describe('acknowledgement undo window', () => {
  it('is 10 s in every bundle but the e2e suite’s own build', () => {
    expect(ACK_UNDO_MS_PRODUCT).toBe(10_000);
    for (const mode of ['production', 'development', 'test', 'E2E', 'e2e ', '']) expect(ackUndoMsForMode(mode)).toBe(10_000);
    // This process is not the e2e bundle (Vitest runs in mode "test").
    expect(ACK_UNDO_MS).toBe(10_000);
  });

  it('is shorter, but still a window, in the e2e build', () => {
    expect(ackUndoMsForMode('e2e')).toBe(ACK_UNDO_MS_E2E);
    expect(ACK_UNDO_MS_E2E).toBeGreaterThanOrEqual(2_000);
    expect(ACK_UNDO_MS_E2E).toBeLessThan(ACK_UNDO_MS_PRODUCT);
  });
});
