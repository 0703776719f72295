// Why a DICOM file was refused. Every refusal names the file and a machine-readable code so the
// UI can group them ("3 files are not DICOM") and tests can assert the reason, not the wording.

export type DicomRejectCode =
  | 'not-dicom' // no DICM marker / no meta header: not a Part 10 file
  | 'truncated' // ends before an element it announces
  | 'bad-length' // a length field points past the end of the file or is absurd
  | 'non-image' // a valid DICOM object without pixel data (SR, RT plan, presentation state…)
  | 'too-large' // dimensions beyond what a browser volume can hold
  | 'unsupported' // valid, but a feature we do not decode (e.g. RGB into a scalar volume)
  | 'missing-attribute' // an attribute needed for display is absent or unreadable
  | 'cancelled';

export class DicomIngestError extends Error {
  override name = 'DicomIngestError';
  constructor(
    readonly code: DicomRejectCode,
    message: string,
  ) {
    super(message);
  }
}

/** One refused file: shown to the user as "`file`: `reason`". */
export interface DicomRejection {
  file: string;
  code: DicomRejectCode;
  reason: string;
}

export function rejection(file: string, err: unknown): DicomRejection {
  if (err instanceof DicomIngestError) return { file, code: err.code, reason: err.message };
  // dicom-parser throws plain strings and `{exception, dataSet}` objects: translate them here,
  // once, so callers only ever see DicomIngestError codes.
  const text = describeThrown(err);
  const code: DicomRejectCode = /past end of buffer|end of buffer|beyond|buffer overr(ead|un)|overrun|not enough/i.test(text) ? 'truncated' : 'bad-length';
  const what = code === 'truncated' ? 'file is truncated: an element runs past the end of the file' : 'file is corrupt';
  return { file, code, reason: `${what} (dicom-parser: ${text})` };
}

export function describeThrown(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'exception' in err) return describeThrown((err as { exception: unknown }).exception);
  return String(err);
}
