// Parsed instances → studies → series → slices sorted along the slice normal, with LPS geometry.
// Pure. A "series" here is what can become one volume: DICOM SeriesInstanceUID split further by
// orientation and image size, because real series mix localisers, reformats and sizes.
import type { Vec3, VolumeGeometry } from '../domain/imaging';
import type { DicomInstance } from './parse';

export type SeriesWarningCode =
  | 'mixed-series' // one SeriesInstanceUID held several orientations or sizes; split
  | 'gantry-tilt' // slices step off the normal: sheared volume (k axis not orthogonal)
  | 'uneven-spacing' // gaps between slices differ; the volume uses the mean spacing
  | 'duplicate-position' // several slices at one position; only the first is used
  | 'missing-position' // no ImagePositionPatient: ordered by instance number, geometry guessed
  | 'missing-orientation'
  | 'missing-spacing' // no PixelSpacing: 1 mm assumed, measurements are not in real mm
  | 'single-slice';

export interface SeriesWarning {
  code: SeriesWarningCode;
  message: string;
}

/** One slice of a series: a frame of an instance. */
export interface SliceRef {
  /** Index into the instances array given to groupInstances. */
  instance: number;
  /** Name of the source file (as given to the import). */
  file: string;
  /**
   * Position of the source file in the list given to the import (DicomInstance.fileIndex; the
   * instance index when absent), so callers map slices to their files without relying on order.
   */
  fileIndex: number;
  /** 0-based frame within that instance. */
  frame: number;
  positionLps: Vec3 | null;
  /** Signed distance along the slice normal, mm (0 when positions are missing). */
  distanceMm: number;
}

export interface SeriesPlan {
  /** Unique key: SeriesInstanceUID, plus "#n" when split. */
  key: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  modality: string;
  seriesDescription: string;
  seriesNumber: number | null;
  rows: number;
  columns: number;
  slices: SliceRef[];
  geometry: VolumeGeometry;
  warnings: SeriesWarning[];
  transferSyntaxUids: string[];
  /** Pixels decode in plain TypeScript (Node/worker) without a codec. */
  nativeDecodable: boolean;
  /** A Cornerstone3D browser codec can decode every slice. */
  browserDecodable: boolean;
}

export interface StudyGroup {
  studyInstanceUid: string;
  patientId: string;
  studyDate: string;
  studyDescription: string;
  series: SeriesPlan[];
}

/** Positions closer than this along the normal are the same slice. */
const SAME_POSITION_MM = 1e-3;
/** Tilt below this angle is scanner rounding, not a tilted gantry. */
const TILT_TOLERANCE_DEG = 0.1;

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
function norm(a: Vec3): number {
  return Math.hypot(a[0], a[1], a[2]);
}

function orientationKey(o: readonly number[] | null): string {
  return o ? o.map((v) => v.toFixed(3)).join(',') : 'none';
}

interface Bucket {
  seriesUid: string;
  first: DicomInstance;
  orientation: [number, number, number, number, number, number] | null;
  slices: SliceRef[];
}

export function groupInstances(instances: readonly DicomInstance[]): StudyGroup[] {
  // seriesUid → (orientation|size → bucket), in first-seen order.
  const bySeries = new Map<string, Map<string, Bucket>>();
  instances.forEach((inst, index) => {
    for (let f = 0; f < inst.frames.length; f++) {
      const frame = inst.frames[f]!;
      const sub = `${orientationKey(frame.orientationLps)}|${inst.columns}x${inst.rows}`;
      let parts = bySeries.get(inst.seriesInstanceUid);
      if (!parts) bySeries.set(inst.seriesInstanceUid, (parts = new Map()));
      let bucket = parts.get(sub);
      if (!bucket) parts.set(sub, (bucket = { seriesUid: inst.seriesInstanceUid, first: inst, orientation: frame.orientationLps, slices: [] }));
      bucket.slices.push({ instance: index, file: inst.file, fileIndex: inst.fileIndex ?? index, frame: f, positionLps: frame.positionLps, distanceMm: 0 });
    }
  });

  const studies = new Map<string, StudyGroup>();
  for (const [seriesUid, parts] of bySeries) {
    const split = parts.size > 1;
    let n = 0;
    for (const bucket of parts.values()) {
      n++;
      const plan = planSeries(bucket, instances, split ? `${seriesUid}#${n}` : seriesUid);
      if (split) {
        plan.warnings.unshift({
          code: 'mixed-series',
          message: `series ${seriesUid} mixes ${parts.size} orientations or image sizes; split into ${parts.size} series`,
        });
      }
      const inst = bucket.first;
      let study = studies.get(inst.studyInstanceUid);
      if (!study) {
        study = {
          studyInstanceUid: inst.studyInstanceUid,
          patientId: inst.patientId,
          studyDate: inst.studyDate,
          studyDescription: inst.studyDescription,
          series: [],
        };
        studies.set(inst.studyInstanceUid, study);
      }
      study.series.push(plan);
    }
  }
  for (const s of studies.values()) {
    s.series.sort((a, b) => (a.seriesNumber ?? Infinity) - (b.seriesNumber ?? Infinity) || a.key.localeCompare(b.key));
  }
  return [...studies.values()];
}

