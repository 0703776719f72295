// Worker entry: exposes the Anatomy worker API (anatomyWorkerApi.ts) to the WorkerPool; nothing else.
import { expose } from '../../core/workerPool/workerPool';
import { createAnatomyWorkerApi } from './anatomyWorkerApi';

expose(createAnatomyWorkerApi());
