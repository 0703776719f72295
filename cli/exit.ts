// Exit only after what was written has left the process. When stdout is a pipe whose reader is
// slower than the writer (`twin simulate --json | head -c …`, a pager, a second program), Node
// queues what the pipe did not take (beyond its 64 KiB buffer) and writes it as the reader drains;
// process.exit() right after the write drops that queue, cutting the output at 65,536 bytes.
// Writing an empty chunk with a callback waits for everything queued before it, in order.

export interface FlushableStream {
  write(chunk: string, callback: (err?: Error | null) => void): boolean;
}

/** Resolves once every chunk written to each stream before this call has been flushed (or failed). */
export function flushed(streams: readonly FlushableStream[]): Promise<void> {
  return Promise.all(streams.map((s) => new Promise<void>((resolve) => s.write('', () => resolve())))).then(() => undefined);
}

/** Sets the exit code, waits for stdout and stderr to flush, then exits. */
export async function exitAfterFlush(code: number, streams: readonly FlushableStream[] = [process.stdout, process.stderr], exit: (code: number) => void = (c) => process.exit(c)): Promise<void> {
  process.exitCode = code;
  await flushed(streams);
  exit(code);
}
