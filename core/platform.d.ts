// The few web-platform globals that core/ uses and that every runtime it runs on provides
// (browsers, Web Workers, Node ≥ 20). Declared here, member by member, instead of pulling in the
// DOM or Node typings, so core/ cannot reach a DOM or Node API by accident. Only
// tsconfig.core.json includes this file; the other parts see the full DOM / WebWorker / Node types.

interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

declare class AbortController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}

declare function setTimeout(callback: () => void, ms?: number): unknown;

/** High-resolution milliseconds (timings reported by the pipelines). */
declare const performance: { now(): number };

type PlatformReadResult = { done: true; value?: undefined } | { done: false; value: Uint8Array };

interface PlatformByteStream {
  getReader(): { read(): Promise<PlatformReadResult>; cancel(): Promise<void> };
  pipeThrough(transform: DecompressionStream): PlatformByteStream;
}

type BlobPart = Uint8Array;

declare class Blob {
  constructor(parts: readonly BlobPart[]);
  stream(): PlatformByteStream;
}

declare class DecompressionStream {
  constructor(format: 'deflate' | 'deflate-raw' | 'gzip');
}
