// The Anatomy worker API in Node on real bytes: a small phantom CT written as DICOM Part 10 by the
// demo writer, served as a WADO-RS multipart answer (the exact shape server/dicomweb streams),
// downloaded by the page's source (src/sources/dicomwebSeries.ts) and loaded in the worker API, segmented ground truth saved as DICOM-SEG against it, re-imported, meshed, cut and exported.
import { validateBytes } from 'gltf-validator';
import { describe, expect, it } from 'vitest';
import { type LabelVolume } from '../../core/domain/imaging';
import { generatePhantom, PHANTOM_SEGMENTS } from '../../server/demo/imaging/phantom';
import { uidFromName, writeCtSlice, type CtSeriesHeader } from '../../server/demo/imaging/writer';
import { readDicomSeg } from '../meshing/dicomSeg';
import { readBinaryStl } from '../meshing/exportFormats';
import { cutMaskVolumes } from '../meshing/planning';
import { meshLabelVolume } from '../meshing/surfaces';
import { createAnatomyWorkerApi } from './anatomyWorkerApi';
import { ACCEPT_SERIES, downloadSeries } from '../../src/sources/dicomwebSeries';
import { boundsOf, cutPlaneLps } from '../../src/compute/anatomy/planeGeometry';
import { type LoadProgress } from '../../core/contracts/anatomy-worker';

// 384 mm field of view at 8 mm in-plane, 12.5 mm slices: the whole torso phantom, coarse but fast.
const phantom = generatePhantom({ dimensions: [48, 48, 24], spacingMm: [8, 8, 12.5], seed: 7, noiseSdHu: 0, liverLesion: false, aorticValveCalcification: false });
const header: CtSeriesHeader = {
  patientId: 'test-patient',
  patientName: 'Test^Patient',
  patientBirthDate: '19680101',
  patientSex: 'F',
  studyInstanceUid: uidFromName('h9-study'),
  seriesInstanceUid: uidFromName('h9-series'),
  frameOfReferenceUid: uidFromName('h9-for'),
  sopInstanceUidRoot: uidFromName('h9-sop').slice(0, 40),
  studyDate: '20261121',
  studyTime: '070000',
  accessionNumber: 'A1',
  studyDescription: 'test',
  seriesDescription: 'phantom',
  seriesNumber: 1,
  bodyPartExamined: 'ABDOMEN',
  windowCenter: 40,
  windowWidth: 400,
};

