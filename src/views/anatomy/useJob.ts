// One long job at a time per panel: its title, progress fraction and a Cancel that aborts it.
// Progress arrives from workers; it is throttled to animation frames so a chatty worker cannot
// flood React with renders.
import { useCallback, useRef, useState } from 'react';

export interface JobState {
  title: string;
  fraction: number;
  cancel: () => void;
}

export interface JobRunner {
  job: JobState | null;
  error: string | null;
  clearError: () => void;
  run: <T>(title: string, work: (hooks: { signal: AbortSignal; onProgress: (f: number) => void }) => Promise<T>) => Promise<T | undefined>;
}

function isAbort(e: unknown): boolean {
  return e instanceof DOMException ? e.name === 'AbortError' : e instanceof Error && e.name === 'AbortError';
}

export function useJob(): JobRunner {
  const [job, setJob] = useState<JobState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const pending = useRef<number | null>(null);
  const run = useCallback(async <T,>(title: string, work: (hooks: { signal: AbortSignal; onProgress: (f: number) => void }) => Promise<T>): Promise<T | undefined> => {
    const controller = new AbortController();
    const cancel = (): void => controller.abort();
    setError(null);
    setJob({ title, fraction: 0, cancel });
    let latest = 0;
    const onProgress = (f: number): void => {
      latest = Math.min(1, Math.max(0, f));
      if (pending.current !== null) return;
      pending.current = requestAnimationFrame(() => {
        pending.current = null;
        setJob((j) => (j && j.cancel === cancel ? { ...j, fraction: latest } : j));
      });
    };
    try {
      return await work({ signal: controller.signal, onProgress });
    } catch (e) {
      if (!isAbort(e) && !controller.signal.aborted) setError(e instanceof Error ? e.message : String(e));
      return undefined;
    } finally {
      if (pending.current !== null) cancelAnimationFrame(pending.current);
      pending.current = null;
      setJob((j) => (j && j.cancel === cancel ? null : j));
    }
  }, []);
  return { job, error, clearError: () => setError(null), run };
}
