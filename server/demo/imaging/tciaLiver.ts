// The liver-resection demo patient's CT: a real portal-venous CT of a patient with colorectal
// liver metastases (TCIA Colorectal-Liver-Metastases, case CRLM-CT-1006, CC BY 4.0; source,
// licence and citation in test-data/SOURCES.md), shipped in test-data/ and filed under the demo
// patient (issue 17). Only identity is rewritten: PatientID/Name/BirthDate/Sex become the demo
// patient's, and the Study/Series/SOP/Frame-of-Reference UIDs are remapped deterministically
// (2.25 UIDs from the original UID and the patient), so the same original UID always maps to
// the same new one, references stay consistent, and the files never collide with the originals
// if someone also stores those. Pixels and geometry are untouched.
import dcmjs from 'dcmjs';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { uidFromName } from './writer';

/** test-data folder of the CT (repository-relative, resolved from this file). */
export const TCIA_LIVER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-data', 'dicom', 'ct-liver-crlm-1006-tcia');
/** Slices in the series (test-data/SOURCES.md). */
export const TCIA_LIVER_SLICES = 51;
export const TCIA_LIVER_SERIES_DESCRIPTION = 'CT abdomen portal venous 5 mm (TCIA CRLM-CT-1006, CC BY 4.0)';

export interface DemoIdentity {
  patientId: string;
  /** DICOM PN, e.g. "Novak^Elena". */
  patientName: string;
  /** YYYYMMDD. */
  patientBirthDate: string;
  patientSex: string;
}

type Dataset = Record<string, unknown>;
interface DicomDictLike {
  dict: Dataset;
  meta: Dataset;
  write(): ArrayBuffer;
}
const data = (
  dcmjs as unknown as {
    data: {
      DicomMessage: { readFile(buffer: ArrayBuffer): DicomDictLike };
    };
  }
).data;

/** The new UID of an original UID of this CT, for one patient (stable). */
export function remappedUid(patientKey: string, originalUid: string): string {
  return uidFromName(`twinscope-demo-tcia|${patientKey}|${originalUid}`);
}

export interface TciaLiverFile {
  name: string;
  bytes: Uint8Array;
  studyUid: string;
  seriesUid: string;
}

/**
 * The CT's files with identity rewritten for `identity`; `patientKey` (the FHIR id) seeds the
 * UID remapping. Throws naming the folder when the files are missing.
 */
export function tciaLiverFiles(patientKey: string, identity: DemoIdentity, dir = TCIA_LIVER_DIR): TciaLiverFile[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.dcm'))
      .sort();
  } catch {
    throw new Error(`the demo liver CT is missing: no folder ${dir} (it ships with the repository in test-data/)`);
  }
  if (names.length !== TCIA_LIVER_SLICES) throw new Error(`the demo liver CT in ${dir} has ${names.length} slices, expected ${TCIA_LIVER_SLICES}`);
  return names.map((name) => {
    const raw = readFileSync(join(dir, name));
    const dict = data.DicomMessage.readFile(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer);
    // Edited in DICOM JSON form (tag → {vr, Value}) so the private GE/CTP elements pass through untouched.
    const ds = dict.dict as Record<string, { vr: string; Value?: unknown[] }>;
    const set = (tag: string, vr: string, value: unknown): void => {
      ds[tag] = { vr, Value: [value] };
    };
    const remap = (tag: string): string => {
      const uid = remappedUid(patientKey, String(ds[tag]?.Value?.[0] ?? ''));
      set(tag, 'UI', uid);
      return uid;
    };
    set('00100020', 'LO', identity.patientId);
    set('00100010', 'PN', { Alphabetic: identity.patientName });
    set('00100030', 'DA', identity.patientBirthDate);
    set('00100040', 'CS', identity.patientSex);
    delete ds['00101010']; // PatientAge: the source patient's, not the demo patient's
    const studyUid = remap('0020000D');
    const seriesUid = remap('0020000E');
    const sopUid = remap('00080018');
    remap('00200052');
    set('0008103E', 'LO', TCIA_LIVER_SERIES_DESCRIPTION);
    // File meta: the SOP Instance UID there must match the dataset's.
    (dict.meta as Record<string, { vr: string; Value: unknown[] }>)['00020003'] = { vr: 'UI', Value: [sopUid] };
    return { name, bytes: new Uint8Array(dict.write()), studyUid, seriesUid };
  });
}
