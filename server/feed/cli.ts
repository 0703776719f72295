// `npm run feed -- --patient ID --csv FILE [--url URL] [--user U --password P | --token T]
//                  [--rate N] [--start ISO] [--json]`
// Replays a CSV of bedside vitals (columns: see csv.ts) as FHIR Observations over HTTP, the way a
// device gateway would. Idempotent: each reading has a stable identifier and is posted as a
// conditional create, so running the same file twice creates nothing the second time.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CsvError, parseVitalsCsv } from './csv';
import { vitalsToObservations } from './observations';
import { FeedWriteError, writeObservations, type PostFhir, type WriteSummary } from './writer';

const USAGE = `usage: npm run feed -- --patient ID --csv FILE [--url http://127.0.0.1:8080]
                     [--user U --password P | --token T] [--rate ROWS_PER_SEC] [--start ISO] [--json]
  CSV header: t_offset_sec or time_iso, then any of hr_bpm, sbp_mmhg, dbp_mmhg, spo2_pct, rr_per_min, temp_c
  --rate     rows posted per second (default 10; 0 = as fast as the server answers)
  --start    instant that t_offset_sec counts from (default: now)
  --user/--password default to the demo clinician (TWIN_FEED_USER / TWIN_FEED_PASSWORD override)`;

export interface FeedCliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  now: () => number;
  fetchImpl: typeof fetch;
  sleep: (ms: number) => Promise<void>;
}

const defaultIo: FeedCliIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  now: Date.now,
  fetchImpl: fetch,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

interface Args {
  patient: string;
  csv: string;
  url: string;
  user?: string;
  password?: string;
  token?: string;
  rate: number;
  start?: string;
  json: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Args {
  const values = new Map<string, string>();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--json') {
      json = true;
      continue;
    }
    if (a === '--help' || a === '-h') throw new UsageError('');
    if (!['--patient', '--csv', '--url', '--user', '--password', '--token', '--rate', '--start'].includes(a)) throw new UsageError(`unknown option ${a}`);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
    values.set(a.slice(2), v);
    i++;
  }
  const patient = values.get('patient');
  const csv = values.get('csv');
  if (!patient) throw new UsageError('--patient is required');
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(patient)) throw new UsageError('--patient must be a FHIR id (1–64 of A-Z a-z 0-9 - .)');
  if (!csv) throw new UsageError('--csv is required');
  const rateRaw = values.get('rate') ?? '10';
  const rate = Number(rateRaw);
  if (!/^\d+(\.\d+)?$/.test(rateRaw) || !Number.isFinite(rate)) throw new UsageError(`--rate must be a number of rows per second, got "${rateRaw}"`);
  const url = (values.get('url') ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new UsageError(`--url must be an http(s) URL of the Twinscope server, got "${url}"`);
  }
  const start = values.get('start');
  if (start !== undefined && Number.isNaN(Date.parse(start))) throw new UsageError(`--start must be an ISO 8601 instant, got "${start}"`);
  const out: Args = { patient, csv, url, rate, json };
  const user = values.get('user');
  const password = values.get('password');
  const token = values.get('token');
  if (user !== undefined) out.user = user;
  if (password !== undefined) out.password = password;
  if (token !== undefined) out.token = token;
  if (start !== undefined) out.start = start;
  return out;
}

async function signIn(args: Args, io: FeedCliIo): Promise<string> {
  if (args.token) return args.token;
  const username = args.user ?? io.env.TWIN_FEED_USER ?? 'clinician';
  const password = args.password ?? io.env.TWIN_FEED_PASSWORD ?? io.env.TWIN_DEMO_PASSWORD ?? 'twinscope-demo';
  let res: Response;
  try {
    res = await io.fetchImpl(`${args.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new FeedWriteError(0, `could not reach ${args.url} (${err instanceof Error ? err.message : String(err)}); is the server running?`);
  }
  if (res.status !== 200) throw new FeedWriteError(res.status, `sign-in as "${username}" failed with HTTP ${res.status}; check --user/--password`);
  const body = (await res.json()) as { token?: unknown };
  if (typeof body.token !== 'string') throw new FeedWriteError(res.status, 'the server answered the sign-in without a token');
  return body.token;
}

export async function runFeedCli(argv: string[], io: FeedCliIo = defaultIo): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      if (err.message) io.stderr(`feed: ${err.message}\n`);
      io.stderr(`${USAGE}\n`);
      return err.message ? 2 : 0;
    }
    throw err;
  }
  let text: string;
  try {
    text = readFileSync(args.csv, 'utf8');
  } catch (err) {
    io.stderr(`feed: cannot read ${args.csv} (${(err as NodeJS.ErrnoException).code ?? String(err)})\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseVitalsCsv(text);
  } catch (err) {
    if (err instanceof CsvError) {
      io.stderr(`feed: ${args.csv}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  // Readings of an offset-timed file are keyed by the file's content, not by --start, so a replay
  // of the same recording is recognised whenever it is run.
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const startMs = args.start ? Date.parse(args.start) : io.now();

  try {
    const token = await signIn(args, io);
    const post: PostFhir = async (path, body, headers) => {
      const res = await io.fetchImpl(`${args.url}${path}`, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${token}` },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      return { status: res.status, body: await res.text() };
    };
    const total: WriteSummary = { created: 0, alreadyPresent: 0 };
    const minGapMs = args.rate > 0 ? 1000 / args.rate : 0;
    let nextAt = io.now();
    for (const row of parsed.rows) {
      const effectiveIso = row.timeIso ?? new Date(startMs + (row.offsetSec ?? 0) * 1000).toISOString();
      const key = row.timeIso ? `csv:${args.patient}:${row.timeIso}` : `csv:${args.patient}:${digest}:${row.offsetSec ?? 0}`;
      const observations = vitalsToObservations(args.patient, { effectiveIso, ...row.vitals }, key, 'Bedside gateway (CSV replay)');
      const wait = nextAt - io.now();
      if (wait > 0) await io.sleep(wait);
      nextAt = Math.max(nextAt, io.now()) + minGapMs;
      const s = await writeObservations(post, observations, { sleep: io.sleep });
      total.created += s.created;
      total.alreadyPresent += s.alreadyPresent;
    }
    const result = { rows: parsed.rows.length, observations: total.created + total.alreadyPresent, ...total };
    if (args.json) io.stdout(`${JSON.stringify(result)}\n`);
    else io.stdout(`feed: ${result.rows} rows → ${result.observations} observations: ${result.created} created, ${result.alreadyPresent} already present\n`);
    return 0;
  } catch (err) {
    if (err instanceof FeedWriteError) {
      io.stderr(`feed: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

// Run as a script (npm run feed): `node --import tsx server/feed/cli.ts …`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runFeedCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`feed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
