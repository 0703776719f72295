// @vitest-environment happy-dom
import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { useLatestOnly } from './useLatestOnly';

afterEach(cleanup);

/** A run whose answers the test releases by hand, in any order. */
function controlledRun() {
  const calls: Array<{ request: number; resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  const run = (request: number): Promise<string> =>
    new Promise((resolve, reject) => {
      calls.push({ request, resolve, reject });
    });
  return { calls, run };
}

describe('useLatestOnly', () => {
  it('runs one request at a time and, of those that arrive meanwhile, only the newest', async () => {
    const { calls, run } = controlledRun();
    const { result, rerender } = renderHook(({ req }: { req: number | null }) => useLatestOnly(req, run), { initialProps: { req: 1 as number | null } });
    expect(calls.map((c) => c.request)).toEqual([1]);
    expect(result.current.busy).toBe(true);
    rerender({ req: 2 });
    rerender({ req: 3 });
    rerender({ req: 4 });
    expect(calls.map((c) => c.request)).toEqual([1]);
    await act(async () => calls[0]!.resolve('one'));
    // 2 and 3 were overtaken while 1 ran: never computed.
    expect(calls.map((c) => c.request)).toEqual([1, 4]);
    expect(result.current.answer).toEqual({ request: 1, result: 'one' });
    expect(result.current.busy).toBe(true);
    await act(async () => calls[1]!.resolve('four'));
    expect(result.current).toEqual({ answer: { request: 4, result: 'four' }, error: null, busy: false });
  });

  it('reports a failure, keeps the last answer, and clears the error on the next success', async () => {
    const { calls, run } = controlledRun();
    const { result, rerender } = renderHook(({ req }: { req: number | null }) => useLatestOnly(req, run), { initialProps: { req: 1 as number | null } });
    await act(async () => calls[0]!.resolve('one'));
    rerender({ req: 2 });
    await act(async () => calls[1]!.reject(new Error('the worker stopped')));
    expect(result.current).toEqual({ answer: { request: 1, result: 'one' }, error: 'the worker stopped', busy: false });
    rerender({ req: 3 });
    await act(async () => calls[2]!.resolve('three'));
    expect(result.current.error).toBeNull();
    expect(result.current.answer?.request).toBe(3);
  });

  it('computes nothing for a null request and sets nothing after unmount', async () => {
    const { calls, run } = controlledRun();
    const { result, rerender, unmount } = renderHook(({ req }: { req: number | null }) => useLatestOnly(req, run), { initialProps: { req: null as number | null } });
    expect(calls).toHaveLength(0);
    expect(result.current).toEqual({ answer: null, error: null, busy: false });
    rerender({ req: 5 });
    rerender({ req: 6 });
    unmount();
    await act(async () => calls[0]!.resolve('five'));
    // The queued 6 is dropped with the component.
    expect(calls.map((c) => c.request)).toEqual([5]);
    expect(result.current.answer).toBeNull();
  });
});
