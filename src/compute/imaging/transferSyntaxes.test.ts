import { describe, expect, it } from 'vitest';
import { transferSyntaxInfo as ingestInfo } from '../../../core/dicom/transferSyntax';
import { allTransferSyntaxes, transferSyntaxInfo, unsupportedMessage } from './transferSyntaxes';

describe('viewer transfer syntaxes', () => {
  it('refuse .53 and .55 by name and accept the lossless and common lossy ones', () => {
    expect(unsupportedMessage('1.2.840.10008.1.2.4.53')).toMatch(/^JPEG Spectral Selection\b.*\(1\.2\.840\.10008\.1\.2\.4\.53\) is not supported/);
    expect(unsupportedMessage('1.2.840.10008.1.2.4.55')).toMatch(/\(1\.2\.840\.10008\.1\.2\.4\.55\) is not supported/);
    for (const uid of ['1.2.840.10008.1.2', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.5', '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.50']) {
      expect(unsupportedMessage(uid)).toBeNull();
    }
  });

  it('call an unknown syntax unsupported, naming its UID', () => {
    expect(transferSyntaxInfo('1.2.3.4.5')).toMatchObject({ supported: false, name: 'transfer syntax 1.2.3.4.5' });
  });

  it('is the ingest table itself: same syntaxes, same names, same browser decoding', () => {
    // The import worker decides which series to offer; the viewer decides what it decodes. One
    // table (core/dicom/transferSyntax.ts) for both, so they cannot disagree.
    expect(allTransferSyntaxes().length).toBeGreaterThan(15);
    for (const t of allTransferSyntaxes()) {
      const ingest = ingestInfo(t.uid);
      expect({ uid: t.uid, name: ingest.name, decodes: ingest.browserCodec, lossless: !ingest.lossy }).toEqual({ uid: t.uid, name: t.name, decodes: t.supported, lossless: t.lossless });
    }
  });

  it('does not know JPEG-XL, so refuses it by its UID (its codec is not installed on Node 20)', () => {
    expect(unsupportedMessage('1.2.840.10008.1.2.4.110')).toBe('transfer syntax 1.2.840.10008.1.2.4.110 (1.2.840.10008.1.2.4.110) is not supported: the viewer has no decoder for it');
  });
});
