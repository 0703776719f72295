// Browser Web Worker entry: exposes the meshing kernels over comlink. No logic here (workerApi.ts).
import { expose } from 'comlink';
import { meshingWorkerApi } from './workerApi';

expose(meshingWorkerApi);
