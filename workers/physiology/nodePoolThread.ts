// worker_threads entry of the Node pool (nodePool.ts): runs one task per message with the same
// pure functions the browser worker exposes, and transfers packed results back.
import { parentPort } from 'node:worker_threads';
import { physiologyApi, runMemberBeats } from './workerApi';
import { type PoolRequest, type PoolReply } from './nodePool';

if (!parentPort) throw new Error('nodePoolThread.ts must run as a worker thread');
const port = parentPort;

port.on('message', (req: PoolRequest) => {
  try {
    let result: Float64Array;
    switch (req.kind) {
      case 'ensembleChunk':
        result = physiologyApi.runEnsembleChunk(req.scenario, req.from, req.to);
        break;
      case 'memberBeats':
        result = runMemberBeats(req.base, req.seed, req.from, req.to, req.beats, req.stepsPerBeat);
        break;
    }
    const reply: PoolReply = { id: req.id, ok: true, result };
    port.postMessage(reply, [result.buffer as ArrayBuffer]);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const reply: PoolReply = { id: req.id, ok: false, error: { name: e.name, message: e.message } };
    port.postMessage(reply);
  }
});
