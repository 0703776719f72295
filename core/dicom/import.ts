// A dropped folder → studies/series plans + a list of refused files. Pure orchestration over
// parse → group; the worker (workers/dicom/import.worker.ts) exposes it, Node tests call it directly.
import { DicomIngestError, rejection, type DicomRejection } from './errors';
import { groupInstances, type StudyGroup } from './group';
import { yieldToEventLoop } from './volume';
import { parseDicomFile, type DicomInstance, type ParseOptions } from './parse';

export interface InputFile {
  /** Relative path or name, shown to the user in refusals. */
  name: string;
  bytes: Uint8Array;
  /** Position in the caller's own file list (default: the position in `files`); see SliceRef.fileIndex. */
  index?: number;
}

export interface ImportProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
}

export interface ImportOptions extends ParseOptions {
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
}

export interface ImportResult {
  studies: StudyGroup[];
  /** Parsed instances; SliceRef.instance indexes this array. */
  instances: DicomInstance[];
  rejected: DicomRejection[];
  bytesParsed: number;
}

// Names the OS or a PACS export puts beside DICOM files; refused quietly by name, not parsed.
const NON_DICOM_NAME = /(^|\/)(DICOMDIR|\.DS_Store|Thumbs\.db|desktop\.ini)$|\.(txt|md|json|xml|html?|pdf|jpe?g|png|gif|zip|nii(\.gz)?)$/i;

export async function importDicomFiles(files: readonly InputFile[], options: ImportOptions = {}): Promise<ImportResult> {
  const instances: DicomInstance[] = [];
  const rejected: DicomRejection[] = [];
  let bytesDone = 0;
  let filesDone = 0;
  const seenSop = new Set<string>();
  for (const [position, f] of files.entries()) {
    if (filesDone % 32 === 31) await yieldToEventLoop();
    if (options.signal?.aborted) throw new DicomIngestError('cancelled', 'import was cancelled');
    if (NON_DICOM_NAME.test(f.name)) {
      rejected.push({ file: f.name, code: 'not-dicom', reason: 'not a DICOM image file (by its name)' });
    } else {
      try {
        const inst = await parseDicomFile(f.name, f.bytes, options);
        if (seenSop.has(inst.sopInstanceUid)) {
          rejected.push({ file: f.name, code: 'unsupported', reason: `duplicate of an instance already loaded (SOP Instance UID ${inst.sopInstanceUid})` });
        } else {
          seenSop.add(inst.sopInstanceUid);
          inst.fileIndex = f.index ?? position;
          instances.push(inst);
        }
      } catch (err) {
        rejected.push(rejection(f.name, err));
      }
    }
    filesDone++;
    bytesDone += f.bytes.length;
    options.onProgress?.({ filesDone, filesTotal: files.length, bytesDone });
  }
  return { studies: groupInstances(instances), instances, rejected, bytesParsed: bytesDone };
}
