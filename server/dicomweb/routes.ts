// /dicomweb: QIDO-RS, WADO-RS (instances, frames, metadata, bulk data) and STOW-RS, served from
// the embedded store, or proxied to a PACS when DICOMWEB_UPSTREAM_URL is set (proxy.ts).
// Sign-in, roles (clinical only; admin 403) and the one audit record per request are the app's
// global hooks (app.ts); handlers here add the study/series/instance entities to the audit.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { decideProtected, ruleOf } from '../auth/route-policy';
import { sendOutcome } from '../http/operation-outcome';
import { matchedRouteOf, pathOf } from '../http/paths';
import type { DicomJsonObject } from './dicomJson';
import { readBulk, readFrames } from './instance';
import { buildMultipart, closeDelimiter, mediaTypeParams, multipartContentType, newBoundary, partHeader, partSeparator, MultipartError } from './multipart';
import { registerDicomwebProxy, type ProxyOptions } from './proxy';
import { addIncludeFields, instanceJson, parseQido, QidoQueryError, seriesJson, studyJson } from './qido';
import { InstanceConflictError, PatientIdentityConflictError, StoreInputError, StudyMismatchError, type DicomStore, type InstanceRow, type PutOutcome } from './store';
import { readPart, scanMultipartFile, spoolToFile, StowTooLargeError, type SpooledBody } from './stowSpool';

declare module 'fastify' {
  interface FastifyRequest {
    auditEntities?: string[];
    auditDetail?: string;
  }
}

export type DicomwebMode = { kind: 'embedded'; store: DicomStore } | ({ kind: 'upstream'; url: string } & ProxyOptions);

export interface DicomwebDeps {
  mode: DicomwebMode;
  /** Largest STOW-RS request body, bytes (default 1 GiB). */
  stowMaxBytes?: number;
  /** Resolves before embedded requests are served (e.g. the demo imaging being seeded). */
  ready?: () => Promise<void>;
}

const DICOM_JSON = 'application/dicom+json; charset=utf-8';
const UID = /^[0-9]+(\.[0-9]+)*$/;
const DEFAULT_STOW_MAX_BYTES = 1024 * 1024 * 1024;

// STOW-RS failure reasons (PS3.4 Annex GG / PS3.18 Table 10.5.3-1).
const FAILURE_PROCESSING = 0x0110;
const FAILURE_CANNOT_UNDERSTAND = 0xc000;
const FAILURE_STUDY_MISMATCH = 0xa900;
/** PS3.7 C.4: Duplicate SOP Instance (a different object under a stored SOP Instance UID). */
const FAILURE_DUPLICATE_SOP = 0x0111;

/** Parts stored per store batch (one index transaction): bounds the memory a STOW holds. */
const STOW_BATCH_BYTES = 64 * 1024 * 1024;

/** What the STOW body parser hands the handler: the spooled body, or why there is none. */
type StowBody = { kind: 'spooled'; body: SpooledBody } | { kind: 'too-large'; limitBytes: number } | { kind: 'not-multipart' };

interface Params {
  study?: string;
  series?: string;
  instance?: string;
  frames?: string;
  tag?: string;
}

