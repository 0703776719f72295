// Where the renderer's time goes while a series opens (issue 14): a Chrome trace of the whole
// browser (every process and thread) taken around one series load, split into stages.
//
// - JavaScript threads (the renderer main thread and the decode web workers): the V8 sampling
//   profiler's samples (`disabled-by-default-v8.cpu_profiler`), each sample's time given to the
//   stage of the first function on its stack (leaf → root) that a rule below names. The page must
//   be an unminified build (function names kept) for the rules to see names.
// - Threads without JavaScript (the GPU process running SwiftShader, the compositor, the
//   network service): the thread CPU time (`tdur`) of their top-level trace events, by thread,
//   with the GPU process's busiest event names so the texture uploads and draws show by name.
//
// Sampled time is wall time of the thread while it ran JavaScript (or native code called from
// it); on a loaded machine it includes time the thread waited for a core. The per-process CPU
// figures of the bench (/proc) are the CPU truth; this split says which stage that CPU went to.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from '@playwright/test';

export const PROFILE_CATEGORIES = [
  '__metadata',
  'toplevel',
  'v8.execute',
  'disabled-by-default-v8.cpu_profiler',
  'devtools.timeline',
  'gpu',
  'blink.net',
];

/**
 * Stage rules, tried for each stack frame from the leaf towards the root; the first frame that
 * matches one gives the sample its stage. Names are Cornerstone 5 / vtk.js / our own functions.
 */
const RULES: Array<{ stage: string; fn: RegExp }> = [
  // Garbage collection and the profiler's own pseudo-frames.
  { stage: 'gc', fn: /^\(garbage collector\)$/ },
  // Splitting the multipart series answer (seriesPixelStream.ts, core/dicom/multipart.ts).
  { stage: 'parseMultipart', fn: /^(MultipartStreamParser|partHeaders|indexOfBytes|indexOfRange|findBoundary|emitPart)|^(push|step|drain|deliver|run)$/ },
  // Cornerstone's own multipart split of each per-frame answer.
  { stage: 'parseMultipart', fn: /^(extractMultipart|findIndexOfString|findBoundary|findContentType|uint8ArrayToString)$/ },
  // Pixel decode (workers: codec calls, byte swaps, pre-scaling to modality units).
  { stage: 'decode', fn: /^(decodeImageFrame|decodeLittleEndian|decodeBigEndian|decodeRLE|decodeJPEG|decodeJPEGLS|decodeJPEG2000|decodeHTJ2K|decodeJPEGLossless|decodeJPEGBaseline|scaleArray|applyModalityLUT|getMinMax|decodeTask|postProcessDecodedPixels|_handleTypedArray|calculateMinMax)/ },
  // Our own volume writes (a frame straight into the volume's scalar buffer).
  // Creating the volume object: Cornerstone's per-slice images (each scans its slice for min/max).
  { stage: 'volumeSetup', fn: /^(createLocalVolume|createAndCacheLocalImage|generateVolumePropsFromImageIds|createAndCacheVolume|sortImageIdsAndGetSpacing|makeVolumeMetadata)$/ },
  { stage: 'writeVolume', fn: /^(writeNativeFrame|writeDecodedFrame|writeImage|onFrame|fillVolumeFromStream)$/ },
  // Decoded frames arriving from the decode workers (comlink message handling, structured clone).
  { stage: 'workerMessages', fn: /^(handleMessage|fromWireValue|deserialize)$/ },
  // Texture upload of updated slices (vtk.js streaming texture → WebGL texSubImage3D / texImage3D).
  { stage: 'textureUpload', fn: /^(texSubImage3D|texImage3D|texImage2D|texSubImage2D|update3DFromRaw|uploadPending|uploadFilledSoon|create3DFromRaw|create3DFilterableFromRaw|create3DFilterableFromDataArray|updateVolumeFromRaw|updateFrames|updateTextureImageData|updateTextureImagesUsingVoxelManager|setUpdatedFrame|getTextureUpdateImageData)$/ },
  // vtk.js converting each 16-bit slice to float (or half float) for the upload, on the main thread;
  // ours to half float through the table (halfFloatTexture.ts).
  { stage: 'textureConvert', fn: /^(updateArrayDataTypeForGL|toHalf|sliceToHalfFloat)$/ },
  // Volume export to the anatomy hand-off (whole-volume copy, HU conversion).
  { stage: 'exportVolume', fn: /^(exportImageVolume|toImageVolume|getCompleteScalarDataArray|publishedVolumeSummary|publish)$/ },
  // vtk.js sizing its canvas (setting width/height reallocates the WebGL drawing buffer: under
  // SwiftShader a CPU allocation and clear), e.g. when the three planes are laid out.
  { stage: 'canvasResize', fn: /^(updateWindow|setSize)$/ },
  // Rendering (Cornerstone rendering engine, vtk.js render passes, WebGL draw calls).
  { stage: 'render', fn: /^(_renderFlaggedViewports|renderViewports|renderViewport|_renderViewports|renderFrameOfReference|render|renderPass|traverse|drawArrays|drawElements|_renderingEngineRender|_resetViewport|setVolumesForViewports|setVolumes|addVolumes)$/ },
  // Image objects around each frame (loader createImage, image cache, metadata lookups, events).
  { stage: 'imageObjects', fn: /^(createImage|loadAndCacheImage|loadImageFromImageLoader|putImageLoadObject|_putImageLoadObject|successCallback|updateTextureAndTriggerEvents|callLoadImage|getImageFrame|getLoaderImageOptions|createImageVoxelManager|triggerEvent|dispatchEvent|get|getMetaData|metaDataProvider|getNumberValues|getValue|getNumberValue)$/ },
  // Request scheduling (Cornerstone's request pool) and loader fetch/network glue.
  { stage: 'requestPool', fn: /^(startGrabbing|_startGrabbing|sendRequests|addRequest|getNextRequest|xhrRequest|streamRequest|getPixelData|loadImage|retrieveImage|fetch)$/ },
  // The React app (progress updates, layout switch).
  { stage: 'ui', fn: /^(performWorkOnRoot|performWorkUntilDeadline|commitRoot|renderWithHooks|workLoopSync|workLoopConcurrent|flushSyncWorkAcrossRoots_impl|beginWork|completeWork)$/ },
  // Viewer start-up: Cornerstone's GPU capability probe (test textures per format), init, tools.
  { stage: 'capabilityProbe', fn: /^(getSupportedTextureFormats|getRenderingCapabilities|getWebGLContextInfo|testFormat|probe\w*|hasWebGl2)$/i },
  { stage: 'cornerstoneInit', fn: /^(init|start|startCornerstone|warmDecodeWorkers|addTool|createToolGroup|registerImageLoader|ImagingViewer)$/ },
];

