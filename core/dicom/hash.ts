// Deterministic ids for files whose UIDs are empty (real scanners and anonymisers do this; the
// shared abdominal CT has empty Study/Series/SOP UIDs in its dataset). FNV-1a, 2×32 bits: not
// cryptographic, only stable and cheap, so the same folder always groups the same way.

export function fnv1a64Hex(parts: readonly string[]): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    }
    // Separator so ["ab","c"] and ["a","bc"] differ.
    h1 = Math.imul(h1 ^ 0x1f, 0x01000193);
    h2 = Math.imul(h2 ^ 0x1f, 0x5bd1e995);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** Hash of a byte range, sampled so that a 500 MB file costs no more than a few MB of reads. */
export function fnv1a64Bytes(bytes: Uint8Array): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x5bd1e995;
  const step = Math.max(1, Math.floor(bytes.length / (4 * 1024 * 1024)));
  for (let i = 0; i < bytes.length; i += step) {
    const c = bytes[i] as number;
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  h1 = Math.imul(h1 ^ bytes.length, 0x01000193);
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