function multipartSeries(boundary: string): Uint8Array {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (let k = phantom.ct.dimensions[2] - 1; k >= 0; k--) {
    // Reverse order on purpose: the loader must sort slices by position, not by arrival.
    if (chunks.length > 0) chunks.push(enc.encode('\r\n'));
    chunks.push(enc.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`));
    chunks.push(writeCtSlice(phantom.ct, k, header));
  }
  chunks.push(enc.encode(`\r\n--${boundary}--\r\n`));
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function seriesFetch(): { fetch: typeof fetch; accepts: string[] } {
  const accepts: string[] = [];
  const body = multipartSeries('twinscope-test');
  const f = (async (_url: string | URL | Request, init?: RequestInit) => {
    accepts.push(String((init?.headers as Record<string, string>).Accept));
    // Delivered in 64 KiB chunks, as a network would.
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let o = 0; o < body.length; o += 65536) c.enqueue(body.slice(o, o + 65536));
        c.close();
      },
    });
    return new Response(stream, { headers: { 'content-type': 'multipart/related; type="application/dicom"; boundary=twinscope-test' } });
  }) as typeof fetch;
  return { fetch: f, accepts };
}

const LIVER = PHANTOM_SEGMENTS.find((s) => s.name === 'liver')!.label;
const AORTA = PHANTOM_SEGMENTS.find((s) => s.name === 'aorta')!.label;

function only(labels: LabelVolume, keep: number[]): LabelVolume {
  const out = new Uint8Array(labels.labels.length);
  for (let x = 0; x < out.length; x++) if (keep.includes(labels.labels[x]!)) out[x] = labels.labels[x]!;
  return { ...labels, labels: out, segments: labels.segments.filter((s) => keep.includes(s.label)) };
}

describe('anatomy worker API', () => {
  it('loads a WADO-RS series into the exact HU volume, with progress, and saves/re-imports a DICOM-SEG on its grid', async () => {
    const { fetch, accepts } = seriesFetch();
    const api = createAnatomyWorkerApi();
    const downloaded: number[] = [];
    const { body, boundary } = await downloadSeries('http://pacs/series', 24, { fetchFn: fetch, onProgress: (f) => downloaded.push(f) });
    expect(accepts).toEqual([ACCEPT_SERIES]);
    expect(downloaded.at(-1)).toBe(1);
    expect(downloaded.every((f, i) => i === 0 || f >= downloaded[i - 1]!)).toBe(true);
    const progress: LoadProgress[] = [];
    const ct = await api.loadSeries(body.buffer as ArrayBuffer, boundary, (p) => progress.push(p));
    expect(ct.dimensions).toEqual([48, 48, 24]);
    expect(ct.spacingMm.map((s) => Number(s.toFixed(6)))).toEqual([8, 8, 12.5]);
    expect(ct.originLps.map((s) => Number(s.toFixed(4)))).toEqual(phantom.ct.originLps.map((s) => Number(s.toFixed(4))));
    expect(ct.unit).toBe('HU');
    expect(Array.from(ct.voxels)).toEqual(Array.from(phantom.ct.voxels)); // 12-bit + intercept round-trips exactly (writer.ts)
    expect(progress.map((p) => p.phase)).toContain('parse');
    expect(progress.at(-1)).toEqual({ phase: 'build', fraction: 1 });
    expect(progress.every((p, i) => i === 0 || p.fraction >= progress[i - 1]!.fraction)).toBe(true);

    const truth = only(phantom.labels, [LIVER, AORTA]);
    const built = api.buildSegmentationForPacs(truth, { seriesDescription: 'test seg', creator: 'surgeon' });
    const seg = built.bytes;
    const back = readDicomSeg(seg, { referenceGeometry: ct });
    expect(back.seg.seriesInstanceUid).toBe(built.seriesInstanceUid);
    expect(back.seg.sopInstanceUid).toBe(built.sopInstanceUid);
    expect(back.seg.studyInstanceUid).toBe(built.studyInstanceUid);
    expect(Array.from(back.labels)).toEqual(Array.from(truth.labels));
    const imported = await api.importSegmentation([{ name: 'seg.dcm', bytes: seg }], ct);
    expect(imported.segments.map((s) => s.name).sort()).toEqual(['aorta', 'liver']);
    expect(Array.from(imported.labels)).toEqual(Array.from(truth.labels));
    expect(imported.seg?.patient.id).toBe('test-patient');

    // The same SEG from the PACS (one-part WADO-RS answer): loaded onto the CT, refused for another series or patient.
    const enc = new TextEncoder();
    const part = (bytes: ArrayBuffer): Uint8Array => {
      const head = enc.encode('--segb\r\nContent-Type: application/dicom\r\n\r\n');
      const tail = enc.encode('\r\n--segb--\r\n');
      const out = new Uint8Array(head.length + bytes.byteLength + tail.length);
      out.set(head, 0);
      out.set(new Uint8Array(bytes), head.length);
      out.set(tail, head.length + bytes.byteLength);
      return out;
    };
    const pacs = createAnatomyWorkerApi();
    const answer = (): ArrayBuffer => part(seg).slice().buffer;
    const fromPacs = await pacs.loadSegmentationSeries(answer(), 'segb', ct, { ctSeriesUid: header.seriesInstanceUid, patientIds: ['test-patient'] });
    expect(Array.from(fromPacs.labels)).toEqual(Array.from(truth.labels));
    await expect(pacs.loadSegmentationSeries(answer(), 'segb', ct, { ctSeriesUid: '2.25.999' })).rejects.toThrow(/drawn on series .* not on the loaded CT/);
    await expect(pacs.loadSegmentationSeries(answer(), 'segb', ct, { patientIds: ['someone-else'] })).rejects.toThrow(/belongs to patient ID test-patient/);
  });

  it('refuses a failed or non-multipart answer with what went wrong', async () => {
    const answer401 = (async () => new Response('no', { status: 401 })) as typeof fetch;
    await expect(downloadSeries('http://pacs/x', 1, { fetchFn: answer401 })).rejects.toThrow(/HTTP 401 \(sign in again\)/);
    const answerJson = (async () => new Response('{}', { headers: { 'content-type': 'application/json' } })) as typeof fetch;
    await expect(downloadSeries('http://pacs/x', 1, { fetchFn: answerJson })).rejects.toThrow(/multipart\/related/);
    const api = createAnatomyWorkerApi();
    // A cut-off download must not pass as a shorter series.
    const cut = multipartSeries('b').slice(0, 4000);
    await expect(api.loadSeries(cut.buffer, 'b')).rejects.toThrow(/close delimiter|cut|truncated|incomplete/i);
    expect(() => api.buildSegmentationForPacs(phantom.labels, { seriesDescription: '', creator: '' })).toThrow(/load the CT series/);
    await expect(api.importSegmentation([{ name: 'a.dcm', bytes: new ArrayBuffer(4) }, { name: 'b.dcm', bytes: new ArrayBuffer(4) }], null)).rejects.toThrow(/one segmentation file/);
  });

  it('cuts a meshed liver like the voxel count says, measures the vessel distance, exports valid GLB and STL', async () => {
    const api = createAnatomyWorkerApi();
    const structures = await meshLabelVolume(only(phantom.labels, [LIVER, AORTA]), { budgetTriangles: 5000 });
    api.setMeshes(structures);
    const liver = structures.find((s) => s.label === LIVER)!;
    const centre = boundsOf(liver.mesh.positionsLps).centreLps;
    const params = { azimuthDeg: 180, elevationDeg: 0, offsetMm: 8 };
    const r = api.cut(LIVER, cutPlaneLps(params, centre), AORTA);
    const byVoxels = cutMaskVolumes(phantom.labels, LIVER, cutPlaneLps(params, centre));
    expect(r.volumes.resectedMl + r.volumes.remnantMl).toBeCloseTo(r.volumes.totalMl, 6);
    // Smoothed 8 mm-voxel surface vs voxel centres: the planning README bounds voxel-sphere cuts by 3%; coarse grid → 5%.
    expect(Math.abs(r.volumes.remnantPercent - byVoxels.remnantPercent)).toBeLessThan(5);
    expect(r.vesselDistanceMm).toBeGreaterThan(0);
    expect(Number.isFinite(r.vesselDistanceMm)).toBe(true);
    expect(() => api.cut(99, cutPlaneLps(params, centre), null)).toThrow(/structure 99/);

    const glb = api.exportGlb([LIVER, AORTA], [[LIVER, 0.5]]);
    const report = await validateBytes(new Uint8Array(glb));
    expect(report.issues.numErrors).toBe(0);
    const stl = readBinaryStl(api.exportStl([LIVER]));
    expect(stl.indices.length).toBe(liver.mesh.indices.length);
    api.dropMesh(AORTA);
    expect(() => api.exportStl([AORTA])).toThrow(/no surface/);
  });
});
