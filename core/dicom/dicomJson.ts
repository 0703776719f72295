// Reading DICOM JSON (PS3.18 F.2) from QIDO-RS and WADO-RS metadata, and ordering a series'
// instances for display. Pure: no fetch, no Cornerstone.

/** One DICOM JSON dataset: tag (8 hex digits) → { vr, Value?, BulkDataURI?, InlineBinary? }. */
export type DicomJson = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string; InlineBinary?: string }>;

export const TAG = {
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  SOPInstanceUID: '00080018',
  SOPClassUID: '00080016',
  StudyDate: '00080020',
  StudyDescription: '00081030',
  SeriesDescription: '0008103E',
  ModalitiesInStudy: '00080061',
  Modality: '00080060',
  SeriesNumber: '00200011',
  InstanceNumber: '00200013',
  NumberOfStudyRelatedInstances: '00201208',
  NumberOfSeriesRelatedInstances: '00201209',
  NumberOfFrames: '00280008',
  ImagePositionPatient: '00200032',
  ImageOrientationPatient: '00200037',
  TransferSyntaxUID: '00020010',
  AvailableTransferSyntaxUID: '00083002',
} as const;

export function str(ds: DicomJson, tag: string): string | undefined {
  const v = ds[tag]?.Value?.[0];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  // PN values are objects ({ Alphabetic }); the viewer never shows them (no PHI in the list).
  return undefined;
}

export function num(ds: DicomJson, tag: string): number | undefined {
  const v = ds[tag]?.Value?.[0];
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

export function nums(ds: DicomJson, tag: string): number[] | undefined {
  const vs = ds[tag]?.Value;
  if (!vs || vs.length === 0) return undefined;
  const out = vs.map((v) => (typeof v === 'number' ? v : Number(v)));
  return out.every(Number.isFinite) ? out : undefined;
}

export function strs(ds: DicomJson, tag: string): string[] {
  return (ds[tag]?.Value ?? []).filter((v): v is string => typeof v === 'string');
}

export interface StudySummary {
  studyInstanceUid: string;
  date?: string;
  description?: string;
  modalities: string[];
  instanceCount?: number;
  /** Where the study was listed: the FHIR record, the PACS (QIDO-RS), or both. */
  foundIn: Array<'fhir' | 'qido'>;
  /** FHIR ImagingStudy id when the record links it. */
  imagingStudyId?: string;
}

export interface SeriesSummary {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  modality?: string;
  number?: number;
  description?: string;
  instanceCount?: number;
}

export function studyFromQido(ds: DicomJson): StudySummary | null {
  const uid = str(ds, TAG.StudyInstanceUID);
  if (!uid) return null;
  return {
    studyInstanceUid: uid,
    date: str(ds, TAG.StudyDate),
    description: str(ds, TAG.StudyDescription),
    modalities: strs(ds, TAG.ModalitiesInStudy),
    instanceCount: num(ds, TAG.NumberOfStudyRelatedInstances),
    foundIn: ['qido'],
  };
}

export function seriesFromQido(studyInstanceUid: string, ds: DicomJson): SeriesSummary | null {
  const uid = str(ds, TAG.SeriesInstanceUID);
  if (!uid) return null;
  return {
    studyInstanceUid,
    seriesInstanceUid: uid,
    modality: str(ds, TAG.Modality),
    number: num(ds, TAG.SeriesNumber),
    description: str(ds, TAG.SeriesDescription),
    instanceCount: num(ds, TAG.NumberOfSeriesRelatedInstances),
  };
}

/** The parts of a FHIR R4 ImagingStudy the study list needs. */
export interface FhirImagingStudy {
  resourceType: 'ImagingStudy';
  id?: string;
  started?: string;
  description?: string;
  numberOfInstances?: number;
  modality?: Array<{ code?: string }>;
  identifier?: Array<{ system?: string; value?: string }>;
  series?: Array<{ uid: string; number?: number; modality?: { code?: string }; description?: string; numberOfInstances?: number }>;
}

/** The Study Instance UID of an ImagingStudy (identifier system urn:dicom:uid, value urn:oid:…). */
export function studyUidOfImagingStudy(s: FhirImagingStudy): string | undefined {
  const id = s.identifier?.find((i) => i.system === 'urn:dicom:uid' && i.value);
  return id?.value?.replace(/^urn:oid:/, '');
}

export function studyFromFhir(s: FhirImagingStudy): StudySummary | null {
  const uid = studyUidOfImagingStudy(s);
  if (!uid) return null;
  const modalities = new Set<string>();
  for (const m of s.modality ?? []) if (m.code) modalities.add(m.code);
  for (const r of s.series ?? []) if (r.modality?.code) modalities.add(r.modality.code);
  return {
    studyInstanceUid: uid,
    date: s.started?.slice(0, 10).replaceAll('-', ''),
    description: s.description,
    modalities: [...modalities],
    instanceCount: s.numberOfInstances,
    foundIn: ['fhir'],
    imagingStudyId: s.id,
  };
}

/** One list of studies from both sources, keyed by Study Instance UID; FHIR fields win for text. */
export function mergeStudies(fromFhir: StudySummary[], fromQido: StudySummary[]): StudySummary[] {
  const byUid = new Map<string, StudySummary>();
  for (const s of fromFhir) byUid.set(s.studyInstanceUid, { ...s, foundIn: ['fhir'] });
  for (const q of fromQido) {
    const f = byUid.get(q.studyInstanceUid);
    if (!f) {
      byUid.set(q.studyInstanceUid, { ...q, foundIn: ['qido'] });
      continue;
    }
    byUid.set(q.studyInstanceUid, {
      ...q,
      ...Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))),
      foundIn: ['fhir', 'qido'],
    } as StudySummary);
  }
  // Newest first; undated studies last.
  return [...byUid.values()].sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
}

