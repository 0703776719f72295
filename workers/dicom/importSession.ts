// The state behind the folder-import worker: one import at a time, cancellable, and the parsed
// instances kept here (they hold dicom-parser objects that cannot cross a worker boundary) so
// volumes can be built later by series key. Pure TypeScript: tested in Node, exposed by
// import.worker.ts with comlink.
import type { ImageVolume } from '../../core/domain/imaging';
import { DicomIngestError, type DicomRejection } from '../../core/dicom/errors';
import type { StudyGroup } from '../../core/dicom/group';
import { importDicomFiles, type ImportProgress, type InputFile } from '../../core/dicom/import';
import type { DicomInstance } from '../../core/dicom/parse';
import { buildVolume, type FrameDecoder } from '../../core/dicom/volume';

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

export class DicomImportSession {
  private instances: DicomInstance[] = [];
  private studies: StudyGroup[] = [];
  private controller: AbortController | null = null;

  /** Parses and groups a folder. A new import cancels the one in flight. */
  async importFiles(sources: readonly ImportSource[], onProgress?: (p: ImportProgress) => void): Promise<ImportSummary> {
    this.cancel();
    const controller = new AbortController();
    this.controller = controller;
    const t0 = performance.now();
    const files: InputFile[] = [];
    const unreadable: DicomRejection[] = [];
    // Each file keeps its position in `sources` (SliceRef.fileIndex), also when some are unreadable.
    for (const [index, s] of sources.entries()) {
      if (controller.signal.aborted) throw new DicomIngestError('cancelled', 'import was cancelled');
      if ('bytes' in s) files.push({ name: s.name, bytes: s.bytes, index });
      else {
        try {
          files.push({ name: s.name, bytes: new Uint8Array(await s.blob.arrayBuffer()), index });
        } catch (err) {
          unreadable.push({ file: s.name, code: 'not-dicom', reason: `could not read the file (${err instanceof Error ? err.message : String(err)})` });
        }
      }
    }
    const result = await importDicomFiles(files, { signal: controller.signal, ...(onProgress ? { onProgress } : {}) });
    if (this.controller === controller) this.controller = null;
    this.instances = result.instances;
    this.studies = result.studies;
    return {
      studies: result.studies,
      rejected: [...unreadable, ...result.rejected],
      instanceCount: result.instances.length,
      bytesParsed: result.bytesParsed,
      elapsedMs: performance.now() - t0,
    };
  }

  /** Builds the volume of one series of the last import. Cancellable with cancel(). */
  async buildVolume(seriesKey: string, decodeFrame?: FrameDecoder, onProgress?: (p: VolumeProgress) => void): Promise<ImageVolume> {
    const plan = this.studies.flatMap((s) => s.series).find((s) => s.key === seriesKey);
    if (!plan) throw new DicomIngestError('missing-attribute', `no series ${seriesKey} in the last import`);
    this.cancel();
    const controller = new AbortController();
    this.controller = controller;
    try {
      return await buildVolume(plan, this.instances, {
        signal: controller.signal,
        ...(decodeFrame ? { decodeFrame } : {}),
        ...(onProgress ? { onProgress: (slicesDone: number, slicesTotal: number) => onProgress({ slicesDone, slicesTotal }) } : {}),
      });
    } finally {
      if (this.controller === controller) this.controller = null;
    }
  }

  /**
   * Raw bytes of the files of one series (for display and an explicit "Upload to PACS"), each
   * with `index`, its position in the list given to importFiles: slices name the same index
   * (SliceRef.fileIndex), so callers need not rely on the order of this list.
   */
  seriesFiles(seriesKey: string): Array<Required<InputFile>> {
    const plan = this.studies.flatMap((s) => s.series).find((s) => s.key === seriesKey);
    if (!plan) return [];
    const seen = new Set<number>();
    const out: Array<Required<InputFile>> = [];
    for (const s of plan.slices) {
      if (seen.has(s.instance)) continue;
      seen.add(s.instance);
      const inst = this.instances[s.instance]!;
      out.push({ name: inst.file, bytes: inst.bytes, index: s.fileIndex });
    }
    return out;
  }

  cancel(): void {
    this.controller?.abort();
    this.controller = null;
  }

  /** Drops everything held, so a closed import releases its memory. */
  clear(): void {
    this.cancel();
    this.instances = [];
    this.studies = [];
  }
}
