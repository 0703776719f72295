// Worker entry (browser Web Worker, or a Node thread through workers/nodeThread): exposes the
// meshing kernels to the WorkerPool. No logic here (workerApi.ts).
import { expose } from '../../core/workerPool/workerPool';
import { meshingWorkerApi } from './workerApi';

expose(meshingWorkerApi);
