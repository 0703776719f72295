// The append-only audit log (`audit.log`, JSON Lines) — the source of truth of the audit trail.
// append() resolves only after the line is written and fdatasync'ed. Concurrent appends share
// one write + one fsync (group commit), so auditing every request stays cheap under load.
import { closeSync, existsSync, fchmodSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { fdatasync, write } from 'node:fs';
import { join } from 'node:path';
import type { AuditRecordInput } from '../../core/contracts';
import { GroupCommit } from './groupCommit';

export const AUDIT_LOG_FILE = 'audit.log';

export interface AuditLogLine extends AuditRecordInput {
  /** Unique record id; also the id of its FHIR AuditEvent. */
  id: string;
  /**
   * 'intent': written and fsynced before a write is forwarded to its store, so the record is
   * durable no later than the data. The completion record of the same requestId follows once
   * the outcome is known; an intent without one (the process died in between) becomes an
   * AuditEvent of its own at the next start (AuditTrail.resendMissing).
   */
  phase?: 'intent';
}

export class AuditLogError extends Error {
  override name = 'AuditLogError';
}

/**
 * What writes audit.log: this file's AuditLog (the event-loop thread), or ThreadedAuditLog
 * (thread-log.ts: a worker thread that also stores the AuditEvents). append() resolves only
 * once the record is durable.
 */
export interface AuditLogWriter {
  readonly file: string;
  /**
   * Appends one record. With `onEventStored`, a writer that stores AuditEvents itself
   * (`storesEvents`) stores this record's too and reports whether it did (before append resolves
   * when it could at once; false: the caller forwards it another way).
   */
  append(entry: AuditLogLine, onEventStored?: (stored: boolean) => void): Promise<void>;
  readAll(): AuditLogLine[];
  close(): Promise<void>;
  /** True when append(…, onEventStored) stores the record's AuditEvent in the embedded table. */
  readonly storesEvents?: boolean;
  /** Waits until every AuditEvent handed to the writer is stored or reported failed. */
  settle?(): Promise<void>;
  /** Stores the AuditEvents it holds back now (before an AuditEvent search), without waiting for the log to go idle. */
  flushEvents?(): Promise<void>;
  /** Writes (each one write + fdatasync) so far: records per write is the group commit's batch size. */
  readonly syncs?: number;
}

/**
 * Opens audit.log for appending (created 0600; an older, wider file made owner-only), first
 * terminating a torn last line: a crash during a write can leave one without its newline; the
 * fragment is kept (append-only) and skipped on read, the next record starts on its own line.
 * Returns the file descriptor ('a': every write goes to the end; nothing is ever rewritten).
 */
export function openAuditLogFile(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, 'a', 0o600);
    fchmodSync(fd, 0o600);
  } catch (err) {
    throw new AuditLogError(`cannot open the audit log ${file} for appending (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const content = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
  if (content.length > 0 && content[content.length - 1] !== 0x0a) {
    writeSync(fd, '\n');
    fdatasyncSync(fd);
  }
  return fd;
}

/** Every complete record of an audit log file, oldest first (torn or foreign lines are skipped). */
export function readAuditLog(file: string): AuditLogLine[] {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const out: AuditLogLine[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const parsed = JSON.parse(line) as AuditLogLine;
      if (typeof parsed.id === 'string' && typeof parsed.at === 'string') out.push(parsed);
    } catch {
      // torn line from a crash mid-write: not a record
    }
  }
  return out;
}

interface Waiter {
  line: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class AuditLog implements AuditLogWriter {
  private readonly fd: number;
  private readonly commits = new GroupCommit<Waiter>((batch, done) => this.writeBatch(batch, done));
  private closed = false;

  constructor(readonly file: string) {
    this.fd = openAuditLogFile(file);
  }

  static inDir(dataDir: string): AuditLog {
    return new AuditLog(join(dataDir, AUDIT_LOG_FILE));
  }

  /** Write + fdatasync rounds so far (each covers every record queued when it started). */
  get syncs(): number {
    return this.commits.batches;
  }

  append(entry: AuditLogLine): Promise<void> {
    if (this.closed) return Promise.reject(new AuditLogError('audit log is closed'));
    return new Promise<void>((resolve, reject) => {
      // Resolves only once fsynced, with the other records of this event-loop turn (groupCommit.ts).
      this.commits.push({ line: JSON.stringify(entry) + '\n', resolve, reject });
    });
  }

  private writeBatch(batch: Waiter[], next: () => void): void {
    const data = Buffer.from(batch.map((w) => w.line).join(''));
    const done = (err: Error | null): void => {
      for (const w of batch) {
        if (err) w.reject(new AuditLogError(`audit log write failed: ${err.message}`));
        else w.resolve();
      }
      next();
    };
    const writeAll = (offset: number): void => {
      write(this.fd, data, offset, data.length - offset, null, (err, written) => {
        if (err) return done(err);
        if (offset + written < data.length) return writeAll(offset + written);
        fdatasync(this.fd, (syncErr) => done(syncErr));
      });
    };
    writeAll(0);
  }

  /** Every complete record in the log, oldest first (torn or foreign lines are skipped). */
  readAll(): AuditLogLine[] {
    return readAuditLog(this.file);
  }

  /** Waits for pending appends, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.commits.drained(5);
    this.closed = true;
    closeSync(this.fd);
  }
}
