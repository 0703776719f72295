// `npm run twin -- calibrate --bundle FILE [--json] [--seed N] [--members N] [--with-ensemble]`:
// fits the twin to a FHIR Bundle of one patient and prints the posterior summary, residuals and
// the inputs used / missing / implausible / converted. Exit codes: 0 success, 2 bad input (the
// message names the problem), 1 unexpected failure. Output carries resource ids, never names.

import { readFile } from 'node:fs/promises';
import { ingestFhirVitals } from '../../../core/vitals/fhir-vitals';
import { calibrateFromRecord, clinicalInputsOf, TwinRefusedError, type RecordCalibrationResult } from './from-record';

const USAGE = 'usage: npm run twin -- calibrate --bundle FILE [--json] [--seed N] [--members N] [--with-ensemble]';

class UsageError extends Error {}

interface Args {
  bundle: string;
  json: boolean;
  seed: number;
  members: number;
  withEnsemble: boolean;
}

function parseArgs(args: string[]): Args {
  let bundle: string | undefined;
  let json = false;
  let seed = 1;
  let members = 100;
  let withEnsemble = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const next = (): string => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--bundle':
        bundle = next();
        break;
      case '--json':
        json = true;
        break;
      case '--seed':
        seed = Number(next());
        if (!Number.isInteger(seed)) throw new UsageError('--seed must be an integer');
        break;
      case '--members':
        members = Number(next());
        if (!Number.isInteger(members) || members < 10 || members > 2000) throw new UsageError('--members must be an integer in [10, 2000]');
        break;
      case '--with-ensemble':
        withEnsemble = true;
        break;
      default:
        throw new UsageError(`unknown option "${a}"`);
    }
  }
  if (bundle === undefined) throw new UsageError('--bundle FILE is required');
  return { bundle, json, seed, members, withEnsemble };
}

/** Distinct patients a Bundle speaks about: Patient resources and Observation subjects. */
function countPatients(bundle: Record<string, unknown>): number {
  const ids = new Set<string>();
  const subjects = new Set<string>();
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as unknown[]) : [];
  for (const e of entries) {
    if (typeof e !== 'object' || e === null) continue;
    const entry = e as { fullUrl?: unknown; resource?: Record<string, unknown> };
    const r = entry.resource;
    if (!r) continue;
    if (r.resourceType === 'Patient') ids.add(typeof r.id === 'string' ? r.id : String(entry.fullUrl ?? ids.size));
    if (r.resourceType === 'Observation') {
      const s = r.subject as { reference?: unknown } | undefined;
      if (typeof s?.reference === 'string') subjects.add(s.reference);
    }
  }
  return Math.max(ids.size, subjects.size);
}

export async function runCalibrateCli(args: string[]): Promise<number> {
  let parsed: Args;
  try {
    parsed = parseArgs(args);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`twin calibrate: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  let text: string;
  try {
    text = await readFile(parsed.bundle, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    process.stderr.write(`twin calibrate: cannot read ${parsed.bundle}${code ? ` (${code})` : ''}\n`);
    return 2;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    process.stderr.write(`twin calibrate: ${parsed.bundle} is not valid JSON (${(e as Error).message})\n`);
    return 2;
  }
  if (typeof json !== 'object' || json === null || (json as { resourceType?: unknown }).resourceType !== 'Bundle') {
    const rt = typeof json === 'object' && json !== null ? (json as { resourceType?: unknown }).resourceType : undefined;
    process.stderr.write(
      `twin calibrate: ${parsed.bundle} is not a FHIR Bundle (resourceType ${rt === undefined ? 'missing' : JSON.stringify(rt)}); export the patient's record as a Bundle\n`,
    );
    return 2;
  }
  const patients = countPatients(json as Record<string, unknown>);
  if (patients > 1) {
    process.stderr.write(`twin calibrate: the Bundle holds records of ${patients} patients; calibration needs exactly one\n`);
    return 2;
  }
  if (patients === 0) {
    process.stderr.write('twin calibrate: the Bundle holds no Patient and no Observation with a subject; nothing to calibrate\n');
    return 2;
  }
  const vitals = ingestFhirVitals(json);
  if (vitals.observations.length === 0) {
    process.stderr.write('twin calibrate: the Bundle has no vital-sign or echo observation the twin can use\n');
    return 2;
  }
  let result: RecordCalibrationResult;
  try {
    result = calibrateFromRecord(vitals, { fit: { seed: parsed.seed, ensembleSize: parsed.members }, clinical: clinicalInputsOf(json) });
  } catch (err) {
    if (err instanceof TwinRefusedError) {
      process.stderr.write(`twin calibrate: ${err.message}\n`);
      return 3;
    }
    throw err;
  }
  if (parsed.json) {
    process.stdout.write(`${JSON.stringify(toJson(result, parsed.withEnsemble), null, 2)}\n`);
  } else {
    process.stdout.write(toText(result));
  }
  return 0;
}

const r4 = (v: number): number => Number(v.toPrecision(4));

