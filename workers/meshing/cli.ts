// `npm run twin -- mesh …`: segmentation file → decimated surfaces (GLB or STL, LPS mm) and a
// per-structure report. Node-only entry point (file system); everything it calls is environment-neutral.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { type LabelVolume, layerAsVolume, layerCount, sameGrid } from '../../core/domain/imaging';
import { readDicomSeg, type ReferenceSeries } from './dicomSeg';
import { structuresToGlb, structuresToStl } from './exportFormats';
import { type LabelTable, parseLabelTable } from './labelTable';
import { gunzip, readNiftiLabelMap } from './nifti';
import { referenceFromInstances } from './referenceSeries';
import { resampleLabelsNearest } from './resample';
import { DEFAULT_BUDGET_TRIANGLES, meshLabelVolume } from './surfaces';

const usage = 'usage: npm run twin -- mesh --segmentation FILE(.nii|.nii.gz|.dcm) [--labels FILE.json] [--reference DIR] --out FILE.glb|FILE.stl [--json] [--budget N] [--smoothing N]';

class UsageError extends Error {}

interface Args {
  segmentation: string;
  labels?: string;
  reference?: string;
  out: string;
  json: boolean;
  budget: number;
  smoothing?: number;
}

function parseArgs(args: string[]): Args {
  const values = new Map<string, string>();
  let json = false;
  for (let a = 0; a < args.length; a++) {
    const arg = args[a]!;
    if (arg === '--json') {
      json = true;
      continue;
    }
    if (!['--segmentation', '--labels', '--reference', '--out', '--budget', '--smoothing'].includes(arg)) {
      throw new UsageError(`unknown option "${arg}"`);
    }
    const value = args[++a];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
    values.set(arg, value);
  }
  const segmentation = values.get('--segmentation');
  const out = values.get('--out');
  if (segmentation === undefined) throw new UsageError('--segmentation FILE is required');
  if (out === undefined) throw new UsageError('--out FILE.glb or FILE.stl is required');
  if (!/\.(glb|stl)$/i.test(out)) throw new UsageError(`--out "${out}" must end in .glb or .stl`);
  const intOption = (name: string, min: number): number | undefined => {
    const raw = values.get(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be a whole number ≥ ${min}, got "${raw}"`);
    return n;
  };
  return {
    segmentation,
    labels: values.get('--labels'),
    reference: values.get('--reference'),
    out,
    json,
    budget: intOption('--budget', 4) ?? DEFAULT_BUDGET_TRIANGLES,
    smoothing: intOption('--smoothing', 0),
  };
}

function readBytes(path: string, what: string): ArrayBuffer {
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch {
    throw new UsageError(`${what} "${path}" cannot be read (missing or not a file)`);
  }
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

function readReference(dir: string): ReferenceSeries {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
    names = readdirSync(dir).filter((n) => !n.startsWith('.') && statSync(join(dir, n)).isFile());
  } catch {
    throw new UsageError(`--reference "${dir}" is not a readable folder of DICOM files`);
  }
  return referenceFromInstances(names.map((name) => ({ name, bytes: readBytes(join(dir, name), 'reference file') })));
}

async function loadSegmentation(args: Args, reference: ReferenceSeries | undefined): Promise<LabelVolume> {
  const path = args.segmentation;
  const lower = path.toLowerCase();
  let table: LabelTable | undefined;
  if (args.labels !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(readBytes(args.labels, '--labels file')));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`--labels "${args.labels}" is not valid JSON`);
    }
    table = parseLabelTable(json);
  }
  if (lower.endsWith('.nii') || lower.endsWith('.nii.gz')) {
    const volume = readNiftiLabelMap(await gunzip(readBytes(path, '--segmentation')), { labelTable: table, sourceId: basename(path) });
    if (reference !== undefined && !sameGrid(volume, reference.geometry)) return resampleLabelsNearest(volume, reference.geometry);
    return volume;
  }
  if (lower.endsWith('.dcm') || extname(lower) === '') {
    if (table !== undefined) throw new UsageError('--labels applies to NIfTI label maps; a DICOM-SEG names its own segments');
    return readDicomSeg(readBytes(path, '--segmentation'), { referenceGeometry: reference?.geometry, sourceId: basename(path) });
  }
  throw new UsageError(`--segmentation "${path}" must be a NIfTI label map (.nii, .nii.gz) or a DICOM-SEG (.dcm)`);
}

export async function runMeshCli(args: string[]): Promise<number> {
  let parsed: Args;
  try {
    parsed = parseArgs(args);
  } catch (e) {
    process.stderr.write(`twin mesh: ${e instanceof Error ? e.message : String(e)}\n${usage}\n`);
    return 2;
  }
  try {
    const reference = parsed.reference !== undefined ? readReference(parsed.reference) : undefined;
    const volume = await loadSegmentation(parsed, reference);
    if (volume.segments.length === 0) throw new UsageError(`--segmentation "${parsed.segmentation}" contains no labelled voxels`);
    // Overlapping DICOM-SEG segments sit in separate label layers: mesh each layer, keep segment order.
    const structures = [];
    for (let layer = 0; layer < layerCount(volume); layer++) {
      const one = layerAsVolume(volume, layer);
      if (one.segments.length === 0) continue;
      structures.push(...(await meshLabelVolume(one, { budgetTriangles: parsed.budget, ...(parsed.smoothing !== undefined ? { smoothingIterations: parsed.smoothing } : {}) })));
    }
    structures.sort((a, b) => a.label - b.label);
    const bytes = /\.glb$/i.test(parsed.out) ? structuresToGlb(structures) : structuresToStl(structures);
    try {
      writeFileSync(parsed.out, new Uint8Array(bytes));
    } catch {
      throw new UsageError(`--out "${parsed.out}" cannot be written`);
    }
    const rows = structures.map((s) => ({
      label: s.label,
      name: s.name,
      voxelCount: s.stats.voxelCount,
      voxelVolumeMl: round(s.stats.voxelVolumeMl, 3),
      meshVolumeMl: round(s.stats.meshVolumeMl, 3),
      triangles: s.stats.triangleCount,
      watertight: s.stats.watertight,
    }));
    if (parsed.json) {
      process.stdout.write(`${JSON.stringify({ out: parsed.out, bytes: bytes.byteLength, frame: 'LPS', unit: 'mm', structures: rows }, null, 2)}\n`);
    } else {
      process.stdout.write(`${'structure'.padEnd(32)}${'voxel mL'.padStart(12)}${'mesh mL'.padStart(12)}${'triangles'.padStart(12)}\n`);
      for (const r of rows) {
        process.stdout.write(`${r.name.padEnd(32)}${r.voxelVolumeMl.toFixed(3).padStart(12)}${r.meshVolumeMl.toFixed(3).padStart(12)}${String(r.triangles).padStart(12)}\n`);
      }
      process.stdout.write(`wrote ${parsed.out} (${bytes.byteLength} bytes, patient LPS mm)\n`);
    }
    return 0;
  } catch (e) {
    // Input problems (unreadable files, wrong formats, grids that do not match) are the user's to fix: exit 2.
    process.stderr.write(`twin mesh: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