function stageOf(stack: string[]): string {
  for (const name of stack) {
    // vtk.js and class methods show as "publicAPI.update3DFromRaw", "Cache.getImage": match the method.
    const fn = name.slice(name.lastIndexOf('.') + 1);
    for (const r of RULES) if (r.fn.test(fn)) return r.stage;
  }
  return 'other';
}

interface TraceEvent {
  ph: string;
  name: string;
  cat?: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  tdur?: number;
  id?: string;
  args?: { name?: string; data?: { cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] }; timeDeltas?: number[]; startTime?: number } };
}

interface ProfileNode {
  id: number;
  parent?: number;
  callFrame: { functionName: string; url?: string };
}

export interface ProfileSplit {
  /** Renderer main thread, sampled ms per stage (idle excluded). */
  mainThreadMs: Record<string, number>;
  /** Decode web workers together, sampled ms per stage (idle excluded). */
  workersMs: Record<string, number>;
  workerThreads: number;
  /** Thread CPU ms of top-level tasks, per thread name, for threads of the GPU process. */
  gpuProcessThreadCpuMs: Record<string, number>;
  /** The GPU process's busiest trace events (thread CPU ms), e.g. command-buffer flushes. */
  gpuTopEvents: Record<string, number>;
  /** Main thread, the functions with the most self time in stage "other" (to refine the rules). */
  mainThreadOtherTop: Record<string, number>;
}

export async function startProfile(browser: Browser, page: Page): Promise<void> {
  await browser.startTracing(page, { categories: PROFILE_CATEGORIES, screenshots: false });
}

/** `BENCH_PROFILE_DIR`: where each raw trace is kept (open it in chrome://tracing or Perfetto). */
export async function stopProfile(browser: Browser, name: string): Promise<ProfileSplit> {
  const buf = await browser.stopTracing();
  const keep = process.env.BENCH_PROFILE_DIR;
  if (keep) {
    mkdirSync(keep, { recursive: true });
    writeFileSync(join(keep, `${name}.trace.json`), buf);
  }
  const trace = JSON.parse(buf.toString('utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
  return splitTrace(Array.isArray(trace) ? trace : trace.traceEvents);
}

const round = (o: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(o).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round(v)]));

