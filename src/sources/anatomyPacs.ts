// The Anatomy session's DICOMweb I/O (split out of src/compute/anatomy/session.ts, issue 15):
// which CT series to open (the record's ImagingStudy, else QIDO-RS), the WADO-RS download of a
// series (CT or SEG) as one multipart body for the Anatomy worker, the SEG series of a study, and
// the STOW-RS of a built DICOM-SEG with the PACS's answer checked. The QIDO client and the STOW
// upload are the imaging module's (src/compute/imaging/dicomweb.ts, stow.ts), passed in: sources
// import no compute code, so this file names only the shapes it needs.
import type { ImagingStudy } from '@medplum/fhirtypes';
import { studyUidOfImagingStudy, type FhirImagingStudy, type SeriesSummary } from '../../core/dicom/dicomJson';
import { imagingStudiesOf, patientIdentifiers } from './anatomyRecord';
import { downloadSeries, type DownloadedSeries } from './dicomwebSeries';

/** The QIDO-RS reads used here (src/compute/imaging/dicomweb.ts `createDicomwebClient` has them). */
export interface PacsQueries {
  studiesForPatient(patientId: string, signal?: AbortSignal): Promise<Array<{ studyInstanceUid: string }>>;
  seriesOfStudy(studyUid: string, signal?: AbortSignal): Promise<SeriesSummary[]>;
}

/** STOW-RS of files (src/compute/imaging/stow.ts `stowFiles`). */
export type StowFn = (
  baseUrl: string,
  files: Array<{ name: string; bytes: ArrayBuffer }>,
  opts: { signal?: AbortSignal; onProgress?: (p: { sentBytes: number; totalBytes: number }) => void },
) => Promise<{ storedSopInstanceUids: string[]; failures: Array<{ reason: string }> }>;

export interface SeriesRef {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  instanceCount: number;
  description?: string;
  /** The record's ImagingStudy holding the series (absent when it was found through the PACS only). */
  imagingStudyId?: string;
  /** ImagingStudy.started: when the CT was acquired. */
  started?: string;
}

/** A DICOM-SEG stored in the PACS: its UIDs and which structure each segment number is. */
export interface SavedSegmentation {
  stored: number;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  segments: Array<{ label: number; name: string }>;
}

/** Pure: the candidate with the most instances (the first of equals), null for none. */
export function largestSeries<T extends { instanceCount: number }>(candidates: readonly T[]): T | null {
  return candidates.reduce<T | null>((a, b) => (a === null || b.instanceCount > a.instanceCount ? b : a), null);
}

/** The CT series the record's ImagingStudy resources name; a study listing no series is asked of the PACS. */
async function ctSeriesOfStudies(studies: readonly ImagingStudy[], pacs: PacsQueries, signal: AbortSignal | undefined): Promise<SeriesRef[]> {
  const out: SeriesRef[] = [];
  for (const st of studies as unknown as FhirImagingStudy[]) {
    const studyUid = studyUidOfImagingStudy(st);
    if (!studyUid) continue;
    const link = { ...(st.id ? { imagingStudyId: st.id } : {}), ...(st.started ? { started: st.started } : {}) };
    if ((st.series ?? []).length === 0) {
      // The record names the study but not its series (series[] is optional in FHIR): the PACS
      // lists them, as the Imaging view does (issue 17: "no CT series" although Imaging showed them).
      for (const ser of await pacs.seriesOfStudy(studyUid, signal)) {
        if (ser.modality !== 'CT') continue;
        out.push({ studyInstanceUid: studyUid, seriesInstanceUid: ser.seriesInstanceUid, instanceCount: ser.instanceCount ?? 0, description: ser.description, ...link });
      }
      continue;
    }
    for (const ser of st.series ?? []) {
      if ((ser.modality?.code ?? 'CT') !== 'CT') continue;
      out.push({ studyInstanceUid: studyUid, seriesInstanceUid: ser.uid, instanceCount: ser.numberOfInstances ?? 0, description: ser.description, ...link });
    }
  }
  return out;
}

/** The patient's CT series with the most instances: from the record's ImagingStudy, else the PACS. */
export async function findCtSeries(patientId: string, pacs: PacsQueries, signal?: AbortSignal): Promise<SeriesRef> {
  const candidates = await ctSeriesOfStudies(await imagingStudiesOf(patientId), pacs, signal);
  if (candidates.length === 0) {
    // The record may not link the series yet (e.g. still being stored): ask the PACS, which may
    // file the patient under the FHIR id or any of the record's identifiers (the MRN).
    const ids = await patientIdentifiers(patientId);
    const seen = new Set<string>();
    const studies = (await Promise.all(ids.map((id) => pacs.studiesForPatient(id, signal)))).flat().filter((st) => !seen.has(st.studyInstanceUid) && seen.add(st.studyInstanceUid));
    for (const st of studies) {
      for (const ser of await pacs.seriesOfStudy(st.studyInstanceUid, signal)) {
        if (ser.modality !== 'CT') continue;
        candidates.push({ studyInstanceUid: ser.studyInstanceUid, seriesInstanceUid: ser.seriesInstanceUid, instanceCount: ser.instanceCount ?? 0, description: ser.description });
      }
    }
  }
  const best = largestSeries(candidates);
  if (best === null) throw new Error('this patient has no CT series in the record or the PACS; open CT files in the Imaging tab first');
  return best;
}

/** DICOM-SEG series in a study (in series order), for "Load from PACS". */
export async function segmentationSeriesInStudy(pacs: PacsQueries, studyUid: string, signal?: AbortSignal): Promise<Array<{ seriesInstanceUid: string; description?: string }>> {
  const series = await pacs.seriesOfStudy(studyUid, signal);
  return series.filter((s) => s.modality === 'SEG').map((s) => ({ seriesInstanceUid: s.seriesInstanceUid, ...(s.description ? { description: s.description } : {}) }));
}

/** WADO-RS: one series of this origin's PACS as a multipart body (progress by parts received / `expectedInstances`). */
export function downloadStudySeries(
  studyUid: string,
  seriesUid: string,
  expectedInstances: number,
  opts: { signal?: AbortSignal | undefined; onProgress?: (fraction: number) => void },
): Promise<DownloadedSeries> {
  const url = `${globalThis.location.origin}/dicomweb/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}`;
  return downloadSeries(url, expectedInstances, { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
}

/**
 * STOW-RS a built DICOM-SEG and check the PACS's answer: a refusal or an unconfirmed instance is
 * an error naming it. Progress 0–1 by bytes sent.
 */
export async function storeSegmentation(
  built: { bytes: ArrayBuffer; studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string },
  segments: ReadonlyArray<{ label: number; name: string }>,
  stow: StowFn,
  opts: { signal?: AbortSignal | undefined; onProgress?: (fraction: number) => void } = {},
): Promise<SavedSegmentation> {
  const result = await stow('/dicomweb', [{ name: 'segmentation.dcm', bytes: built.bytes }], {
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (p) => opts.onProgress?.(p.sentBytes / Math.max(1, p.totalBytes)),
  });
  if (result.failures.length > 0) throw new Error(`the PACS refused the segmentation: ${result.failures.map((f) => f.reason).join(', ')}`);
  if (!result.storedSopInstanceUids.includes(built.sopInstanceUid)) throw new Error('the PACS did not confirm storing the segmentation');
  return {
    stored: result.storedSopInstanceUids.length,
    studyInstanceUid: built.studyInstanceUid,
    seriesInstanceUid: built.seriesInstanceUid,
    sopInstanceUid: built.sopInstanceUid,
    segments: segments.map((x) => ({ label: x.label, name: x.name })),
  };
}
