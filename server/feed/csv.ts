// Pure: a CSV of bedside vitals → validated samples. Units live in the column names, so a file
// whose header says `hr` or `temp_f` is refused rather than guessed at.
//
// Columns (header row required, any order, comma-separated, no quoting needed):
//   time: exactly one of
//     t_offset_sec   seconds since the start of the recording (>= 0); the CLI adds --start
//     time_iso       an ISO 8601 instant with a zone, e.g. 2026-03-01T08:00:00Z
//   vitals (at least one column; an empty cell means "not measured"):
//     hr_bpm      heart rate, beats/min            20..300
//     sbp_mmhg    systolic blood pressure, mmHg    40..300
//     dbp_mmhg    diastolic blood pressure, mmHg   15..200  (must be below sbp_mmhg)
//     spo2_pct    SpO2, percent                    50..100
//     rr_per_min  respiratory rate, breaths/min    3..80
//     temp_c      body temperature, °C             30..45
// Lines starting with # and blank lines are ignored.
import type { VitalsSample } from './observations';

export type VitalColumn = 'hr_bpm' | 'sbp_mmhg' | 'dbp_mmhg' | 'spo2_pct' | 'rr_per_min' | 'temp_c';
type TimeColumn = 't_offset_sec' | 'time_iso';

const VITAL_RANGES: Record<VitalColumn, { min: number; max: number; field: keyof VitalsSample; what: string }> = {
  hr_bpm: { min: 20, max: 300, field: 'hrBpm', what: 'heart rate in beats/min' },
  sbp_mmhg: { min: 40, max: 300, field: 'sbpMmHg', what: 'systolic pressure in mmHg' },
  dbp_mmhg: { min: 15, max: 200, field: 'dbpMmHg', what: 'diastolic pressure in mmHg' },
  spo2_pct: { min: 50, max: 100, field: 'spo2Pct', what: 'SpO2 in percent' },
  rr_per_min: { min: 3, max: 80, field: 'rrPerMin', what: 'respiratory rate in breaths/min' },
  temp_c: { min: 30, max: 45, field: 'tempC', what: 'temperature in °C' },
};

const KNOWN = new Set<string>(['t_offset_sec', 'time_iso', ...Object.keys(VITAL_RANGES)]);

/** Common unit-less or other-unit spellings, to say what was probably meant. */
const HINTS: Record<string, string> = {
  hr: 'hr_bpm',
  heart_rate: 'hr_bpm',
  sbp: 'sbp_mmhg',
  dbp: 'dbp_mmhg',
  spo2: 'spo2_pct',
  rr: 'rr_per_min',
  temp: 'temp_c',
  temp_f: 'temp_c (convert °F to °C first)',
  sbp_kpa: 'sbp_mmhg (convert kPa to mmHg first)',
  dbp_kpa: 'dbp_mmhg (convert kPa to mmHg first)',
  time: 't_offset_sec or time_iso',
};

export class CsvError extends Error {
  override name = 'CsvError';
  constructor(
    readonly line: number,
    readonly column: string | null,
    message: string,
  ) {
    super(`line ${line}${column ? `, column ${column}` : ''}: ${message}`);
  }
}

export interface CsvRow {
  /** 1-based line number in the file (for messages and stable reading keys). */
  line: number;
  /** Seconds since start (t_offset_sec files) or null (time_iso files). */
  offsetSec: number | null;
  /** The instant (time_iso files) or null. */
  timeIso: string | null;
  vitals: Omit<VitalsSample, 'effectiveIso'>;
}

export interface ParsedCsv {
  timeColumn: TimeColumn;
  rows: CsvRow[];
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

export function parseVitalsCsv(text: string): ParsedCsv {
  const lines = text.split(/\r?\n/);
  let headerLine = -1;
  let header: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const t = (lines[i] ?? '').trim();
    if (t === '' || t.startsWith('#')) continue;
    headerLine = i + 1;
    header = t.split(',').map((h) => h.trim().toLowerCase());
    break;
  }
  if (headerLine < 0) throw new CsvError(1, null, 'the file has no header row; the first line must name the columns, e.g. t_offset_sec,hr_bpm,sbp_mmhg,dbp_mmhg,spo2_pct,rr_per_min,temp_c');

