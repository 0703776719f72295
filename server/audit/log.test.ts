import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog, type AuditLogLine } from './log';

const dirs: string[] = [];
function tempLog(): AuditLog {
  const dir = mkdtempSync(join(tmpdir(), 'audit-log-'));
  dirs.push(dir);
  return new AuditLog(join(dir, 'audit.log'));
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function line(id: string): AuditLogLine {
  return { id, at: '2026-01-01T00:00:00.000Z', user: null, action: 'R', method: 'GET', path: '/fhir/Patient', entities: ['Patient'], httpStatus: 401, outcome: '4', requestId: id, sourceIp: '127.0.0.1' };
}

describe('append-only audit log', () => {
  it('keeps every concurrent append, one JSON line each, in order of arrival', async () => {
    const log = tempLog();
    await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(line(`r${i}`))));
    const all = log.readAll();
    expect(all).toHaveLength(200);
    expect(new Set(all.map((l) => l.id)).size).toBe(200);
    expect(all[0]?.id).toBe('r0');
    expect(readFileSync(log.file, 'utf8').split('\n').filter(Boolean)).toHaveLength(200);
    await log.close();
  });

  it('records appended in one event-loop turn share one write + fdatasync; each resolves only once its line is in the file', async () => {
    const log = tempLog();
    const seen: number[] = [];
    const appends = Array.from({ length: 50 }, (_, i) =>
      log.append(line(`t${i}`)).then(() => {
        seen.push(readFileSync(log.file, 'utf8').split('\n').filter((l) => l.includes(`"t${i}"`)).length);
      }),
    );
    await Promise.all(appends);
    expect(log.syncs).toBe(1);
    expect(seen).toEqual(Array.from({ length: 50 }, () => 1));
    // The next turn's records are the next round.
    await Promise.all([log.append(line('u1')), log.append(line('u2'))]);
    expect(log.syncs).toBe(2);
    await log.close();
  });

  it('appends after existing records when reopened (never truncates)', async () => {
    const log = tempLog();
    await log.append(line('a'));
    await log.close();
    const again = new AuditLog(log.file);
    await again.append(line('b'));
    expect(again.readAll().map((l) => l.id)).toEqual(['a', 'b']);
    await again.close();
  });

  it('survives a torn last line from a crash: skipped, kept in the file, next record on its own line', async () => {
    const log = tempLog();
    await log.append(line('a'));
    await log.close();
    appendFileSync(log.file, '{"id":"torn","at":"20');
    const again = new AuditLog(log.file);
    await again.append(line('b'));
    expect(again.readAll().map((l) => l.id)).toEqual(['a', 'b']);
    expect(readFileSync(log.file, 'utf8')).toContain('{"id":"torn","at":"20\n');
    await again.close();
  });
});
