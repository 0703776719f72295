// DICOM-SEG from the PACS as a coloured label overlay on the Imaging viewer's CT (issue 17).
//
// Loading: the SEG series is downloaded with one WADO-RS request and read by the one SEG reader
// (workers/meshing/dicomSeg.ts) in the Anatomy worker (`loadSegmentationSeries`), which puts it on
// the CT grid (resampled when the grids differ), keeps overlapping segments in layers, and refuses
// a SEG drawn on another series or filed under another patient — the same checks as Anatomy.
//
// Drawing: `paintLabelOverlay` is pure. A 2D view's canvas maps to patient LPS by an affine map
// (orthographic viewports: world = origin + x·dx + y·dy per canvas pixel); each overlay pixel's
// world point goes to the label grid through the inverse of its linear part, nearest voxel, and
// is painted in its segment's colour where that segment is shown. Nothing is allocated per pixel.
import { type LabelVolume, type Vec3, type VolumeGeometry, invertLinearPart, linearPart } from '../../../core/domain/imaging';
import { type AnatomyWorkerApi } from '../../../core/contracts/anatomy-worker';
import { transfer, WorkerPool } from '../../../core/workerPool/workerPool';
import { downloadSeries } from '../../sources/dicomwebSeries';
import { browserWorkerFactory } from '../browserWorker';

/** Canvas pixel → patient LPS mm: world = originLps + x·dxLps + y·dyLps (x, y in overlay pixels, at pixel centres + 0.5). */
export interface CanvasToLps {
  originLps: Vec3;
  dxLps: Vec3;
  dyLps: Vec3;
}

/**
 * Paint the labels of `map` where they cut the view into `out` (RGBA, width × height × 4,
 * cleared first). `shown(label)` gives the segment's colour, or undefined to leave it out.
 * Overlapping layers are blended in order. Returns the number of painted pixels.
 */
export function paintLabelOverlay(
  out: Uint8ClampedArray,
  width: number,
  height: number,
  view: CanvasToLps,
  map: LabelVolume,
  shown: (label: number) => readonly [number, number, number] | undefined,
  alpha: number,
): number {
  if (out.length !== width * height * 4) throw new Error(`overlay buffer holds ${out.length} bytes, needs ${width * height * 4}`);
  out.fill(0);
  const inv = invertLinearPart(linearPart(map));
  const [nI, nJ, nK] = map.dimensions;
  const o = map.originLps;
  // ijk of a world point w: inv · (w − origin). Per pixel step along x and y in ijk.
  const di = [inv[0]! * view.dxLps[0] + inv[1]! * view.dxLps[1] + inv[2]! * view.dxLps[2], inv[3]! * view.dxLps[0] + inv[4]! * view.dxLps[1] + inv[5]! * view.dxLps[2], inv[6]! * view.dxLps[0] + inv[7]! * view.dxLps[1] + inv[8]! * view.dxLps[2]];
  const dj = [inv[0]! * view.dyLps[0] + inv[1]! * view.dyLps[1] + inv[2]! * view.dyLps[2], inv[3]! * view.dyLps[0] + inv[4]! * view.dyLps[1] + inv[5]! * view.dyLps[2], inv[6]! * view.dyLps[0] + inv[7]! * view.dyLps[1] + inv[8]! * view.dyLps[2]];
  const w0 = [view.originLps[0] - o[0], view.originLps[1] - o[1], view.originLps[2] - o[2]];
  const base = [inv[0]! * w0[0]! + inv[1]! * w0[1]! + inv[2]! * w0[2]!, inv[3]! * w0[0]! + inv[4]! * w0[1]! + inv[5]! * w0[2]!, inv[6]! * w0[0]! + inv[7]! * w0[1]! + inv[8]! * w0[2]!];
  const layers = [map.labels, ...(map.overlapLayers ?? [])];
  const a255 = Math.round(alpha * 255);
  let painted = 0;
  for (let y = 0; y < height; y++) {
    const ry = y + 0.5;
    for (let x = 0; x < width; x++) {
      const rx = x + 0.5;
      const i = Math.round(base[0]! + rx * di[0]! + ry * dj[0]!);
      const j = Math.round(base[1]! + rx * di[1]! + ry * dj[1]!);
      const k = Math.round(base[2]! + rx * di[2]! + ry * dj[2]!);
      if (i < 0 || j < 0 || k < 0 || i >= nI || j >= nJ || k >= nK) continue;
      const v = i + nI * (j + nJ * k);
      let r = 0;
      let g = 0;
      let b = 0;
      let hit = false;
      for (let l = 0; l < layers.length; l++) {
        const label = layers[l]![v]!;
        if (label === 0) continue;
        const c = shown(label);
        if (c === undefined) continue;
        if (hit) {
          r = (r + c[0]) / 2;
          g = (g + c[1]) / 2;
          b = (b + c[2]) / 2;
        } else {
          r = c[0];
          g = c[1];
          b = c[2];
          hit = true;
        }
      }
      if (!hit) continue;
      const p = 4 * (x + width * y);
      out[p] = r;
      out[p + 1] = g;
      out[p + 2] = b;
      out[p + 3] = a255;
      painted++;
    }
  }
  return painted;
}

const anatomyWorkers = browserWorkerFactory(
  () => new Worker(new URL('../../../workers/anatomy/anatomy.worker.ts', import.meta.url), { type: 'module', name: 'seg overlay' }),
);
let pool: WorkerPool<AnatomyWorkerApi> | null = null;

/**
 * Download a DICOM-SEG series of the study and read it onto the CT grid. Refused (with the
 * reader's reason) when it segments another series than `ctSeriesUid` or belongs to another
 * patient than `patientIds`.
 */
export async function loadSegOverlay(args: {
  studyInstanceUid: string;
  segSeriesUid: string;
  ctSeriesUid: string;
  ct: VolumeGeometry;
  patientIds: string[];
  signal?: AbortSignal;
}): Promise<LabelVolume> {
  const url = `${globalThis.location.origin}/dicomweb/studies/${encodeURIComponent(args.studyInstanceUid)}/series/${encodeURIComponent(args.segSeriesUid)}`;
  const { body, boundary } = await downloadSeries(url, 1, args.signal ? { signal: args.signal } : {});
  pool ??= new WorkerPool<AnatomyWorkerApi>({ name: 'seg overlay', size: 1, create: anatomyWorkers });
  const geometry: VolumeGeometry = { dimensions: args.ct.dimensions, spacingMm: args.ct.spacingMm, originLps: args.ct.originLps, directionLps: args.ct.directionLps };
  const buf = body.buffer as ArrayBuffer;
  return pool.run((api) => api.loadSegmentationSeries(transfer(buf, [buf]), boundary, geometry, { ctSeriesUid: args.ctSeriesUid, patientIds: args.patientIds }), {
    ...(args.signal ? { signal: args.signal } : {}),
  });
}
