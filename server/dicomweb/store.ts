// The embedded DICOM store: Part 10 files under TWIN_DATA_DIR/dicom/files, content-addressed by
// SHA-256 and written atomically (temp file, fsync, rename, fsync of the folder), plus a SQLite
// index (its own file, WAL) of the attributes QIDO-RS matches on. The files are the truth: at
// open the index is reconciled with the folder (files without a row are parsed and indexed,
// rows without a file are dropped), so a crash between file and index loses nothing.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { parseForStore, StoreInputError, type ParsedStoreInstance } from './instance';
import type { DicomJsonObject } from './dicomJson';

export { StoreInputError } from './instance';

/** STOW to /studies/{uid} with an instance of another study: refused before anything is written. */
export class StudyMismatchError extends StoreInputError {
  override name = 'StudyMismatchError';
}

/**
 * A different instance under a SOP Instance UID already stored: refused unless the caller asks
 * for an explicit (audited) replace, so a re-sent STOW never silently swaps a patient's image.
 */
export class InstanceConflictError extends StoreInputError {
  override name = 'InstanceConflictError';
}

/**
 * An instance whose patient (PatientID, name, birth date) differs from the one its study is
 * filed under: refused unless replacing explicitly, so a study never silently changes patient.
 */
export class PatientIdentityConflictError extends StoreInputError {
  override name = 'PatientIdentityConflictError';
}

export interface PutOptions {
  /** Only instances of this study (STOW to /studies/{uid}). */
  studyUid?: string;
  /**
   * Replace a stored instance with different bytes and re-file its study's patient identity.
   * The caller audits it; without it such instances are refused (InstanceConflictError,
   * PatientIdentityConflictError).
   */
  replace?: boolean;
}

type PatientIdentity = Pick<ParsedStoreInstance['study'], 'patientId' | 'patientName' | 'patientBirthDate'>;

/** How two patient identities differ, in words, or null when they are the same patient. */
function identityDifference(stored: PatientIdentity, incoming: PatientIdentity): string | null {
  const diffs: string[] = [];
  if (stored.patientId !== incoming.patientId) diffs.push(`PatientID "${incoming.patientId}" (study has "${stored.patientId}")`);
  if (stored.patientName !== incoming.patientName) diffs.push(`patient name differs`);
  if (stored.patientBirthDate !== incoming.patientBirthDate) diffs.push(`birth date differs`);
  return diffs.length === 0 ? null : diffs.join(', ');
}

export interface StudyRow {
  study_uid: string;
  patient_id: string;
  patient_name: string;
  patient_birth_date: string;
  patient_sex: string;
  study_date: string;
  study_time: string;
  accession_number: string;
  study_id: string;
  study_description: string;
  referring_physician_name: string;
  modalities: string;
  series_count: number;
  instance_count: number;
}

export interface SeriesRow {
  study_uid: string;
  series_uid: string;
  modality: string;
  series_number: number | null;
  series_description: string;
  instance_count: number;
}

export interface InstanceRow {
  sop_uid: string;
  study_uid: string;
  series_uid: string;
  sop_class_uid: string;
  transfer_syntax_uid: string;
  instance_number: number | null;
  rows: number | null;
  columns: number | null;
  number_of_frames: number | null;
  bits_allocated: number | null;
  sha256: string;
  size_bytes: number;
  /** Byte offset of frame 1 in the file when frames can be read in place (native LE), else null. */
  native_frame_offset: number | null;
  native_frame_bytes: number | null;
  /** Compressed frames: JSON of [position, length, …] per frame (see ParsedStoreInstance.encapsulatedFrames), else null. */
  frame_fragments_json: string | null;
}

/** A QIDO query already validated by the routes: keyword → value (wildcards * and ? allowed where DICOM allows). */
export interface QidoFilter {
  studyUids?: string[];
  patientId?: string;
  studyDate?: { from?: string; to?: string };
  accessionNumber?: string;
  modality?: string;
  seriesUids?: string[];
  seriesNumber?: number;
  sopUids?: string[];
  sopClassUid?: string;
  instanceNumber?: number;
  limit: number;
  offset: number;
}

