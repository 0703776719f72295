// CPU time of the bench server by stage (issue 14): the server runs with `--cpu-prof`
// (BENCH_CPU_PROFILE=1), and each sample of the V8 profile is assigned to the first stage
// (in the priority order below) one of whose frames is on the sampled stack — so an audit
// record's JSON.stringify and SQLite insert count as audit, a search's SQL as SQL. Together
// with the server's total CPU time (/proc/PID/stat utime+stime) over a load phase this gives
// CPU milliseconds per request by stage: under a loaded machine wall-clock throughput means
// little, CPU time per request does.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Stages in priority order: a sample belongs to the first whose predicate holds for a frame of its stack. */
export const STAGES: readonly { stage: string; frame: (f: CallFrame) => boolean }[] = [
  // The profiler's own work (collecting the profile at stop) is not the server's.
  { stage: 'profiler', frame: (f) => f.url === 'node:inspector' },
  { stage: 'gc', frame: (f) => f.functionName === '(garbage collector)' },
  { stage: 'idle', frame: (f) => f.functionName === '(idle)' || f.functionName === '(program)' },
  { stage: 'audit', frame: (f) => f.url.includes('/server/audit/') },
  { stage: 'auth+route-policy', frame: (f) => f.url.includes('/server/auth/') },
  { stage: 'consent', frame: (f) => f.url.includes('/server/consent/') },
  { stage: 'json', frame: (f) => f.url === '' && (f.functionName === 'parse' || f.functionName === 'stringify') },
  { stage: 'sql', frame: (f) => f.url.includes('better-sqlite3') || f.url.includes('/server/fhir/search/') || f.url.includes('/server/fhir/durable-repository') },
  { stage: 'medplum-router', frame: (f) => f.url.includes('@medplum/') },
  { stage: 'fhir-pipeline', frame: (f) => f.url.includes('/server/fhir/') || f.url.includes('/server/http/') },
  { stage: 'fastify', frame: (f) => f.url.includes('/fastify/') || f.url.includes('/@fastify/') || f.url.includes('/find-my-way/') || f.url.includes('/light-my-request/') || f.url.includes('fast-json-stringify') },
  { stage: 'node-http', frame: (f) => f.url.startsWith('node:') },
];

/** Milliseconds of samples per stage ('other' for stacks no rule claims). */
export function stageTimes(profile: CpuProfile): Record<string, number> {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const stageOfNode = new Map<number, string>();
  const stageOf = (leaf: number): string => {
    const cached = stageOfNode.get(leaf);
    if (cached) return cached;
    const frames: CallFrame[] = [];
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id);
      if (n) frames.push(n.callFrame);
    }
    const stage = STAGES.find((s) => frames.some(s.frame))?.stage ?? 'other';
    stageOfNode.set(leaf, stage);
    return stage;
  };
  const out: Record<string, number> = {};
  profile.samples.forEach((node, i) => {
    const s = stageOf(node);
    out[s] = (out[s] ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000;
  });
  return out;
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

/**
 * user+system CPU milliseconds a process has used so far (Linux /proc), all threads; with `tid`,
 * that one thread's (the main thread's tid is the pid).
 */
export function cpuMsOf(pid: number, tid?: number): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, so split after the last ')').
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

async function post(port: number, path: string): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST' });
  if (res.status !== 200) throw new Error(`bench profiler ${path}: HTTP ${res.status}`);
  return res.json();
}

export interface StageBreakdown {
  /** Server CPU time (user + system, all threads) per request, ms. */
  cpuMsPerRequest: number;
  /** The event-loop (main) thread's CPU per request, ms: what bounds throughput and latency once other cores are free. */
  mainThreadCpuMsPerRequest: number;
  /**
   * CPU ms per request by stage: the main thread's CPU time split in the proportions of its
   * samples (idle left out), plus `other-threads` (the audit writer thread, libuv's pool, V8's
   * helper threads: the process's CPU beyond the main thread's).
   */
  stagesMsPerRequest: Record<string, number>;
  /**
   * The load generator's (this bench process's) CPU per request, ms: it shares the machine's
   * cores with the server, so on 2 cores it is part of what bounds throughput and the tail.
   */
  loadGeneratorCpuMsPerRequest: number;
  /** What can make the tail, over the load phase (bench/proxy-server.ts): event-loop delay percentiles, GC pauses. */
  tail?: { eventLoopDelayMs: { p50: number; p99: number; max: number }; gc: { pauses: number; totalMs: number; majorPauses: number; majorMs: number; maxMs: number } };
  /** The server's audit log over the phase: records appended, log writes (each write + fdatasync), records per write (the group commit's batch). */
  audit?: { records: number; writes: number; recordsPerWrite: number };
}

/**
 * Runs `load` with the bench server's profiler on (bench/proxy-server.ts, its direct port) and
 * returns the load's result and the server's CPU time per request, split by stage.
 */
export async function withServerProfile<T extends { requests: number }>(profilerPort: number, label: string, load: () => Promise<T>): Promise<T & { breakdown: StageBreakdown }> {
  await post(profilerPort, '/bench/profile/start');
  const generatorCpu0 = process.cpuUsage();
  const result = await load();
  const generatorCpu = process.cpuUsage(generatorCpu0);
  const { cpuMs, mainThreadCpuMs, profile, tail, audit } = (await post(profilerPort, '/bench/profile/stop')) as {
    cpuMs: number;
    mainThreadCpuMs?: number;
    profile: CpuProfile;
    tail?: StageBreakdown['tail'];
    audit?: StageBreakdown['audit'];
  };
  const mainMs = mainThreadCpuMs ?? cpuMs;
  // BENCH_PROFILE_DIR: keep the profile (open it in Chrome DevTools' Performance panel).
  if (process.env.BENCH_PROFILE_DIR) writeFileSync(join(process.env.BENCH_PROFILE_DIR, `${label}.cpuprofile`), JSON.stringify(profile));
  const n = Math.max(1, result.requests);
  // Samples measure the JS thread's wall time (which, on a loaded machine, includes time the OS
  // gave to others): the stage shares are scaled to the process's CPU time.
  const times = stageTimes(profile);
  const busy = Object.entries(times).reduce((sum, [stage, ms]) => (stage === 'idle' || stage === 'profiler' ? sum : sum + ms), 0);
  const stages: Record<string, number> = {};
  for (const [stage, ms] of Object.entries(times).sort((a, b) => b[1] - a[1])) {
    if (stage !== 'idle' && stage !== 'profiler' && busy > 0) stages[stage] = Math.round(((ms / busy) * mainMs * 1000) / n) / 1000;
  }
  stages['other-threads'] = Math.round((Math.max(0, cpuMs - mainMs) * 1000) / n) / 1000;
  const perRequest = (ms: number): number => Math.round((ms / n) * 1000) / 1000;
  return {
    ...result,
    breakdown: { cpuMsPerRequest: perRequest(cpuMs), mainThreadCpuMsPerRequest: perRequest(mainMs), stagesMsPerRequest: stages, loadGeneratorCpuMsPerRequest: perRequest((generatorCpu.user + generatorCpu.system) / 1000), ...(tail ? { tail } : {}), ...(audit ? { audit } : {}) },
  };
}
