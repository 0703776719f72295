// The folder-import worker's contract (workers/dicom/import.worker.ts): declared here so the
// browser's client (src/compute/imaging/ingestClient.ts) and the worker share one definition; the
// worker checks its implementation against it. Volumes come back with their voxels transferred.
import type { DicomRejection } from '../dicom/errors';
import type { StudyGroup } from '../dicom/group';
import type { ImportProgress, InputFile } from '../dicom/import';
import type { FrameDecoder } from '../dicom/volume';
import type { ImageVolume } from '../domain/imaging';

/** A file handed to the worker: bytes already read, or a Blob/File read here (keeps the UI thread free). */
export type ImportSource = InputFile | { name: string; blob: Blob };

export interface ImportSummary {
  studies: StudyGroup[];
  rejected: DicomRejection[];
  instanceCount: number;
  bytesParsed: number;
  elapsedMs: number;
}

export interface VolumeProgress {
  slicesDone: number;
  slicesTotal: number;
}

export interface DicomImportWorkerApi {
  /** Parse and group a dropped folder; refused files are listed, the rest loads. */
  importFiles(files: ImportSource[], onProgress?: (p: ImportProgress) => void): Promise<ImportSummary>;
  /** Build one series of the last import as a volume (compressed frames through decodeFrame). */
  buildVolume(seriesKey: string, decodeFrame?: FrameDecoder, onProgress?: (p: VolumeProgress) => void): Promise<ImageVolume>;
  /** The files of one series, each with its position in the caller's list. */
  seriesFiles(seriesKey: string): Array<Required<InputFile>>;
  cancel(): void;
  clear(): void;
}
