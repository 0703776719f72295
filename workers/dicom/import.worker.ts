// Folder-import worker entry: exposes DicomImportSession to the WorkerPool (client:
// src/compute/imaging/ingestClient.ts). Volumes come back with their voxel buffer transferred.
import { expose, transfer } from '../../core/workerPool/workerPool';
import type { ImageVolume } from '../../core/domain/imaging';
import type { ImportProgress } from '../../core/dicom/import';
import type { FrameDecoder } from '../../core/dicom/volume';
import { DicomImportSession } from './importSession';
import type { DicomImportWorkerApi, ImportSource, ImportSummary, VolumeProgress } from '../../core/contracts/dicom-import-worker';

const session = new DicomImportSession();

const api: DicomImportWorkerApi = {
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

expose(api);