function base(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}/dicomweb`;
}

/** Validates the UIDs in the path; 400 names the bad segment. */
function checkUids(p: Params, reply: FastifyReply): boolean {
  for (const [name, v] of [
    ['study', p.study],
    ['series', p.series],
    ['instance', p.instance],
  ] as const) {
    if (v !== undefined && (!UID.test(v) || v.length > 64)) {
      sendOutcome(reply, 400, 'value', `the ${name} UID in the path is not a DICOM UID`);
      return false;
    }
  }
  return true;
}

function auditEntities(req: FastifyRequest, p: Params): void {
  const e: string[] = [];
  if (p.study) e.push(`Study/${p.study}`);
  if (p.series) e.push(`Series/${p.series}`);
  if (p.instance) e.push(`Instance/${p.instance}`);
  if (e.length) req.auditEntities = [...(req.auditEntities ?? []), ...e];
}

interface AcceptEntry {
  mediaType: string;
  type: string | undefined;
  transferSyntax: string | undefined;
}

function acceptEntries(req: FastifyRequest): AcceptEntry[] {
  const header = req.headers.accept;
  if (!header) return [];
  // Split on commas that are outside quotes.
  const items = header.match(/(?:[^,"]|"[^"]*")+/g) ?? [];
  return items.map((item) => {
    const { mediaType, params } = mediaTypeParams(item);
    return { mediaType, type: params.type?.toLowerCase(), transferSyntax: params['transfer-syntax'] };
  });
}

/** Whether the client takes application/dicom as stored (we do not transcode). */
function acceptsDicom(req: FastifyRequest, storedTs: readonly string[]): { ok: true } | { ok: false; message: string } {
  const entries = acceptEntries(req);
  if (entries.length === 0) return { ok: true };
  for (const e of entries) {
    if (e.mediaType === '*/*' || e.mediaType === 'multipart/*') return { ok: true };
    const isDicom = (e.mediaType === 'multipart/related' && (e.type === undefined || e.type === 'application/dicom')) || e.mediaType === 'application/dicom';
    if (!isDicom) continue;
    if (!e.transferSyntax || e.transferSyntax === '*' || storedTs.every((t) => t === e.transferSyntax)) return { ok: true };
  }
  return { ok: false, message: `the instances are stored as ${[...new Set(storedTs)].join(', ')}; this server does not transcode: ask with transfer-syntax=*` };
}

const NATIVE_FRAME_TS = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1']);
const IMAGE_TYPE_OF_TS: Record<string, string> = {
  '1.2.840.10008.1.2.4.50': 'image/jpeg',
  '1.2.840.10008.1.2.4.51': 'image/jpeg',
  '1.2.840.10008.1.2.4.57': 'image/jpeg',
  '1.2.840.10008.1.2.4.70': 'image/jpeg',
  '1.2.840.10008.1.2.4.80': 'image/jls',
  '1.2.840.10008.1.2.4.81': 'image/jls',
  '1.2.840.10008.1.2.4.90': 'image/jp2',
  '1.2.840.10008.1.2.4.91': 'image/jp2',
  '1.2.840.10008.1.2.5': 'image/x-dicom-rle',
};

/**
 * Part media type for frames in transfer syntax `ts`, or null if the Accept header excludes it.
 * Cornerstone's wadors loader asks `multipart/related; type=application/octet-stream; transfer-syntax=*`
 * and reads the transfer syntax from the part's Content-Type parameter.
 */
function frameMediaType(req: FastifyRequest, ts: string): string | null {
  const native = NATIVE_FRAME_TS.has(ts);
  const octet = `application/octet-stream; transfer-syntax=${ts}`;
  const entries = acceptEntries(req);
  if (entries.length === 0) return octet;
  for (const e of entries) {
    if (e.mediaType === '*/*' || e.mediaType === 'multipart/*') return octet;
    const inner = e.mediaType === 'multipart/related' ? (e.type ?? 'application/octet-stream') : e.mediaType;
    if (inner === 'application/octet-stream') {
      if (e.transferSyntax === '*' || e.transferSyntax === ts || (native && (e.transferSyntax === undefined || NATIVE_FRAME_TS.has(e.transferSyntax)))) return octet;
    } else if (inner.startsWith('image/') && IMAGE_TYPE_OF_TS[ts] === inner) {
      if (!e.transferSyntax || e.transferSyntax === '*' || e.transferSyntax === ts) return `${inner}; transfer-syntax=${ts}`;
    }
  }
  return null;
}

function notTranscoded(reply: FastifyReply, ts: string): FastifyReply {
  return sendOutcome(reply, 406, 'not-supported', `frames are stored as ${ts}; this server does not transcode: ask with transfer-syntax=*`);
}

/** Streams Part 10 files as multipart/related; type="application/dicom", one file in memory at a time. */
function streamInstances(store: DicomStore, rows: InstanceRow[]): { body: Readable; contentType: string } {
  const boundary = newBoundary();
  async function* generate(): AsyncGenerator<Buffer> {
    for (let i = 0; i < rows.length; i++) {
      if (i > 0) yield partSeparator();
      yield partHeader(boundary, 'application/dicom', { 'Content-Location': `instances/${rows[i]!.sop_uid}` });
      yield store.readFile(rows[i]!);
    }
    yield closeDelimiter(boundary);
  }
  return { body: Readable.from(generate()), contentType: multipartContentType(boundary, 'application/dicom') };
}

function resolveBulk(meta: DicomJsonObject, instanceUrl: string): DicomJsonObject {
  for (const el of Object.values(meta)) {
    if (el.BulkDataURI && !/^[a-z]+:\/\//.test(el.BulkDataURI)) el.BulkDataURI = `${instanceUrl}/${el.BulkDataURI}`;
  }
  return meta;
}

function registerEmbedded(app: FastifyInstance, store: DicomStore, deps: DicomwebDeps): void {
  const stowMax = deps.stowMaxBytes ?? DEFAULT_STOW_MAX_BYTES;

  if (deps.ready) {
    const ready = deps.ready;
    app.addHook('preHandler', async () => {
      await ready();
    });
  }

  const qido = (level: 'studies' | 'series' | 'instances') => async (req: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const p = req.params;
    if (!checkUids(p, reply)) return reply;
    auditEntities(req, p);
    let parsed;
    try {
      parsed = parseQido(req.query as Record<string, string | string[]>);
    } catch (err) {
      if (err instanceof QidoQueryError) return sendOutcome(reply, 400, 'value', err.message);
      throw err;
    }
    const { filter, includeFields, ignored } = parsed;
    const b = base(req);
    const wantsExtra = includeFields === 'all' || includeFields.length > 0;
    let body: DicomJsonObject[];
    if (level === 'studies') {
      body = store.searchStudies(filter).map((r) => {
        const j = studyJson(r, b);
        if (wantsExtra) addIncludeFields(j, firstMetadata(store, r.study_uid), includeFields);
        return j;
      });
    } else if (level === 'series') {
      if (p.study && !store.study(p.study)) return sendOutcome(reply, 404, 'not-found', 'no such study');
      body = store.searchSeries(p.study ?? null, filter).map((r) => {
        const j = seriesJson(r, b);
        if (wantsExtra) addIncludeFields(j, firstMetadata(store, r.study_uid, r.series_uid), includeFields);
        return j;
      });
    } else {
      if (p.study && !store.study(p.study)) return sendOutcome(reply, 404, 'not-found', 'no such study');
      body = store.searchInstances(p.study ?? null, p.series ?? null, filter).map((r) => {
        const j = instanceJson(r, b);
        if (wantsExtra) addIncludeFields(j, store.metadata(r.sop_uid), includeFields);
        return j;
      });
    }
    if (ignored.length) reply.header('warning', `299 twinscope "matching on ${ignored.join(', ')} is not supported; those keys were ignored"`);
    return reply.type(DICOM_JSON).send(body);
  };

  app.get('/dicomweb/studies', qido('studies'));
  app.get('/dicomweb/series', qido('series'));
  app.get('/dicomweb/instances', qido('instances'));
  app.get('/dicomweb/studies/:study/series', qido('series'));
  app.get('/dicomweb/studies/:study/instances', qido('instances'));
  app.get('/dicomweb/studies/:study/series/:series/instances', qido('instances'));

  const rowsOf = (p: Params): InstanceRow[] => (p.study ? store.instancesOf(p.study, p.series, p.instance) : []);

  const retrieve = async (req: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const p = req.params;
    if (!checkUids(p, reply)) return reply;
    auditEntities(req, p);
    const rows = rowsOf(p);
    if (rows.length === 0) return sendOutcome(reply, 404, 'not-found', `no such ${p.instance ? 'instance' : p.series ? 'series' : 'study'}`);
    const accept = acceptsDicom(
      req,
      rows.map((r) => r.transfer_syntax_uid),
    );
    if (!accept.ok) return sendOutcome(reply, 406, 'not-supported', accept.message);
    const { body, contentType } = streamInstances(store, rows);
    return reply.header('content-type', contentType).send(body);
  };
  // Pixel payloads are not worth gzip: CT noise barely compresses and it costs CPU per frame.
  const binary = { compress: false } as const;
  app.get('/dicomweb/studies/:study', binary, retrieve);
  app.get('/dicomweb/studies/:study/series/:series', binary, retrieve);
  app.get('/dicomweb/studies/:study/series/:series/instances/:instance', binary, retrieve);

  const metadata = async (req: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const p = req.params;
    if (!checkUids(p, reply)) return reply;
    auditEntities(req, p);
    const rows = rowsOf(p);
    if (rows.length === 0) return sendOutcome(reply, 404, 'not-found', `no such ${p.instance ? 'instance' : p.series ? 'series' : 'study'}`);
    const b = base(req);
    const body = rows.map((r) => resolveBulk(store.metadata(r.sop_uid) ?? {}, `${b}/studies/${r.study_uid}/series/${r.series_uid}/instances/${r.sop_uid}`));
    return reply.type(DICOM_JSON).send(body);
  };
  app.get('/dicomweb/studies/:study/metadata', metadata);
  app.get('/dicomweb/studies/:study/series/:series/metadata', metadata);
  app.get('/dicomweb/studies/:study/series/:series/instances/:instance/metadata', metadata);

  app.get('/dicomweb/studies/:study/series/:series/instances/:instance/frames/:frames', binary, async (req: FastifyRequest<{ Params: Params }>, reply) => {
    const p = req.params;
    if (!checkUids(p, reply)) return reply;
    auditEntities(req, p);
    const list = (p.frames ?? '').split(',').map((s) => s.trim());
    if (list.length === 0 || list.length > 10000 || list.some((s) => !/^\d{1,6}$/.test(s) || Number(s) < 1)) {
      return sendOutcome(reply, 400, 'value', 'frame numbers must be a comma-separated list of whole numbers from 1');
    }
    const row = store.instanceAt(p.study!, p.series!, p.instance!);
    if (!row) return sendOutcome(reply, 404, 'not-found', 'no such instance');
    const numbers = list.map(Number);
    const tooHigh = numbers.find((n) => n > (row.number_of_frames ?? 1));
    if (tooHigh !== undefined) return sendOutcome(reply, 404, 'not-found', `frame ${tooHigh} does not exist (the instance has ${row.number_of_frames ?? 1})`);
    const boundary = newBoundary();
    // Fast path: the index knows where the frames are (native little endian, or compressed
    // fragments), so they are read straight from the file into the response buffer, framing
    // included: no parse of the Part 10 file, no intermediate copies.
    const ranges = store.frameRanges(row, numbers);
    if (ranges) {
      const ts = row.transfer_syntax_uid;
      const partType = frameMediaType(req, ts);
      if (!partType) return notTranscoded(reply, ts);
      const header = partHeader(boundary, partType);
      const separator = partSeparator();
      const close = closeDelimiter(boundary);
      let total = close.length + (ranges.length - 1) * separator.length + ranges.length * header.length;
      for (const r of ranges) for (let k = 1; k < r.length; k += 2) total += r[k]!;
      const out = Buffer.allocUnsafe(total);
      let pos = 0;
      try {
        ranges.forEach((r, i) => {
          if (i > 0) pos += separator.copy(out, pos);
          pos += header.copy(out, pos);
          pos = store.readRanges(row, r, out, pos);
        });
      } catch (err) {
        if (err instanceof StoreInputError) return sendOutcome(reply, 404, 'not-found', err.message);
        throw err;
      }
      close.copy(out, pos);
      return reply.header('content-type', multipartContentType(boundary, partType.split(';')[0]!, `; transfer-syntax=${ts}`)).send(out);
    }
    let frames;
    try {
      frames = readFrames(store.readFile(row), numbers);
    } catch (err) {
      if (err instanceof StoreInputError) return sendOutcome(reply, 404, 'not-found', err.message);
      throw err;
    }
    const ts = frames[0]!.transferSyntaxUid;
    const partType = frameMediaType(req, ts);
    if (!partType) return notTranscoded(reply, ts);
    const outerType = partType.split(';')[0]!;
    return reply
      .header('content-type', multipartContentType(boundary, outerType, `; transfer-syntax=${ts}`))
      .send(buildMultipart(boundary, frames.map((f) => ({ contentType: partType, body: f.bytes }))));
  });

  // Series pixel data (PS3.18 §10.4, the Pixel Data resources of WADO-RS): every frame of every
  // instance of the series in one multipart/related answer, one part per frame in its stored
  // transfer syntax, each part naming its instance and frame in Content-Location and its size in
  // Content-Length. One request, one audit record for the whole series, instead of one per frame;
  // streamed (one frame in memory at a time), in series / instance-number order.
  app.get('/dicomweb/studies/:study/series/:series/pixeldata', binary, async (req: FastifyRequest<{ Params: Params }>, reply) => {
    const p = req.params;
    if (!checkUids(p, reply)) return reply;
    auditEntities(req, p);
    const rows = rowsOf(p).filter((r) => (r.number_of_frames ?? 0) > 0);
    if (rows.length === 0) return sendOutcome(reply, 404, 'not-found', 'no such series, or it holds no images');
    const partTypes = new Map<string, string>();
    for (const ts of new Set(rows.map((r) => r.transfer_syntax_uid))) {
      const t = frameMediaType(req, ts);
      if (!t) return notTranscoded(reply, ts);
      partTypes.set(ts, t);
    }
    const b = base(req);
    const boundary = newBoundary();
    async function* generate(): AsyncGenerator<Buffer> {
      let first = true;
      for (const row of rows) {
        const n = row.number_of_frames ?? 1;
        const numbers = Array.from({ length: n }, (_, i) => i + 1);
        const ranges = store.frameRanges(row, numbers);
        const bodies: Uint8Array[] = [];
        if (ranges) {
          for (const r of ranges) {
            let size = 0;
            for (let k = 1; k < r.length; k += 2) size += r[k]!;
            const out = Buffer.allocUnsafe(size);
            store.readRanges(row, r, out, 0);
            bodies.push(out);
          }
        } else {
          for (const f of readFrames(store.readFile(row), numbers)) bodies.push(f.bytes);
        }
        const location = `${b}/studies/${row.study_uid}/series/${row.series_uid}/instances/${row.sop_uid}/frames/`;
        for (let i = 0; i < bodies.length; i++) {
          if (!first) yield partSeparator();
          first = false;
          const body = bodies[i]!;
          yield partHeader(boundary, partTypes.get(row.transfer_syntax_uid)!, { 'Content-Location': `${location}${i + 1}`, 'Content-Length': String(body.byteLength) });
          yield Buffer.from(body.buffer, body.byteOffset, body.byteLength);
        }
      }
      yield closeDelimiter(boundary);
    }
    const types = [...new Set(partTypes.values())];
    const outer = types.length === 1 ? types[0]!.split(';')[0]! : 'application/octet-stream';
    return reply.header('content-type', multipartContentType(boundary, outer)).send(Readable.from(generate()));
  });

  app.get('/dicomweb/studies/:study/series/:series/instances/:instance/bulk/:tag', binary, async (req: FastifyRequest<{ Params: Params }>, reply) => {
    const p = req.params;
    if (!checkUids(p, reply)) return reply;
    auditEntities(req, p);
    if (!/^[0-9A-Fa-f]{8}$/.test(p.tag ?? '')) return sendOutcome(reply, 400, 'value', 'the bulk data tag must be 8 hex digits');
    const row = rowsOf(p)[0];
    if (!row) return sendOutcome(reply, 404, 'not-found', 'no such instance');
    const file = store.readFile(row);
    const boundary = newBoundary();
    if (p.tag!.toUpperCase() === '7FE00010' && (row.number_of_frames ?? 0) > 0 && !NATIVE_FRAME_TS.has(row.transfer_syntax_uid)) {
      // Encapsulated pixel data: the frames, one part each, in their stored syntax.
      const n = row.number_of_frames ?? 1;
      const frames = readFrames(file, Array.from({ length: n }, (_, i) => i + 1));
      const type = `application/octet-stream; transfer-syntax=${frames[0]!.transferSyntaxUid}`;
      return reply.header('content-type', multipartContentType(boundary, 'application/octet-stream')).send(buildMultipart(boundary, frames.map((f) => ({ contentType: type, body: f.bytes }))));
    }
    const bytes = readBulk(file, p.tag!);
    if (!bytes) return sendOutcome(reply, 404, 'not-found', `the instance has no bulk data element ${p.tag}`);
    return reply
      .header('content-type', multipartContentType(boundary, 'application/octet-stream'))
      .send(buildMultipart(boundary, [{ contentType: 'application/octet-stream', body: bytes }]));
  });

  // STOW-RS: the body is spooled to a temp file under stowMax (stowSpool.ts), split there, and
  // its parts stored in batches of at most STOW_BATCH_BYTES, each part on its own outcome.
  const stow = async (req: FastifyRequest<{ Params: Params; Querystring: { replace?: string } }>, reply: FastifyReply) => {
    const input = req.body as StowBody | undefined;
    try {
      return await stowSpooled(req, reply, input);
    } finally {
      if (input?.kind === 'spooled') input.body.dispose();
    }
  };

  const stowSpooled = async (req: FastifyRequest<{ Params: Params; Querystring: { replace?: string } }>, reply: FastifyReply, input: StowBody | undefined) => {
    const p = req.params;
    if (!checkUids(p, reply)) return reply;
    if (input?.kind === 'too-large') {
      req.auditDetail = 'STOW body too large';
      reply.header('connection', 'close');
      return sendOutcome(reply, 413, 'too-costly', `the STOW-RS body is larger than this PACS accepts (${input.limitBytes} bytes); send fewer instances per request`);
    }
    const { mediaType, params } = mediaTypeParams(String(req.headers['content-type'] ?? ''));
    if (input?.kind !== 'spooled' || mediaType !== 'multipart/related' || (params.type && params.type.toLowerCase() !== 'application/dicom')) {
      return sendOutcome(reply, 415, 'not-supported', 'STOW-RS takes multipart/related; type="application/dicom" with one DICOM Part 10 file per part');
    }
    // An explicit replace overwrites a stored instance or re-files a study's patient; audited as such.
    const replace = req.query.replace === 'true';
    const spooled = input.body;
    let parts;
    try {
      parts = scanMultipartFile(spooled.path, spooled.sizeBytes, params.boundary ?? '');
    } catch (err) {
      if (err instanceof MultipartError) return sendOutcome(reply, 400, 'structure', `malformed multipart body: ${err.message}`);
      throw err;
    }
    const b = base(req);
    const referenced: DicomJsonObject[] = [];
    const failed: DicomJsonObject[] = [];
    const studies = new Set<string>();
    const labels: string[] = [];
    const failAt = new Map<number, DicomJsonObject>();
    // ReferencedSOPClass/InstanceUID of a refused part are filled in when they could be read.
    const failure = (label: string, reason: number, comment: string, err?: StoreInputError): DicomJsonObject => ({
      '00081150': err?.sopClassUid ? { vr: 'UI', Value: [err.sopClassUid] } : { vr: 'UI' },
      '00081155': err?.sopInstanceUid ? { vr: 'UI', Value: [err.sopInstanceUid] } : { vr: 'UI' },
      '00081197': { vr: 'US', Value: [reason] },
      // ErrorComment: which part and why, so a client can tell the user (LO: 64 characters).
      '00000902': { vr: 'LO', Value: [`${label}: ${comment}`.slice(0, 64)] },
    });
    let replaced = 0;
    const record = (i: number, o: PutOutcome): void => {
      if (o.ok) {
        const instance = o.result.instance;
        if (replace && o.result.created) replaced++;
        studies.add(instance.study_uid);
        referenced.push({
          '00081150': { vr: 'UI', Value: [instance.sop_class_uid] },
          '00081155': { vr: 'UI', Value: [instance.sop_uid] },
          '00081190': { vr: 'UR', Value: [`${b}/studies/${instance.study_uid}/series/${instance.series_uid}/instances/${instance.sop_uid}`] },
        });
      } else if (o.error instanceof StudyMismatchError) failAt.set(i, failure(labels[i]!, FAILURE_STUDY_MISMATCH, 'belongs to another study than the URL names', o.error));
      else if (o.error instanceof InstanceConflictError) failAt.set(i, failure(labels[i]!, FAILURE_DUPLICATE_SOP, 'SOP UID stored with other content (replace=true)', o.error));
      else if (o.error instanceof PatientIdentityConflictError) failAt.set(i, failure(labels[i]!, FAILURE_CANNOT_UNDERSTAND, 'study is filed under another patient', o.error));
      else if (o.error instanceof StoreInputError) failAt.set(i, failure(labels[i]!, FAILURE_CANNOT_UNDERSTAND, o.error.message, o.error));
      else failAt.set(i, failure(labels[i]!, FAILURE_PROCESSING, 'could not be stored'));
    };
    let batch: { index: number; bytes: Uint8Array }[] = [];
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const outcomes = await store.putManyAsync(
        batch.map((d) => d.bytes),
        { ...(p.study ? { studyUid: p.study } : {}), replace },
      );
      outcomes.forEach((o, n) => record(batch[n]!.index, o));
      batch = [];
      batchBytes = 0;
    };
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const name = part.headers['content-location'] ?? /filename="?([^";]+)"?/.exec(part.headers['content-disposition'] ?? '')?.[1];
      labels.push(`part ${i + 1}${name ? ` (${name.slice(0, 80)})` : ''}`);
      const partType = mediaTypeParams(part.headers['content-type'] ?? 'application/dicom').mediaType;
      if (partType !== 'application/dicom') {
        failAt.set(i, failure(labels[i]!, FAILURE_CANNOT_UNDERSTAND, `Content-Type ${partType} is not application/dicom`));
        continue;
      }
      if (batchBytes + part.lengthBytes > STOW_BATCH_BYTES) await flush();
      batch.push({ index: i, bytes: readPart(spooled.path, part) });
      batchBytes += part.lengthBytes;
    }
    await flush();
    failed.push(...[...failAt.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f));
    req.auditEntities = [...[...studies].map((s) => `Study/${s}`)];
    const details = [
      ...(failed.length ? [`${failed.length} of ${parts.length} parts refused`] : []),
      ...(replaced ? [`explicit replace of ${replaced} instance(s)`] : []),
    ];
    if (details.length) req.auditDetail = details.join('; ');
    const body: DicomJsonObject = {
      ...(studies.size === 1 ? { '00081190': { vr: 'UR', Value: [`${b}/studies/${[...studies][0]}`] } } : {}),
      ...(referenced.length ? { '00081199': { vr: 'SQ', Value: referenced } } : {}),
      ...(failed.length ? { '00081198': { vr: 'SQ', Value: failed } } : {}),
    };
    // 200 all stored, 202 some refused, 409 none stored (PS3.18 Table 10.5.3-2).
    const status = failed.length === 0 ? 200 : referenced.length === 0 ? 409 : 202;
    return reply.code(status).type(DICOM_JSON).send(body);
  };

  /** Content-type parser for STOW: spools the stream to disk under the cap (no whole-body buffer). */
  const spoolStow = (req: FastifyRequest, payload: NodeJS.ReadableStream, done: (err: Error | null, body?: StowBody) => void): void => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > stowMax) {
      // Refused on the declared length alone; the body is never read.
      done(null, { kind: 'too-large', limitBytes: stowMax });
      return;
    }
    spoolToFile(payload as Readable, store.tmpDir, stowMax).then(
      (body) => done(null, { kind: 'spooled', body }),
      (err: unknown) => {
        if (err instanceof StowTooLargeError) done(null, { kind: 'too-large', limitBytes: stowMax });
        else done(err instanceof Error ? err : new Error(String(err)));
      },
    );
  };

  app.register(async (scope) => {
    // Own parsers in this scope only: STOW bodies are raw bytes, everything else is refused by name.
    scope.addContentTypeParser('multipart/related', spoolStow);
    // Any other type is answered 415 by name; its body is not read.
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null, { kind: 'not-multipart' } satisfies StowBody));
    // The role is decided before the body is read (issue 14): the access hooks decide it in
    // preHandler, after the content-type parser above has spooled the upload; this applies the
    // same rule (the one route × role table) at onRequest, so a role that may not store
    // instances is refused before a byte of its upload is read. Sign-in ran before (401).
    // (A callback hook: no extra turn of the event loop between the request and its spool.)
    scope.addHook('onRequest', (req, reply, done) => {
      const rule = ruleOf(matchedRouteOf(req), pathOf(req), req.method);
      const role = req.twinAuth?.user.role ?? null;
      const decision = rule.kind === 'protected' && role !== null ? decideProtected(role, rule.row, { method: req.method, pathname: pathOf(req) }) : { allow: true as const };
      if (decision.allow) return done();
      req.auditDetail = decision.reason;
      void sendOutcome(reply, decision.status, 'forbidden', decision.reason);
    });
    scope.post('/dicomweb/studies', stow);
    // A study-level STOW only takes instances of that study (checked before storing).
    scope.post('/dicomweb/studies/:study', stow);
  });
}

function firstMetadata(store: DicomStore, studyUid: string, seriesUid?: string): DicomJsonObject | undefined {
  const row = store.searchInstances(studyUid, seriesUid ?? null, { limit: 1, offset: 0 })[0];
  return row ? store.metadata(row.sop_uid) : undefined;
}

/** Registers /dicomweb on `app`: the embedded store or the upstream proxy. */
export async function registerDicomweb(app: FastifyInstance, deps: DicomwebDeps): Promise<void> {
  if (deps.mode.kind === 'upstream') {
    await registerDicomwebProxy(app, deps.mode);
    return;
  }
  const store = deps.mode.store;
  await app.register(async (scope) => registerEmbedded(scope, store, deps));
}
