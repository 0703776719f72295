// Client of the folder-import worker (workers/dicom/import.worker.ts) over a one-worker WorkerPool:
// started on first use, parsing never runs on the UI thread. The worker keeps the parsed instances
// of the last import (seriesFiles reads them), so it is one worker for the page. Cancel stops the
// import where it is: the worker is terminated (parsing is synchronous per file) and the next
// import starts a fresh one — a cancelled import leaves nothing to read.
import type { Ingest } from './localImport';
import { type DicomImportWorkerApi } from '../../../core/contracts/dicom-import-worker';
import { WorkerPool } from '../../../core/workerPool/workerPool';
import { browserWorkerFactory } from '../browserWorker';

let pool: WorkerPool<DicomImportWorkerApi> | null = null;
let current: AbortController | null = null;

function importPool(): WorkerPool<DicomImportWorkerApi> {
  pool ??= new WorkerPool<DicomImportWorkerApi>({
    name: 'DICOM import',
    size: 1,
    create: browserWorkerFactory(() => new Worker(new URL('../../../workers/dicom/import.worker.ts', import.meta.url), { type: 'module', name: 'dicom-import' })),
  });
  return pool;
}

export const workerIngest: Ingest = {
  async importFiles(sources, onProgress) {
    // A new import replaces the one in flight, as the worker's session does.
    current?.abort();
    const controller = new AbortController();
    current = controller;
    try {
      const r = await importPool().run((api, progress) => api.importFiles(sources, progress), { signal: controller.signal, ...(onProgress ? { onProgress } : {}) });
      return { studies: r.studies, rejected: r.rejected };
    } finally {
      if (current === controller) current = null;
    }
  },
  seriesFiles(seriesKey) {
    return importPool().run((api) => api.seriesFiles(seriesKey));
  },
  cancel() {
    current?.abort();
    current = null;
    return Promise.resolve();
  },
};