export interface InstanceFrameRef {
  sopInstanceUid: string;
  /** 1-based frame number (WADO-RS /frames/{n}). */
  frame: number;
  dataset: DicomJson;
}

/**
 * Every frame of a series in display order: by position along the slice normal when all
 * instances have ImagePositionPatient and share one orientation (what the volume needs), else by
 * InstanceNumber, else as received. Ties keep the received order (stable sort).
 */
export function orderSeriesFrames(instances: DicomJson[]): InstanceFrameRef[] {
  const withUid = instances.filter((d) => str(d, TAG.SOPInstanceUID));
  const iop = nums(withUid[0] ?? {}, TAG.ImageOrientationPatient);
  const sameOrientation =
    iop !== undefined &&
    iop.length === 6 &&
    withUid.every((d) => {
      const o = nums(d, TAG.ImageOrientationPatient);
      return o !== undefined && o.length === 6 && o.every((x, i) => Math.abs(x - (iop[i] ?? 0)) < 1e-4);
    });
  const allPositions = withUid.every((d) => (nums(d, TAG.ImagePositionPatient)?.length ?? 0) === 3);
  let keyed: Array<{ d: DicomJson; key: number; idx: number }>;
  if (sameOrientation && allPositions && iop) {
    const n = cross([iop[0]!, iop[1]!, iop[2]!], [iop[3]!, iop[4]!, iop[5]!]);
    keyed = withUid.map((d, idx) => {
      const p = nums(d, TAG.ImagePositionPatient)!;
      return { d, key: p[0]! * n[0] + p[1]! * n[1] + p[2]! * n[2], idx };
    });
  } else {
    keyed = withUid.map((d, idx) => ({ d, key: num(d, TAG.InstanceNumber) ?? idx, idx }));
  }
  keyed.sort((a, b) => a.key - b.key || a.idx - b.idx);
  const out: InstanceFrameRef[] = [];
  for (const { d } of keyed) {
    const frames = Math.max(1, Math.floor(num(d, TAG.NumberOfFrames) ?? 1));
    for (let f = 1; f <= frames; f++) out.push({ sopInstanceUid: str(d, TAG.SOPInstanceUID)!, frame: f, dataset: d });
  }
  return out;
}

function cross(a: [number, number, number], b: [number, number, number]): [number, number, number] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
