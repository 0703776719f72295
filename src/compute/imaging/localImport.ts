// Files opened from disk → studies and series the viewer can show without any upload.
// Parsing and grouping happen in the DICOM ingest (src/ingest/dicom, run in workers/dicom);
// this module only maps its plans onto Cornerstone `dicomfile:` image ids (the loader's file
// manager reads the File blobs itself) and registers each file's bytes as metadata so a volume
// can be built before every frame is decoded.
//
// Ownership: File blobs added to Cornerstone's file manager stay referenced for the page's life
// (the loader keys cached images by file index); the bytes kept for upload go with the result.
import type { DicomRejection } from '../../../core/dicom/errors';
import { abortError } from '../../../core/domain/abort';
import type { SeriesPlan, StudyGroup } from '../../../core/dicom/group';
import type { Cornerstone } from './cornerstone';
import type { ImagePatient } from './patientIdentity';
import type { StowFile } from './stow';
import { transferSyntaxInfo } from './transferSyntaxes';

/**
 * The folder-import worker's API as the viewer uses it (workers/dicom/import.worker.ts): the
 * worker parses and groups, keeps the parsed instances, and hands back plans and file bytes.
 */
export interface Ingest {
  importFiles(sources: Array<{ name: string; blob: Blob }>, onProgress?: (p: IngestProgress) => void): Promise<{ studies: StudyGroup[]; rejected: DicomRejection[] }>;
  /** The series' files, each with `index`: its position in the list given to importFiles. */
  seriesFiles(seriesKey: string): Promise<Array<{ name: string; bytes: Uint8Array; index: number }>>;
  cancel(): Promise<void> | void;
}

export interface IngestProgress {
  filesDone: number;
  filesTotal: number;
}

export interface LocalSeries {
  key: string;
  studyInstanceUid: string;
  description: string;
  modality: string;
  imageIds: string[];
  warnings: string[];
  /** Set when no browser codec decodes the series: names the transfer syntax. */
  unsupported?: string;
}

export interface LocalStudy {
  studyInstanceUid: string;
  /** Who the files say the patient is (checked against the open patient before display). */
  patient: ImagePatient;
  description: string;
  date: string;
  series: LocalSeries[];
}

export interface LocalImportResult {
  studies: LocalStudy[];
  rejected: Array<{ file: string; reason: string }>;
  /** The accepted files' bytes, kept for `Upload to PACS` (STOW-RS). */
  uploadable: StowFile[];
}

/** The name a file is shown and reported by: its path inside a picked folder, else its name. */
export function displayName(f: File): string {
  const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath;
  return rel && rel.length > 0 ? rel : f.name;
}

/**
 * Plan → image ids. Each slice names its source file by position in the imported list
 * (`SliceRef.fileIndex`); `fileIdByIndex` maps that position to the file's Cornerstone id, so
 * the mapping does not depend on the order files come back in. A file met by more than one
 * slice is multi-frame and gets `?frame=` (1-based).
 */
export function seriesImageIds(plan: Pick<SeriesPlan, 'key' | 'slices'>, fileIdByIndex: ReadonlyMap<number, string>): string[] {
  const slicesPerFile = new Map<number, number>();
  for (const s of plan.slices) slicesPerFile.set(s.fileIndex, (slicesPerFile.get(s.fileIndex) ?? 0) + 1);
  return plan.slices.map((s) => {
    const id = fileIdByIndex.get(s.fileIndex);
    if (id === undefined) throw new Error(`series ${plan.key}: no file registered for slice file ${s.fileIndex} (${s.file})`);
    return (slicesPerFile.get(s.fileIndex) ?? 1) > 1 || s.frame > 0 ? `${id}?frame=${s.frame + 1}` : id;
  });
}

export async function importLocalFiles(
  cs: Cornerstone,
  files: readonly File[],
  ingest: Ingest,
  opts: { signal: AbortSignal; onProgress: (p: IngestProgress) => void },
): Promise<LocalImportResult> {
  const onAbort = () => void ingest.cancel();
  opts.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const named = files.map((f) => ({ name: displayName(f), blob: f as Blob }));
    const summary = await ingest.importFiles(named, opts.onProgress);
    if (opts.signal.aborted) throw abortError(opts.signal, 'the import');
    const rejected: LocalImportResult['rejected'] = summary.rejected.map((r) => ({ file: r.file, reason: r.reason }));
    const uploadable: StowFile[] = [];
    const studies: LocalStudy[] = [];
    for (const st of summary.studies) {
      const series: LocalSeries[] = [];
      for (const plan of st.series) {
        const warnings = plan.warnings.map((w) => w.message);
        const base = { key: plan.key, studyInstanceUid: st.studyInstanceUid, description: plan.seriesDescription, modality: plan.modality, warnings };
        const seriesFiles = await ingest.seriesFiles(plan.key);
        if (!plan.browserDecodable) {
          const names = plan.transferSyntaxUids.map((u) => `${transferSyntaxInfo(u).name} (${u})`).join(', ');
          series.push({ ...base, imageIds: [], unsupported: `${names}: no browser codec decodes this transfer syntax` });
          for (const f of seriesFiles) rejected.push({ file: f.name, reason: `${names} is not supported for display` });
          continue;
        }
        const fileIds = new Map<number, string>();
        for (const f of seriesFiles) {
          // The picked File itself (by its position in `named`), so the loader reads it lazily.
          const blob = named[f.index]?.blob ?? new Blob([f.bytes as BlobPart]);
          const id = cs.loader.wadouri.fileManager.add(blob);
          fileIds.set(f.index, id);
          // Registering the bytes now lets Cornerstone build the volume's geometry before decoding.
          await cs.metadata.utilities.addDicomPart10Instance(id, f.bytes);
          uploadable.push({ name: f.name, bytes: f.bytes.slice().buffer as ArrayBuffer });
        }
        series.push({ ...base, imageIds: seriesImageIds(plan, fileIds) });
      }
      studies.push({
        studyInstanceUid: st.studyInstanceUid,
        patient: { patientId: st.patientId, patientName: st.patientName, birthDate: st.patientBirthDate },
        description: st.studyDescription,
        date: st.studyDate,
        series,
      });
    }
    return { studies, rejected, uploadable };
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
  }
}
