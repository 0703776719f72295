// comlink's adapter from a Node worker_threads port (`on`/`off` listeners) to the Endpoint shape
// the pool speaks (`addEventListener`). Typed structurally, so core/ needs no Node types; used by
// workers/nodeThread on both ends of a Node worker thread.
import nodeAdapter from 'comlink/dist/esm/node-adapter.mjs';
import { type Endpoint } from 'comlink';

export interface NodeMessagePort {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  on(type: 'message', listener: (data: unknown) => void): unknown;
  off(type: 'message', listener: (data: unknown) => void): unknown;
}

export function nodeEndpoint(port: NodeMessagePort): Endpoint {
  return nodeAdapter(port as unknown as Parameters<typeof nodeAdapter>[0]);
}
