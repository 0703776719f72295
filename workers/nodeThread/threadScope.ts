// Runs first inside a Node worker thread started by nodeThread.ts: gives the thread the three
// members of a Web Worker's global scope that comlink's `expose(api)` uses (postMessage,
// addEventListener, removeEventListener), bound to the thread's parentPort. After this, a
// `*.worker.ts` entry runs unchanged in a browser Worker and in a Node thread.
import { parentPort } from 'node:worker_threads';
import { nodeEndpoint } from '../../core/workerPool/nodeEndpoint';

if (parentPort === null) throw new Error('threadScope.ts runs only inside a worker thread (started by nodeThread.ts)');
const endpoint = nodeEndpoint(parentPort);
Object.assign(globalThis, {
  postMessage: endpoint.postMessage.bind(endpoint),
  addEventListener: endpoint.addEventListener.bind(endpoint),
  removeEventListener: endpoint.removeEventListener.bind(endpoint),
});