function planSeries(bucket: Bucket, instances: readonly DicomInstance[], key: string): SeriesPlan {
  const warnings: SeriesWarning[] = [];
  const first = bucket.first;
  let orientation = bucket.orientation;
  if (!orientation) {
    warnings.push({ code: 'missing-orientation', message: 'no Image Orientation (Patient): axial orientation assumed' });
    orientation = [1, 0, 0, 0, 1, 0];
  }
  const rowDir: Vec3 = [orientation[0], orientation[1], orientation[2]];
  const colDir: Vec3 = [orientation[3], orientation[4], orientation[5]];
  const normal = cross(rowDir, colDir);

  const slices = bucket.slices;
  const allPositioned = slices.every((s) => s.positionLps !== null);
  const byInstanceOrder = (a: SliceRef, b: SliceRef): number =>
    (instances[a.instance]!.instanceNumber ?? 0) - (instances[b.instance]!.instanceNumber ?? 0) || a.instance - b.instance || a.frame - b.frame;
  if (allPositioned) {
    for (const s of slices) s.distanceMm = dot(s.positionLps!, normal);
    slices.sort((a, b) => a.distanceMm - b.distanceMm || byInstanceOrder(a, b));
  } else {
    warnings.push({
      code: 'missing-position',
      message: 'some slices have no Image Position (Patient): ordered by instance number, slice positions are estimated',
    });
    slices.sort(byInstanceOrder);
  }

  // Duplicate positions (several phases or echoes at one place): keep the first of each.
  let kept = slices;
  if (allPositioned && slices.length > 1) {
    kept = [slices[0]!];
    for (let i = 1; i < slices.length; i++) {
      if (slices[i]!.distanceMm - kept[kept.length - 1]!.distanceMm > SAME_POSITION_MM) kept.push(slices[i]!);
    }
    if (kept.length < slices.length) {
      warnings.push({
        code: 'duplicate-position',
        message: `${slices.length - kept.length} of ${slices.length} slices repeat a position already present (several phases or echoes?); the first at each position is used`,
      });
    }
  }

  const inst0 = instances[kept[0]!.instance]!;
  const frame0 = inst0.frames[kept[0]!.frame]!;
  let pixelSpacing = frame0.pixelSpacingMm;
  if (!pixelSpacing) {
    warnings.push({ code: 'missing-spacing', message: 'no Pixel Spacing: 1 mm assumed, so distances and volumes are not in real millimetres' });
    pixelSpacing = [1, 1];
  }

  let kDir: Vec3 = normal;
  let kSpacing: number;
  const fallbackSpacing = inst0.spacingBetweenSlicesMm ?? frame0.sliceThicknessMm ?? 1;
  if (kept.length < 2 || !allPositioned) {
    kSpacing = fallbackSpacing > 0 ? fallbackSpacing : 1;
    if (kept.length < 2) warnings.push({ code: 'single-slice', message: 'one slice only: a 2D image, not a volume' });
  } else {
    const p0 = kept[0]!.positionLps!;
    const pN = kept[kept.length - 1]!.positionLps!;
    const span = sub(pN, p0);
    const spanMm = norm(span);
    kSpacing = spanMm / (kept.length - 1);
    const cosAngle = Math.min(1, Math.abs(dot(span, normal)) / spanMm);
    const tiltDeg = (Math.acos(cosAngle) * 180) / Math.PI;
    if (tiltDeg > TILT_TOLERANCE_DEG) {
      // Slices step along the gantry-tilted direction: the k axis follows the real step,
      // so voxel → LPS stays exact (the grid is sheared, not resampled).
      kDir = [span[0] / spanMm, span[1] / spanMm, span[2] / spanMm];
      warnings.push({
        code: 'gantry-tilt',
        message: `slices are stacked ${tiltDeg.toFixed(2)}° off the image normal (gantry tilt): the volume is sheared; 3D views use the true slice positions`,
      });
    }
    const along = kSpacing * cosAngle;
    let minGap = Infinity;
    let maxGap = 0;
    for (let i = 1; i < kept.length; i++) {
      const gap = kept[i]!.distanceMm - kept[i - 1]!.distanceMm;
      if (gap < minGap) minGap = gap;
      if (gap > maxGap) maxGap = gap;
    }
    if (maxGap - minGap > Math.max(0.02, 0.02 * along)) {
      warnings.push({
        code: 'uneven-spacing',
        message: `slice gaps vary from ${minGap.toFixed(2)} to ${maxGap.toFixed(2)} mm; the volume uses the mean ${along.toFixed(2)} mm, so positions between gaps are approximate`,
      });
    }
  }

  const originLps: Vec3 = kept[0]!.positionLps ?? [0, 0, 0];
  const tsUids = [...new Set(kept.map((s) => instances[s.instance]!.transferSyntax.uid))];
  const syntaxes = kept.map((s) => instances[s.instance]!.transferSyntax);
  return {
    key,
    studyInstanceUid: first.studyInstanceUid,
    seriesInstanceUid: first.seriesInstanceUid,
    modality: first.modality,
    seriesDescription: first.seriesDescription,
    seriesNumber: first.seriesNumber,
    rows: first.rows,
    columns: first.columns,
    slices: kept,
    geometry: {
      dimensions: [first.columns, first.rows, kept.length],
      // DICOM PixelSpacing is [row spacing (between rows, along j), column spacing (along i)].
      spacingMm: [pixelSpacing[1], pixelSpacing[0], kSpacing],
      originLps: [originLps[0], originLps[1], originLps[2]],
      directionLps: [rowDir[0], rowDir[1], rowDir[2], colDir[0], colDir[1], colDir[2], kDir[0], kDir[1], kDir[2]],
    },
    warnings,
    transferSyntaxUids: tsUids,
    nativeDecodable: syntaxes.every((t) => t.nativeDecode),
    browserDecodable: syntaxes.every((t) => t.browserCodec),
  };
}
