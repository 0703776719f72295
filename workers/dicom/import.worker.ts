// Folder-import worker: exposes DicomImportSession over comlink. Usage from the UI thread:
//   const api = wrap<DicomImportWorkerApi>(new Worker(new URL('./import.worker.ts', import.meta.url), { type: 'module' }));
//   const summary = await api.importFiles(files, proxy(onProgress));
//   const volume = await api.buildVolume(key, proxy(decodeFrame), proxy(onProgress));
// Volumes come back with their voxel buffer transferred, not copied.
import { expose, transfer } from 'comlink';
import type { ImageVolume } from '../../core/domain/imaging';
import type { ImportProgress } from '../../core/dicom/import';
import type { FrameDecoder } from '../../core/dicom/volume';
import { DicomImportSession, type ImportSource, type ImportSummary, type VolumeProgress } from './importSession';

const session = new DicomImportSession();

const api = {
  importFiles(files: ImportSource[], onProgress?: (p: ImportProgress) => void): Promise<ImportSummary> {
    return session.importFiles(files, onProgress);
  },
  async buildVolume(seriesKey: string, decodeFrame?: FrameDecoder, onProgress?: (p: VolumeProgress) => void): Promise<ImageVolume> {
    const volume = await session.buildVolume(seriesKey, decodeFrame, onProgress);
    return transfer(volume, [volume.voxels.buffer as ArrayBuffer]);
  },
  seriesFiles(seriesKey: string) {
    return session.seriesFiles(seriesKey);
  },
  cancel(): void {
    session.cancel();
  },
  clear(): void {
    session.clear();
  },
};

export type DicomImportWorkerApi = typeof api;

expose(api);
