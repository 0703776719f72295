// A real Orthanc PACS on loopback for integration tests: the Debian `orthanc` binary with the
// DICOMweb plugin, a config of our own (temporary storage and index, free ports, no remote
// access, no authentication), started as a child process and stopped by its PID.
// Under CI=true Orthanc must be installed (npm test installs it); locally a test that needs it
// skips with a visible note when it is absent.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ORTHANC_BINARY = '/usr/sbin/Orthanc';
export const ORTHANC_DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export interface OrthancHandle {
  /** REST root, e.g. http://127.0.0.1:41234 */
  url: string;
  /** DICOMweb root (no trailing slash), e.g. http://127.0.0.1:41234/dicom-web */
  dicomwebUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/** True when Orthanc and its DICOMweb plugin are installed; under CI their absence throws. */
export function hasOrthanc(): boolean {
  const present = existsSync(ORTHANC_BINARY) && existsSync(ORTHANC_DICOMWEB_PLUGIN);
  if (present) return true;
  const message = `Orthanc not installed (${ORTHANC_BINARY} and ${ORTHANC_DICOMWEB_PLUGIN}); install with: apt-get install -y orthanc orthanc-dicomweb`;
  if (process.env.CI === 'true') throw new Error(`under CI Orthanc is required: ${message}`);
  console.warn(`[skip] ${message}`);
  return false;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startOrthanc(options: { startTimeoutMs?: number } = {}): Promise<OrthancHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'twinscope-orthanc-'));
  const [httpPort, dicomPort] = [await freePort(), await freePort()];
  const config = {
    Name: 'TWINSCOPE_TEST',
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'index'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: 'TWINTEST',
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    HttpDescribeErrors: true,
    StorageCompression: false,
    OverwriteInstances: true,
    ConcurrentJobs: 1,
    Plugins: [ORTHANC_DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false, Ssl: false, StudiesMetadata: 'Full', SeriesMetadata: 'Full' },
  };
  const configPath = join(dir, 'orthanc.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const child = spawn(ORTHANC_BINARY, [configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  const url = `http://127.0.0.1:${httpPort}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      }, 5000);
      await exited(child);
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`Orthanc exited with code ${child.exitCode} at start: ${stderr.slice(-1500)}`);
    }
    try {
      const res = await fetch(`${url}/system`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) {
        await res.body?.cancel();
        break;
      }
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Orthanc did not answer GET /system within ${options.startTimeoutMs ?? 20_000} ms: ${stderr.slice(-1500)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, dicomwebUrl: `${url}/dicom-web`, pid: child.pid!, stop };
}
