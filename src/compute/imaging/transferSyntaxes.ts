// The viewer's view of the one transfer-syntax table (core/dicom/transferSyntax.ts): whether a
// browser codec in @cornerstonejs/dicom-image-loader 5.14 decodes a syntax correctly here.
// Unsupported syntaxes are refused with their name before decoding, because the loader would
// otherwise hand them to a decoder that produces wrong pixels or throws an opaque error (checked
// with e2e/imaging.spec.ts against test-data/dicom/misc; see src/views/imaging/README.md).
// JPEG-XL (…4.110–.112) is not in the table, so it is refused as unknown (overrides/README.md).
import { isKnownTransferSyntax, knownTransferSyntaxes, transferSyntaxInfo as facts, type TransferSyntaxInfo as Facts } from '../../../core/dicom/transferSyntax';

export interface TransferSyntaxInfo {
  uid: string;
  name: string;
  lossless: boolean;
  supported: boolean;
  /** Why it is not supported, in the user's terms. */
  reason?: string;
}

function forViewer(t: Facts): TransferSyntaxInfo {
  return {
    uid: t.uid,
    name: t.name,
    lossless: !t.lossy,
    supported: t.browserCodec,
    ...(t.browserCodec ? {} : { reason: t.browserRefusal ?? 'the viewer has no decoder for it' }),
  };
}

const TABLE: readonly TransferSyntaxInfo[] = knownTransferSyntaxes().map(forViewer);

export function transferSyntaxInfo(uid: string): TransferSyntaxInfo {
  const u = uid.trim();
  if (isKnownTransferSyntax(u)) return forViewer(facts(u));
  return { uid, name: `transfer syntax ${uid}`, lossless: false, supported: false, reason: 'the viewer has no decoder for it' };
}

export function allTransferSyntaxes(): readonly TransferSyntaxInfo[] {
  return TABLE;
}

/** A user-facing sentence for a file the viewer will not decode, or null when it can. */
export function unsupportedMessage(uid: string): string | null {
  const t = transferSyntaxInfo(uid);
  if (t.supported) return null;
  return `${t.name} (${t.uid}) is not supported: ${t.reason ?? 'no decoder'}`;
}