export function splitTrace(events: TraceEvent[]): ProfileSplit {
  const threadName = new Map<string, string>();
  const processName = new Map<number, string>();
  for (const e of events) {
    if (e.ph !== 'M') continue;
    if (e.name === 'thread_name') threadName.set(`${e.pid}:${e.tid}`, e.args?.name ?? '');
    if (e.name === 'process_name') processName.set(e.pid, e.args?.name ?? '');
  }
  // Sampled profiles: nodes and samples arrive in chunks per profile id.
  const profiles = new Map<string, { key: string; nodes: Map<number, ProfileNode>; samples: number[]; deltas: number[] }>();
  for (const e of events) {
    if (e.ph !== 'P' || (e.name !== 'Profile' && e.name !== 'ProfileChunk')) continue;
    const id = `${e.pid}:${e.id}`;
    let p = profiles.get(id);
    if (!p) profiles.set(id, (p = { key: `${e.pid}:${e.tid}`, nodes: new Map(), samples: [], deltas: [] }));
    const cp = e.args?.data?.cpuProfile;
    for (const n of cp?.nodes ?? []) p.nodes.set(n.id, n);
    for (const s of cp?.samples ?? []) p.samples.push(s);
    for (const d of e.args?.data?.timeDeltas ?? []) p.deltas.push(d);
  }
  const main: Record<string, number> = {};
  const workers: Record<string, number> = {};
  const otherSelf: Record<string, number> = {};
  const workerKeys = new Set<string>();
  for (const p of profiles.values()) {
    const name = threadName.get(p.key) ?? '';
    const isMain = name === 'CrRendererMain';
    const isWorker = /Worker/i.test(name);
    if (!isMain && !isWorker) continue;
    if (isWorker) workerKeys.add(p.key);
    const into = isMain ? main : workers;
    const stackCache = new Map<number, string>();
    const stackOf = (id: number): string => {
      const hit = stackCache.get(id);
      if (hit !== undefined) return hit;
      const names: string[] = [];
      for (let n = p.nodes.get(id); n; n = n.parent !== undefined ? p.nodes.get(n.parent) : undefined) names.push(n.callFrame.functionName || '(anonymous)');
      const stage = names[0] === '(idle)' ? 'idle' : names[0] === '(program)' ? 'program' : stageOf(names);
      stackCache.set(id, stage);
      return stage;
    };
    for (let i = 0; i < p.samples.length; i++) {
      // A sample stands for the interval until the next one.
      const ms = (p.deltas[i + 1] ?? p.deltas[i] ?? 0) / 1000;
      if (ms <= 0 || ms > 100) continue;
      const stage = stackOf(p.samples[i]!);
      if (stage === 'idle') continue;
      into[stage] = (into[stage] ?? 0) + ms;
      if (isMain && stage === 'other') {
        const leaf = p.nodes.get(p.samples[i]!)?.callFrame.functionName || '(anonymous)';
        otherSelf[leaf] = (otherSelf[leaf] ?? 0) + ms;
      }
    }
  }
  // Thread CPU of threads in the GPU process: top-level events only (not nested in another).
  const gpuPids = new Set([...processName].filter(([, n]) => /GPU/i.test(n)).map(([pid]) => pid));
  const gpuThreads: Record<string, number> = {};
  const gpuEvents: Record<string, number> = {};
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X' || !gpuPids.has(e.pid) || e.ts === undefined || e.dur === undefined) continue;
    const k = `${e.pid}:${e.tid}`;
    (byThread.get(k) ?? byThread.set(k, []).get(k)!).push(e);
  }
  for (const [k, list] of byThread) {
    list.sort((a, b) => a.ts! - b.ts! || b.dur! - a.dur!);
    let end = -Infinity;
    const name = threadName.get(k) ?? k;
    for (const e of list) {
      const cpuMs = (e.tdur ?? e.dur!) / 1000;
      if (e.ts! >= end) {
        gpuThreads[name] = (gpuThreads[name] ?? 0) + cpuMs;
        end = e.ts! + e.dur!;
      } else {
        gpuEvents[e.name] = Math.max(gpuEvents[e.name] ?? 0, 0) + cpuMs;
      }
    }
  }
  const top = (o: Record<string, number>, n: number): Record<string, number> =>
    round(Object.fromEntries(Object.entries(o).sort((a, b) => b[1] - a[1]).slice(0, n)));
  return {
    mainThreadMs: round(main),
    workersMs: round(workers),
    workerThreads: workerKeys.size,
    gpuProcessThreadCpuMs: round(gpuThreads),
    gpuTopEvents: top(gpuEvents, 8),
    mainThreadOtherTop: top(otherSelf, 12),
  };
}
