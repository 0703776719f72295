import { describe, expect, it } from 'vitest';
import { GroupCommit } from './groupCommit';

describe('GroupCommit', () => {
  it('puts the items of one event-loop turn in one batch, and what arrives while a batch is written in the next', async () => {
    const batches: number[][] = [];
    let finish: (() => void) | undefined;
    const commits = new GroupCommit<number>((batch, done) => {
      batches.push(batch);
      finish = done;
    });
    for (let i = 0; i < 5; i++) commits.push(i);
    expect(batches).toEqual([]); // waits for the rest of this turn
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[0, 1, 2, 3, 4]]);
    commits.push(5);
    commits.push(6);
    await new Promise((r) => setImmediate(r));
    expect(batches).toHaveLength(1); // one batch at a time: 5 and 6 wait for the first to finish
    expect(commits.idle).toBe(false);
    finish!();
    expect(batches).toEqual([[0, 1, 2, 3, 4], [5, 6]]);
    finish!();
    expect(commits.idle).toBe(true);
    expect(commits.batches).toBe(2);
    await commits.drained();
  });

  it('drained() waits for an asynchronous write to finish', async () => {
    const written: string[] = [];
    const commits = new GroupCommit<string>((batch, done) => {
      setTimeout(() => {
        written.push(...batch);
        done();
      }, 5);
    });
    commits.push('a');
    commits.push('b');
    await commits.drained(1);
    expect(written).toEqual(['a', 'b']);
  });
});
