// Lazy comlink client of the folder-import worker (workers/dicom/import.worker.ts). One worker
// per page, started on first use; parsing never runs on the UI thread.
import { proxy, wrap, type Remote } from 'comlink';
import type { Ingest } from './localImport';
import { type DicomImportWorkerApi } from '../../../core/contracts/dicom-import-worker';

let remote: Remote<DicomImportWorkerApi> | null = null;

function worker(): Remote<DicomImportWorkerApi> {
  if (!remote) {
    remote = wrap<DicomImportWorkerApi>(
      new Worker(new URL('../../../workers/dicom/import.worker.ts', import.meta.url), { type: 'module', name: 'dicom-import' }),
    );
  }
  return remote;
}

export const workerIngest: Ingest = {
  async importFiles(sources, onProgress) {
    const r = await worker().importFiles(sources, onProgress ? proxy(onProgress) : undefined);
    return { studies: r.studies, rejected: r.rejected };
  },
  async seriesFiles(seriesKey) {
    return worker().seriesFiles(seriesKey);
  },
  async cancel() {
    await worker().cancel();
  },
};