  const seen = new Set<string>();
  for (const h of header) {
    if (h === '') throw new CsvError(headerLine, null, 'the header has an empty column name');
    if (!KNOWN.has(h)) {
      const hint = HINTS[h];
      throw new CsvError(headerLine, h, `unknown column "${h}"${hint ? `; did you mean ${hint}?` : ''} Known columns: ${[...KNOWN].join(', ')}`);
    }
    if (seen.has(h)) throw new CsvError(headerLine, h, `column "${h}" appears twice`);
    seen.add(h);
  }
  const timeColumns = header.filter((h): h is TimeColumn => h === 't_offset_sec' || h === 'time_iso');
  if (timeColumns.length !== 1) {
    throw new CsvError(headerLine, null, 'the header needs exactly one time column: t_offset_sec (seconds from --start) or time_iso (ISO 8601 instant)');
  }
  const timeColumn = timeColumns[0] as TimeColumn;
  if (!header.some((h) => h in VITAL_RANGES)) {
    throw new CsvError(headerLine, null, `the header has no vital-sign column; add at least one of ${Object.keys(VITAL_RANGES).join(', ')}`);
  }

  const rows: CsvRow[] = [];
  for (let i = headerLine; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i] ?? '';
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) continue;
    const cells = t.split(',').map((c) => c.trim());
    if (cells.length !== header.length) {
      throw new CsvError(lineNo, null, `expected ${header.length} cells (${header.join(',')}), found ${cells.length}`);
    }
    const row: CsvRow = { line: lineNo, offsetSec: null, timeIso: null, vitals: {} };
    let measured = 0;
    for (let c = 0; c < header.length; c++) {
      const col = header[c] as string;
      const cell = cells[c] ?? '';
      if (col === 't_offset_sec') {
        if (!DECIMAL.test(cell)) throw new CsvError(lineNo, col, `"${cell}" is not a number of seconds`);
        const v = Number(cell);
        if (!Number.isFinite(v) || v < 0) throw new CsvError(lineNo, col, `offset must be zero or more seconds, got ${cell}`);
        row.offsetSec = v;
      } else if (col === 'time_iso') {
        if (!ISO_INSTANT.test(cell) || Number.isNaN(Date.parse(cell))) {
          throw new CsvError(lineNo, col, `"${cell}" is not an ISO 8601 instant with a time zone, e.g. 2026-03-01T08:00:00Z`);
        }
        row.timeIso = new Date(Date.parse(cell)).toISOString();
      } else {
        const spec = VITAL_RANGES[col as VitalColumn];
        if (cell === '') continue;
        if (!DECIMAL.test(cell)) throw new CsvError(lineNo, col, `"${cell}" is not a number (${spec.what})`);
        const v = Number(cell);
        if (v < spec.min || v > spec.max) {
          throw new CsvError(lineNo, col, `${cell} is outside the plausible range ${spec.min}..${spec.max} for ${spec.what}`);
        }
        (row.vitals as Record<string, number>)[spec.field] = v;
        measured++;
      }
    }
    if (measured === 0) throw new CsvError(lineNo, null, 'the row has a time but no vital-sign value');
    const { sbpMmHg, dbpMmHg } = row.vitals;
    if (sbpMmHg !== undefined && dbpMmHg !== undefined && dbpMmHg >= sbpMmHg) {
      throw new CsvError(lineNo, 'dbp_mmhg', `diastolic ${dbpMmHg} mmHg must be below systolic ${sbpMmHg} mmHg`);
    }
    rows.push(row);
  }
  if (rows.length === 0) throw new CsvError(headerLine, null, 'the file has a header but no data rows');
  return { timeColumn, rows };
}
