// DICOMweb reads for the viewer: QIDO-RS study and series lists, WADO-RS series metadata turned
// into Cornerstone `wadors:` image ids. Requests go through the app's `Http` (same-origin cookie
// auth, typed errors); Cornerstone's loader then fetches the frames itself from the same origin.
import type { Http } from '../../sources/http';
import {
  planSeriesFrames,
  seriesFromQido,
  studyFromQido,
  TAG,
  str,
  type DicomJson,
  type SeriesSummary,
  type StudySummary,
} from '../../../core/dicom/dicomJson';
import { transferSyntaxInfo } from './transferSyntaxes';

export interface DicomwebClient {
  studiesForPatient(patientId: string, signal?: AbortSignal): Promise<StudySummary[]>;
  seriesOfStudy(studyUid: string, signal?: AbortSignal): Promise<SeriesSummary[]>;
  seriesImageIds(studyUid: string, seriesUid: string, signal?: AbortSignal): Promise<SeriesImageIds>;
  /** The PACS's entry for one study, whoever it is filed under (null: the PACS does not hold it). */
  studyByUid(studyUid: string, signal?: AbortSignal): Promise<{ studyInstanceUid: string; patientId: string | null } | null>;
}

export interface SeriesImageIds {
  /** In display order (along the slice normal). */
  imageIds: string[];
  /** The metadata each image id needs, to hand to Cornerstone's WADO-RS metadata manager. */
  metadataByImageId: Map<string, DicomJson>;
  modality?: string;
  /** Frames the viewer cannot decode, with the transfer syntax named. */
  unsupported: Array<{ sopInstanceUid: string; message: string }>;
  /** What the volume planner did (repeated positions dropped, tilt, gaps…): shown to the user. */
  warnings: string[];
  /** WADO-RS series pixel data: every frame in one request (the viewer falls back per frame). */
  pixelDataUrl: string;
}

function asArray(body: unknown): DicomJson[] {
  return Array.isArray(body) ? (body as DicomJson[]) : [];
}

const enc = encodeURIComponent;

export function createDicomwebClient(http: Http, base = '/dicomweb', origin = globalThis.location?.origin ?? ''): DicomwebClient {
  const json = { Accept: 'application/dicom+json' };
  return {
    async studiesForPatient(patientId, signal) {
      const { body } = await http<unknown>(`${base}/studies?PatientID=${enc(patientId)}&includefield=00081030,00080061,00201208`, {
        headers: json,
        signal,
      });
      return asArray(body)
        .map(studyFromQido)
        .filter((s): s is StudySummary => s !== null);
    },
    async seriesOfStudy(studyUid, signal) {
      const { body } = await http<unknown>(`${base}/studies/${enc(studyUid)}/series`, { headers: json, signal });
      return asArray(body)
        .map((d) => seriesFromQido(studyUid, d))
        .filter((s): s is SeriesSummary => s !== null)
        .sort((a, b) => (a.number ?? 1e9) - (b.number ?? 1e9));
    },
    async studyByUid(studyUid, signal) {
      const { body } = await http<unknown>(`${base}/studies?StudyInstanceUID=${enc(studyUid)}&includefield=00100020`, { headers: json, signal });
      const hit = asArray(body).find((d) => str(d, TAG.StudyInstanceUID) === studyUid);
      return hit ? { studyInstanceUid: studyUid, patientId: str(hit, '00100020') ?? null } : null;
    },
    async seriesImageIds(studyUid, seriesUid, signal) {
      const { body } = await http<unknown>(`${base}/studies/${enc(studyUid)}/series/${enc(seriesUid)}/metadata`, {
        headers: json,
        signal,
      });
      return imageIdsFromMetadata(`${origin}${base}`, studyUid, seriesUid, asArray(body));
    },
  };
}

/** Pure: WADO-RS series metadata → ordered `wadors:` image ids (one per frame). */
export function imageIdsFromMetadata(absBase: string, studyUid: string, seriesUid: string, instances: DicomJson[]): SeriesImageIds {
  const imageIds: string[] = [];
  const metadataByImageId = new Map<string, DicomJson>();
  const unsupported: SeriesImageIds['unsupported'] = [];
  const plan = planSeriesFrames(instances);
  for (const f of plan.frames) {
    const ts = str(f.dataset, TAG.TransferSyntaxUID) ?? str(f.dataset, TAG.AvailableTransferSyntaxUID);
    if (ts) {
      const info = transferSyntaxInfo(ts);
      if (!info.supported) {
        if (f.frame === 1) unsupported.push({ sopInstanceUid: f.sopInstanceUid, message: `${info.name} (${info.uid}) is not supported` });
        continue;
      }
    }
    const id = `wadors:${absBase}/studies/${enc(studyUid)}/series/${enc(seriesUid)}/instances/${enc(f.sopInstanceUid)}/frames/${f.frame}`;
    imageIds.push(id);
    metadataByImageId.set(id, f.dataset);
  }
  return {
    imageIds,
    metadataByImageId,
    modality: str(instances[0] ?? {}, TAG.Modality),
    unsupported,
    warnings: plan.warnings.map((w) => w.message),
    pixelDataUrl: `${absBase}/studies/${enc(studyUid)}/series/${enc(seriesUid)}/pixeldata`,
  };
}