export type PutOutcome = { ok: true; result: PutResult } | { ok: false; error: unknown };

async function fsyncDirAsync(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

interface PutPlan {
  outcomes: PutOutcome[];
  toIndex: { parsed: ParsedStoreInstance; sha: string; size: number; replaces: string | undefined }[];
  toWrite: { path: string; bytes: Uint8Array }[];
  dirs: Set<string>;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface PutResult {
  instance: InstanceRow;
  /** False when the same bytes were already stored. */
  created: boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS studies (
  study_uid TEXT PRIMARY KEY,
  patient_id TEXT NOT NULL, patient_name TEXT NOT NULL, patient_birth_date TEXT NOT NULL, patient_sex TEXT NOT NULL,
  study_date TEXT NOT NULL, study_time TEXT NOT NULL, accession_number TEXT NOT NULL, study_id TEXT NOT NULL,
  study_description TEXT NOT NULL, referring_physician_name TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS studies_patient ON studies(patient_id);
CREATE TABLE IF NOT EXISTS series (
  series_uid TEXT PRIMARY KEY,
  study_uid TEXT NOT NULL,
  modality TEXT NOT NULL, series_number INTEGER, series_description TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS series_study ON series(study_uid);
CREATE TABLE IF NOT EXISTS instances (
  sop_uid TEXT PRIMARY KEY,
  study_uid TEXT NOT NULL, series_uid TEXT NOT NULL,
  sop_class_uid TEXT NOT NULL, transfer_syntax_uid TEXT NOT NULL,
  instance_number INTEGER, rows INTEGER, columns INTEGER, number_of_frames INTEGER, bits_allocated INTEGER,
  sha256 TEXT NOT NULL, size_bytes INTEGER NOT NULL,
  metadata_json TEXT NOT NULL,
  stored_at TEXT NOT NULL,
  native_frame_offset INTEGER,
  native_frame_bytes INTEGER,
  frame_fragments_json TEXT
);
CREATE INDEX IF NOT EXISTS instances_series ON instances(series_uid, instance_number);
CREATE INDEX IF NOT EXISTS instances_study ON instances(study_uid);
CREATE INDEX IF NOT EXISTS instances_sha ON instances(sha256);
`;

const INSTANCE_COLUMNS =
  'sop_uid, study_uid, series_uid, sop_class_uid, transfer_syntax_uid, instance_number, rows, columns, number_of_frames, bits_allocated, sha256, size_bytes, native_frame_offset, native_frame_bytes, frame_fragments_json';

/** SQL LIKE pattern from a DICOM wildcard (* any run, ? one character). */
function likePattern(v: string): string {
  return v.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%').replace(/\?/g, '_');
}

function matchClause(column: string, value: string, where: string[], params: unknown[]): void {
  if (/[*?]/.test(value)) {
    where.push(`${column} LIKE ? ESCAPE '\\'`);
    params.push(likePattern(value));
  } else {
    where.push(`${column} = ?`);
    params.push(value);
  }
}

function inClause(column: string, values: string[], where: string[], params: unknown[]): void {
  where.push(`${column} IN (${values.map(() => '?').join(',')})`);
  params.push(...values);
}

/** Open file handles kept for frame reads (a viewer reads a series' files one after another). */
const MAX_HANDLES = 64;

export class DicomStore {
  readonly root: string;
  private readonly filesDir: string;
  /** Temp files of this store (writes before their rename, spooled STOW bodies); emptied at open. */
  readonly tmpDir: string;
  private readonly db: Database.Database;
  /** Prepared statements by SQL text: preparing costs more than running a point lookup. */
  private readonly statements = new Map<string, Database.Statement>();
  /** Open read handles of stored files by SHA-256, least recently used first (files are immutable). */
  private readonly handles = new Map<string, number>();

  private constructor(root: string, db: Database.Database) {
    this.root = root;
    this.filesDir = join(root, 'files');
    this.tmpDir = join(root, 'tmp');
    this.db = db;
  }

  /** Opens (creating when absent) the store under `dataDir/dicom` and reconciles the index with the files. */
  static open(dataDir: string): DicomStore {
    const root = join(dataDir, 'dicom');
    mkdirSync(join(root, 'files'), { recursive: true });
    // Leftover temp files are writes that never reached their rename: not stored, safe to drop.
    rmSync(join(root, 'tmp'), { recursive: true, force: true });
    mkdirSync(join(root, 'tmp'), { recursive: true });
    const db = new Database(join(root, 'index.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
    // Index files from before the in-place frame columns: add them (NULL = parse on demand).
    const columns = new Set((db.prepare('PRAGMA table_info(instances)').all() as { name: string }[]).map((c) => c.name));
    if (!columns.has('native_frame_offset')) db.exec('ALTER TABLE instances ADD COLUMN native_frame_offset INTEGER; ALTER TABLE instances ADD COLUMN native_frame_bytes INTEGER;');
    // …and before the compressed-frame positions (NULL = parse the file per frame request).
    if (!columns.has('frame_fragments_json')) db.exec('ALTER TABLE instances ADD COLUMN frame_fragments_json TEXT;');
    const store = new DicomStore(root, db);
    store.reconcile();
    return store;
  }

  close(): void {
    for (const fd of this.handles.values()) closeSync(fd);
    this.handles.clear();
    this.statements.clear();
    this.db.close();
  }

  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** A read handle of a stored file, kept open for the next frame request (at most MAX_HANDLES). */
  private handle(sha: string): number {
    const fd = this.handles.get(sha);
    if (fd !== undefined) {
      this.handles.delete(sha);
      this.handles.set(sha, fd);
      return fd;
    }
    const opened = openSync(this.pathOf(sha), 'r');
    this.handles.set(sha, opened);
    if (this.handles.size > MAX_HANDLES) {
      const [oldest, oldFd] = this.handles.entries().next().value as [string, number];
      this.handles.delete(oldest);
      closeSync(oldFd);
    }
    return opened;
  }

  private dropHandle(sha: string): void {
    const fd = this.handles.get(sha);
    if (fd !== undefined) {
      this.handles.delete(sha);
      closeSync(fd);
    }
  }

  private pathOf(sha: string): string {
    return join(this.filesDir, sha.slice(0, 2), `${sha}.dcm`);
  }

  /** Indexes files the index lacks and forgets rows whose file is gone. Returns what changed. */
  reconcile(): { indexed: number; dropped: number; unreadable: string[] } {
    const onDisk = new Set<string>();
    const unreadable: string[] = [];
    for (const dir of readdirSync(this.filesDir)) {
      const full = join(this.filesDir, dir);
      let names: string[];
      try {
        names = readdirSync(full);
      } catch {
        continue;
      }
      for (const name of names) if (name.endsWith('.dcm')) onDisk.add(name.slice(0, -4));
    }
    const known = new Set((this.stmt('SELECT DISTINCT sha256 FROM instances').all() as { sha256: string }[]).map((r) => r.sha256));
    let dropped = 0;
    for (const sha of known) {
      if (!onDisk.has(sha)) dropped += this.stmt('DELETE FROM instances WHERE sha256 = ?').run(sha).changes;
    }
    let indexed = 0;
    for (const sha of onDisk) {
      if (known.has(sha)) continue;
      try {
        const bytes = readFileSync(this.pathOf(sha));
        const parsed = parseForStore(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
        if (parsed.filledIn.length > 0) {
          // Put there by hand with empty UIDs: store the filled-in copy under its own hash, as
          // STOW would have, so the index (frame offsets included) describes the file it names.
          const fixedSha = createHash('sha256').update(parsed.bytes).digest('hex');
          const fixedPath = this.pathOf(fixedSha);
          if (!existsSync(fixedPath)) {
            this.writeFileDurably(fixedPath, parsed.bytes);
            fsyncDir(join(fixedPath, '..'));
          }
          this.index(parsed, fixedSha, parsed.bytes.length);
          rmSync(this.pathOf(sha), { force: true });
        } else {
          this.index(parsed, sha, bytes.length);
        }
        indexed++;
      } catch {
        // A file that no longer parses (torn by a crash, damaged on disk) is moved aside, never
        // deleted: it cannot be served, and a later identical STOW must be able to write it anew.
        unreadable.push(sha);
        const quarantine = join(this.root, 'quarantine');
        mkdirSync(quarantine, { recursive: true });
        renameSync(this.pathOf(sha), join(quarantine, `${sha}.dcm`));
      }
    }
    if (dropped > 0) this.pruneEmpty();
    return { indexed, dropped, unreadable };
  }

  /** Stores one Part 10 file (durable when this returns). Throws StoreInputError for bad input. */
  put(bytes: Uint8Array, options: PutOptions = {}): PutResult {
    const [outcome] = this.putMany([bytes], options);
    if (!outcome!.ok) throw outcome!.error;
    return outcome!.result;
  }

  /**
   * Stores several files as one batch: each file is written and fsynced, the folders are
   * fsynced once, and the index rows go in one SQLite transaction. Durable when this returns.
   * One bad file does not stop the others; its outcome carries the error.
   */
  putMany(files: readonly Uint8Array[], options: PutOptions = {}): PutOutcome[] {
    const plan = this.planPut(files, options);
    for (const w of plan.toWrite) this.writeFileDurably(w.path, w.bytes);
    // The renames are durable only once the directory entries are on disk.
    for (const dir of plan.dirs) fsyncDir(dir);
    return this.commitPut(plan);
  }

  /**
   * putMany with the file writes and fsyncs on libuv's thread pool instead of the event loop
   * (the demo seeding writes hundreds of slices while the server answers requests). Only the
   * parse and the index transaction run on the main thread. Same durability: when it resolves,
   * the files, their folders and the index rows are on disk.
   */
  async putManyAsync(files: readonly Uint8Array[], options: PutOptions = {}): Promise<PutOutcome[]> {
    const plan = this.planPut(files, options);
    for (const w of plan.toWrite) await this.writeFileDurablyAsync(w.path, w.bytes);
    for (const dir of plan.dirs) await fsyncDirAsync(dir);
    return this.commitPut(plan);
  }

  /** Parses and de-duplicates a batch; decides which files must be written. No writes. */
  private planPut(files: readonly Uint8Array[], options: PutOptions): PutPlan {
    const plan: PutPlan = { outcomes: [], toIndex: [], toWrite: [], dirs: new Set<string>() };
    const planned = new Set<string>();
    // Identity of each study as this batch will leave it (stored row, or the batch's first instance).
    const identityOf = new Map<string, PatientIdentity>();
    for (const input of files) {
      try {
        const parsed = parseForStore(input);
        if (options.studyUid && parsed.studyUid !== options.studyUid) {
          throw new StudyMismatchError(`the instance belongs to study ${parsed.studyUid}, not to ${options.studyUid} named in the URL`, parsed.sopUid, parsed.sopClassUid);
        }
        // The bytes to store: the input, or its copy with empty UIDs filled in (uidRepair.ts).
        const bytes = parsed.bytes;
        const sha = createHash('sha256').update(bytes).digest('hex');
        const existing = this.stmt('SELECT sha256 FROM instances WHERE sop_uid = ?').get(parsed.sopUid) as { sha256: string } | undefined;
        if (existing?.sha256 === sha && existsSync(this.pathOf(sha))) {
          plan.outcomes.push({ ok: true, result: { instance: this.instance(parsed.sopUid)!, created: false } });
          continue;
        }
        if (existing !== undefined && !options.replace) {
          throw new InstanceConflictError(
            `SOP Instance UID ${parsed.sopUid} is already stored with different content; send it as an explicit replace to overwrite it`,
            parsed.sopUid,
            parsed.sopClassUid,
          );
        }
        const stored = identityOf.get(parsed.studyUid) ?? this.studyIdentity(parsed.studyUid);
        if (stored !== undefined && !options.replace) {
          const diff = identityDifference(stored, parsed.study);
          if (diff !== null) {
            throw new PatientIdentityConflictError(
              `study ${parsed.studyUid} is filed under another patient: ${diff}; refused so the study does not change patient`,
              parsed.sopUid,
              parsed.sopClassUid,
            );
          }
        }
        if (!identityOf.has(parsed.studyUid) || options.replace) identityOf.set(parsed.studyUid, parsed.study);
        const path = this.pathOf(sha);
        if (!existsSync(path) && !planned.has(path)) {
          planned.add(path);
          plan.toWrite.push({ path, bytes });
          plan.dirs.add(join(path, '..'));
        }
        plan.toIndex.push({ parsed, sha, size: bytes.length, replaces: existing?.sha256 });
        plan.outcomes.push({ ok: true, result: { instance: undefined as unknown as InstanceRow, created: true } });
      } catch (err) {
        plan.outcomes.push({ ok: false, error: err });
      }
    }
    return plan;
  }

  /** Indexes the written files in one SQLite transaction and fills in the outcomes. */
  private commitPut(plan: PutPlan): PutOutcome[] {
    const { outcomes, toIndex } = plan;
    if (toIndex.length > 0) {
      this.db.transaction(() => {
        for (const t of toIndex) this.index(t.parsed, t.sha, t.size);
      })();
      for (const t of toIndex) if (t.replaces && t.replaces !== t.sha) this.deleteFileIfUnreferenced(t.replaces);
    }
    // Fill in the rows of the newly indexed instances, in input order.
    let next = 0;
    for (const o of outcomes) {
      if (o.ok && o.result.created) o.result.instance = this.instance(toIndex[next++]!.parsed.sopUid)!;
    }
    return outcomes;
  }

  private async writeFileDurablyAsync(path: string, bytes: Uint8Array): Promise<void> {
    await mkdir(join(path, '..'), { recursive: true });
    const tmp = join(this.tmpDir, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.part`);
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  }

  /** Temp file in the store, fsync, rename into place (the folder fsync is the caller's). */
  private writeFileDurably(path: string, bytes: Uint8Array): void {
    mkdirSync(join(path, '..'), { recursive: true });
    const tmp = join(this.tmpDir, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.part`);
    const fd = openSync(tmp, 'w', 0o600);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  }

  private deleteFileIfUnreferenced(sha: string): void {
    const row = this.stmt('SELECT 1 FROM instances WHERE sha256 = ? LIMIT 1').get(sha);
    if (!row) {
      this.dropHandle(sha);
      rmSync(this.pathOf(sha), { force: true });
    }
  }

  private index(p: ParsedStoreInstance, sha: string, size: number): void {
    const tx = this.db.transaction(() => {
      const s = p.study;
      this.db
        .prepare(
          `INSERT INTO studies VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(study_uid) DO UPDATE SET
           patient_id=excluded.patient_id, patient_name=excluded.patient_name, patient_birth_date=excluded.patient_birth_date,
           patient_sex=excluded.patient_sex, study_date=excluded.study_date, study_time=excluded.study_time,
           accession_number=excluded.accession_number, study_id=excluded.study_id, study_description=excluded.study_description,
           referring_physician_name=excluded.referring_physician_name`,
        )
        .run(p.studyUid, s.patientId, s.patientName, s.patientBirthDate, s.patientSex, s.studyDate, s.studyTime, s.accessionNumber, s.studyId, s.studyDescription, s.referringPhysicianName);
      this.db
        .prepare(
          `INSERT INTO series VALUES (?,?,?,?,?) ON CONFLICT(series_uid) DO UPDATE SET
           study_uid=excluded.study_uid, modality=excluded.modality, series_number=excluded.series_number, series_description=excluded.series_description`,
        )
        .run(p.seriesUid, p.studyUid, p.series.modality, p.series.seriesNumber, p.series.seriesDescription);
      this.db
        .prepare(`INSERT OR REPLACE INTO instances VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
        .run(
          p.sopUid,
          p.studyUid,
          p.seriesUid,
          p.sopClassUid,
          p.transferSyntaxUid,
          p.instanceNumber,
          p.rows,
          p.columns,
          p.numberOfFrames,
          p.bitsAllocated,
          sha,
          size,
          JSON.stringify(p.metadata),
          new Date().toISOString(),
          p.nativeFrames?.offset ?? null,
          p.nativeFrames?.frameBytes ?? null,
          p.encapsulatedFrames ? JSON.stringify(p.encapsulatedFrames) : null,
        );
    });
    tx();
  }

  private pruneEmpty(): void {
    this.db.exec('DELETE FROM series WHERE series_uid NOT IN (SELECT DISTINCT series_uid FROM instances)');
    this.db.exec('DELETE FROM studies WHERE study_uid NOT IN (SELECT DISTINCT study_uid FROM instances)');
  }

  searchStudies(f: QidoFilter): StudyRow[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.studyUids?.length) inClause('s.study_uid', f.studyUids, where, params);
    if (f.patientId) matchClause('s.patient_id', f.patientId, where, params);
    if (f.accessionNumber) matchClause('s.accession_number', f.accessionNumber, where, params);
    if (f.studyDate?.from) {
      where.push('s.study_date >= ?');
      params.push(f.studyDate.from);
    }
    if (f.studyDate?.to) {
      where.push('s.study_date <= ?');
      params.push(f.studyDate.to);
    }
    if (f.modality) {
      where.push('EXISTS (SELECT 1 FROM series x WHERE x.study_uid = s.study_uid AND x.modality = ?)');
      params.push(f.modality);
    }
    const sql = `SELECT s.*,
        (SELECT group_concat(DISTINCT modality) FROM series x WHERE x.study_uid = s.study_uid) AS modalities,
        (SELECT count(*) FROM series x WHERE x.study_uid = s.study_uid) AS series_count,
        (SELECT count(*) FROM instances i WHERE i.study_uid = s.study_uid) AS instance_count
      FROM studies s ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY s.study_date DESC, s.study_uid LIMIT ? OFFSET ?`;
    return this.stmt(sql).all(...params, f.limit, f.offset) as StudyRow[];
  }

  searchSeries(studyUid: string | null, f: QidoFilter): SeriesRow[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (studyUid) {
      where.push('r.study_uid = ?');
      params.push(studyUid);
    }
    if (f.seriesUids?.length) inClause('r.series_uid', f.seriesUids, where, params);
    if (f.modality) matchClause('r.modality', f.modality, where, params);
    if (f.seriesNumber !== undefined) {
      where.push('r.series_number = ?');
      params.push(f.seriesNumber);
    }
    if (f.patientId) {
      where.push('EXISTS (SELECT 1 FROM studies s WHERE s.study_uid = r.study_uid AND s.patient_id = ?)');
      params.push(f.patientId);
    }
    const sql = `SELECT r.*, (SELECT count(*) FROM instances i WHERE i.series_uid = r.series_uid) AS instance_count
      FROM series r ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY r.series_number IS NULL, r.series_number, r.series_uid LIMIT ? OFFSET ?`;
    return this.stmt(sql).all(...params, f.limit, f.offset) as SeriesRow[];
  }

  searchInstances(studyUid: string | null, seriesUid: string | null, f: QidoFilter): InstanceRow[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (studyUid) {
      where.push('study_uid = ?');
      params.push(studyUid);
    }
    if (seriesUid) {
      where.push('series_uid = ?');
      params.push(seriesUid);
    }
    if (f.sopUids?.length) inClause('sop_uid', f.sopUids, where, params);
    if (f.sopClassUid) matchClause('sop_class_uid', f.sopClassUid, where, params);
    if (f.instanceNumber !== undefined) {
      where.push('instance_number = ?');
      params.push(f.instanceNumber);
    }
    const sql = `SELECT ${INSTANCE_COLUMNS} FROM instances ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY series_uid, instance_number IS NULL, instance_number, sop_uid LIMIT ? OFFSET ?`;
    return this.stmt(sql).all(...params, f.limit, f.offset) as InstanceRow[];
  }

  private studyIdentity(studyUid: string): PatientIdentity | undefined {
    const row = this.stmt('SELECT patient_id, patient_name, patient_birth_date FROM studies WHERE study_uid = ?').get(studyUid) as
      | { patient_id: string; patient_name: string; patient_birth_date: string }
      | undefined;
    return row === undefined ? undefined : { patientId: row.patient_id, patientName: row.patient_name, patientBirthDate: row.patient_birth_date };
  }

  study(studyUid: string): StudyRow | undefined {
    return this.searchStudies({ studyUids: [studyUid], limit: 1, offset: 0 })[0];
  }

  series(seriesUid: string): SeriesRow | undefined {
    return this.searchSeries(null, { seriesUids: [seriesUid], limit: 1, offset: 0 })[0];
  }

  instance(sopUid: string): InstanceRow | undefined {
    return this.stmt(`SELECT ${INSTANCE_COLUMNS} FROM instances WHERE sop_uid = ?`).get(sopUid) as InstanceRow | undefined;
  }

  /** Instances of a study / series / single instance, in series and instance-number order. */
  instancesOf(studyUid: string, seriesUid?: string, sopUid?: string): InstanceRow[] {
    return this.searchInstances(studyUid, seriesUid ?? null, { ...(sopUid ? { sopUids: [sopUid] } : {}), limit: 1_000_000, offset: 0 });
  }

  /** Stored DICOM JSON of an instance, BulkDataURIs relative to the instance URL. */
  metadata(sopUid: string): DicomJsonObject | undefined {
    const row = this.stmt('SELECT metadata_json FROM instances WHERE sop_uid = ?').get(sopUid) as { metadata_json: string } | undefined;
    return row ? (JSON.parse(row.metadata_json) as DicomJsonObject) : undefined;
  }

  /** The instance at study/series/SOP UID (one indexed lookup), as WADO-RS paths name it. */
  instanceAt(studyUid: string, seriesUid: string, sopUid: string): InstanceRow | undefined {
    return this.stmt(`SELECT ${INSTANCE_COLUMNS} FROM instances WHERE sop_uid = ? AND study_uid = ? AND series_uid = ?`).get(sopUid, studyUid, seriesUid) as InstanceRow | undefined;
  }

  /**
   * Where frames (1-based, already checked against number_of_frames) sit in the stored file:
   * per frame, [position, length, …] (one pair for native frames, one per fragment for
   * compressed ones). Null when the index has no positions for this instance (big endian,
   * deflated, or an index from before they were kept): then the file must be parsed.
   */
  frameRanges(row: InstanceRow, frameNumbers: readonly number[]): number[][] | null {
    if (row.native_frame_offset !== null && row.native_frame_bytes !== null) {
      const offset = row.native_frame_offset;
      const size = row.native_frame_bytes;
      return frameNumbers.map((n) => [offset + (n - 1) * size, size]);
    }
    if (row.frame_fragments_json === null) return null;
    const all = JSON.parse(row.frame_fragments_json) as number[][];
    const out = frameNumbers.map((n) => all[n - 1]);
    return out.every((r) => r !== undefined) ? (out as number[][]) : null;
  }

  /** Reads [position, length, …] ranges of a stored file into `into` at `at`; returns the end. */
  readRanges(row: Pick<InstanceRow, 'sha256'>, ranges: readonly number[], into: Uint8Array, at: number): number {
    const fd = this.handle(row.sha256);
    let pos = at;
    for (let i = 0; i < ranges.length; i += 2) {
      const length = ranges[i + 1]!;
      const got = readSync(fd, into, pos, length, ranges[i]!);
      if (got !== length) throw new StoreInputError('a frame is cut short in the stored file');
      pos += length;
    }
    return pos;
  }

  readFile(row: Pick<InstanceRow, 'sha256'>): Buffer {
    return readFileSync(this.pathOf(row.sha256));
  }

  filePath(row: Pick<InstanceRow, 'sha256'>): string {
    return this.pathOf(row.sha256);
  }

  counts(): { studies: number; series: number; instances: number } {
    const one = (sql: string): number => (this.stmt(sql).get() as { n: number }).n;
    return { studies: one('SELECT count(*) AS n FROM studies'), series: one('SELECT count(*) AS n FROM series'), instances: one('SELECT count(*) AS n FROM instances') };
  }
}

export function isStoreInputError(err: unknown): err is StoreInputError {
  return err instanceof StoreInputError;
}
