// Worker entry: exposes the Anatomy worker API (anatomyWorkerApi.ts) with comlink; nothing else.
import { expose } from 'comlink';
import { createAnatomyWorkerApi } from './anatomyWorkerApi';

expose(createAnatomyWorkerApi());