export function toJson(r: RecordCalibrationResult, withEnsemble: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    method: r.method,
    patient: { ...r.patient, heightCm: Math.round(r.patient.heightCm * 10) / 10, weightKg: Math.round(r.patient.weightKg * 10) / 10 },
    archetypes: r.archetypes.map((a) => ({ ...a, posteriorWeight: r4(a.posteriorWeight) })),
    patientDefaults: r.patientDefaults,
    inputs: r.inputs,
    medications: r.medications,
    ...(r.capability ? { capability: r.capability } : {}),
    ...(r.prior ? { prior: r.prior } : {}),
    ...(r.therapy ? { therapy: r.therapy.map((m) => ({ drug: m.drug, ingredient: m.ingredient, doseMg: m.doseMg, route: m.route, text: m.text, source: m.source })) } : {}),
    parameters: r.parameters.map((p) => ({
      name: p.name,
      unit: p.unit,
      prior: { median: r4(p.prior.median), p05: r4(p.prior.p05), p95: r4(p.prior.p95) },
      posterior: {
        map: r4(p.posterior.map),
        p05: r4(p.posterior.p05),
        p25: r4(p.posterior.p25),
        p50: r4(p.posterior.p50),
        p75: r4(p.posterior.p75),
        p95: r4(p.posterior.p95),
      },
      sdRatio: r4(p.sdRatio),
      identifiability: p.identifiability,
    })),
    residuals: r.residuals.map((x) => ({ ...x, observed: r4(x.observed), predicted: r4(x.predicted), sd: r4(x.sd), z: r4(x.z) })),
    outputs: Object.fromEntries(
      Object.entries(r.outputs).map(([k, p]) => [k, { p05: r4(p.p05), p25: r4(p.p25), p50: r4(p.p50), p75: r4(p.p75), p95: r4(p.p95) }]),
    ),
    diagnostics: { ...r.diagnostics, elapsedMs: Math.round(r.diagnostics.elapsedMs) },
  };
  if (withEnsemble) {
    const n = r.ensemble.parameterNames.length;
    out.ensemble = {
      parameterNames: r.ensemble.parameterNames,
      members: Array.from({ length: r.ensemble.size }, (_, k) =>
        Array.from(r.ensemble.logParameters.subarray(k * n, (k + 1) * n), (x) => r4(Math.exp(x))),
      ),
    };
  }
  return out;
}

function toText(r: RecordCalibrationResult): string {
  const lines: string[] = [];
  lines.push(`patient: ${r.patient.sex}, ${r.patient.ageYears} y, ${r.patient.heightCm.toFixed(0)} cm, ${r.patient.weightKg.toFixed(1)} kg` + (r.patientDefaults.length ? ` (defaults for: ${r.patientDefaults.join(', ')})` : ''));
  if (r.capability) {
    for (const n of r.capability.notes) lines.push(`${n.effect === 'limitation' ? 'limitation' : 'NO FORECAST'}: ${n.message}`);
  }
  if (r.prior) for (const why of r.prior.reasons) lines.push(`prior: ${why}`);
  if (r.therapy?.length) lines.push(`current therapy (engine classes): ${r.therapy.map((m) => `${m.drug} ← ${m.text}`).join('; ')}`);
  lines.push(`archetypes (prior → posterior): ${r.archetypes.map((a) => `${a.label} ${a.priorWeight.toFixed(3)} → ${a.posteriorWeight.toFixed(3)}`).join(', ')}`);
  lines.push(`inputs used: ${r.inputs.used.map((u) => u.kind).join(', ') || 'none'}${r.inputs.asOf ? ` (as of ${r.inputs.asOf.slice(0, 10)})` : ''}`);
  if (r.inputs.aged.length) lines.push(`older inputs (weigh less): ${r.inputs.aged.join('; ')}`);
  lines.push(`inputs missing: ${r.inputs.missing.join(', ') || 'none'}`);
  if (r.inputs.implausible.length) lines.push(`implausible (not used): ${r.inputs.implausible.map((i) => `${i.kind} (${i.reason})`).join('; ')}`);
  if (r.inputs.converted.length) lines.push(`unit-converted: ${r.inputs.converted.length} values`);
  lines.push('', 'parameter                        MAP        5%        95%   identifiability');
  for (const p of r.parameters) {
    lines.push(`${p.name.padEnd(30)} ${r4(p.posterior.map).toString().padStart(8)} ${r4(p.posterior.p05).toString().padStart(9)} ${r4(p.posterior.p95).toString().padStart(9)}   ${p.identifiability}`);
  }
  lines.push('', 'observation        observed  predicted     z');
  for (const x of r.residuals) lines.push(`${x.key.padEnd(18)} ${r4(x.observed).toString().padStart(8)} ${r4(x.predicted).toString().padStart(10)} ${x.z.toFixed(2).padStart(6)}`);
  lines.push('', `${r.diagnostics.modelRuns} model runs, ${Math.round(r.diagnostics.elapsedMs)} ms`);
  return `${lines.join('\n')}\n`;
}
