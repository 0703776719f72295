import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, sharedDataPath } from '../../test-support/shared-data';
import { readDicomSeg, writeDicomSeg } from './dicomSeg';
import { gunzip, readNiftiLabelMap } from './nifti';
import { referenceFromInstances } from './referenceSeries';
import { resampleLabelsNearest } from './resample';
import { sameGrid } from '../../core/domain/imaging';

const base = ['dicom', 'ct-abdomen-totalseg-20slice-j2k'];

describe('reference CT series', () => {
  it.skipIf(!hasSharedData(...base, 'series'))(
    'reads the 20-slice CT grid (empty dataset UIDs fall back to file meta) and a SEG on it references every slice',
    async () => {
      const dir = sharedDataPath(...base, 'series');
      const files = readdirSync(dir).map((name) => {
        const b = readFileSync(join(dir, name));
        return { name, bytes: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer };
      });
      const ref = referenceFromInstances(files.reverse()); // any file order
      expect(ref.geometry.dimensions).toEqual([512, 512, 20]);
      expect(ref.geometry.spacingMm).toEqual([0.9765625, 0.9765625, 2]);
      expect(ref.geometry.originLps[2]).toBeCloseTo(-804.5, 6); // SOURCES.md: z −804.5 … −766.5
      expect(ref.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.2');
      expect(ref.sopInstanceUids.every((u) => /^[0-9.]+$/.test(u))).toBe(true);
      expect(new Set(ref.sopInstanceUids).size).toBe(20);

      // The LAS NIfTI covers the same voxels with j flipped: not the same grid, resampling is a pure flip.
      const nb = readFileSync(sharedDataPath(...base, 'seg', 'example_seg_dicom.nii.gz'));
      const nifti = readNiftiLabelMap(await gunzip(nb.buffer.slice(nb.byteOffset, nb.byteOffset + nb.byteLength) as ArrayBuffer));
      expect(sameGrid(nifti, ref.geometry)).toBe(false);
      const onCt = resampleLabelsNearest(nifti, ref.geometry);
      const plane = 512 * 512;
      const [i, j, k] = [300, 200, 10];
      expect(onCt.labels[k * plane + j * 512 + i]).toBe(nifti.labels[k * plane + (511 - j) * 512 + i]);
      const count = (a: ArrayLike<number>, l: number): number => {
        let n = 0;
        for (let x = 0; x < a.length; x++) if (a[x] === l) n++;
        return n;
      };
      expect(count(onCt.labels, 5)).toBe(count(nifti.labels, 5));

      // The liver only, to keep the test quick (the full 31-segment round trip is in dicomSeg.test.ts).
      const seg = writeDicomSeg({ ...onCt, segments: onCt.segments.filter((x) => x.label === 5) }, { reference: ref });
      const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dcmjs.data.DicomMessage.readFile(seg).dict) as {
        StudyInstanceUID: string;
        ReferencedSeriesSequence: Array<{ ReferencedInstanceSequence: Array<{ ReferencedSOPInstanceUID: string }> }>;
      };
      expect(ds.StudyInstanceUID).toMatch(/^2\.25\./); // the CT's study UID is empty, so a valid one is made
      expect(ds.ReferencedSeriesSequence[0]!.ReferencedInstanceSequence.map((r) => r.ReferencedSOPInstanceUID)).toEqual(ref.sopInstanceUids);
      const back = readDicomSeg(seg, { referenceGeometry: ref.geometry });
      expect(count(back.labels, 5)).toBe(count(nifti.labels, 5));
    },
  );

  it('rejects an empty folder and non-DICOM files by name', () => {
    expect(() => referenceFromInstances([])).toThrow(/no DICOM files/);
    expect(() => referenceFromInstances([{ name: 'notes.txt', bytes: new ArrayBuffer(200) }])).toThrow(/notes.txt/);
  });
});
