// `twin simulate --json` through a pipe: the whole document arrives (it was cut at 65,536 bytes
// when the CLI called process.exit() right after writing). The reader here is deliberately slow:
// it takes one chunk per turn of its event loop.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'twin-cli-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('twin simulate --json | slow reader', () => {
  it('delivers the complete JSON document, well past 64 KiB', async () => {
    // Six hours of dobutamine: a trajectory of about 120 kB of JSON.
    const file = join(dir, 'long.json');
    writeFileSync(file, JSON.stringify({ preset: 'hfref', interventions: [{ type: 'drug', atSec: 0, drug: 'dobutamine', rateMcgPerKgPerMin: 5 }], durationSec: 21_600 }));
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/twin.ts', 'simulate', '--scenario', file, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const chunks: Buffer[] = [];
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    for await (const chunk of child.stdout) {
      chunks.push(chunk as Buffer);
      await new Promise((r) => setImmediate(r));
    }
    const code = await exited;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text.length).toBeGreaterThan(65_536);
    const doc = JSON.parse(text) as { trajectory: Array<{ tSec: number }> };
    expect(doc.trajectory.at(-1)?.tSec).toBeGreaterThan(21_000);
  });
});
