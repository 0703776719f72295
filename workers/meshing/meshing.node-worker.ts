// Node worker_threads entry (benchmark, batch CLI): the same API as meshing.worker.ts over
// comlink's Node adapter. Start it with `execArgv: ['--import', 'tsx']` when running from source.
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { parentPort } from 'node:worker_threads';
import { meshingWorkerApi } from './workerApi';

if (parentPort === null) throw new Error('meshing.node-worker.ts must run as a worker_thread');
expose(meshingWorkerApi, nodeEndpoint(parentPort));
