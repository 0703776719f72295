import { describe, expect, it } from 'vitest';
import { transferSyntaxInfo as ingestInfo } from '../../../core/dicom/transferSyntax';
import { allTransferSyntaxes, transferSyntaxInfo, unsupportedMessage } from './transferSyntaxes';

describe('viewer transfer syntaxes', () => {
  it('refuse .53 and .55 by name and accept the lossless and common lossy ones', () => {
    expect(unsupportedMessage('1.2.840.10008.1.2.4.53')).toMatch(/^JPEG Spectral Selection .*\(1\.2\.840\.10008\.1\.2\.4\.53\) is not supported/);
    expect(unsupportedMessage('1.2.840.10008.1.2.4.55')).toMatch(/\(1\.2\.840\.10008\.1\.2\.4\.55\) is not supported/);
    for (const uid of ['1.2.840.10008.1.2', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.5', '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.50']) {
      expect(unsupportedMessage(uid)).toBeNull();
    }
  });

  it('call an unknown syntax unsupported, naming its UID', () => {
    expect(transferSyntaxInfo('1.2.3.4.5')).toMatchObject({ supported: false, name: 'transfer syntax 1.2.3.4.5' });
  });

  it('agree with the ingest on which syntaxes a browser codec decodes', () => {
    // The import worker decides which series to offer; the viewer decides what it decodes.
    // A disagreement would offer a series that then fails, or hide one that works.
    for (const t of allTransferSyntaxes()) {
      const ingest = ingestInfo(t.uid);
      expect({ uid: t.uid, decodes: ingest.browserCodec }).toEqual({ uid: t.uid, decodes: t.supported });
    }
  });
});
