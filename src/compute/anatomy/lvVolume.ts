// The left-ventricular blood-pool volume of a cardiac segmentation, published to the twin as an
// input for the Physiology engine's calibration (issue 5). Pure: recognises an LV blood pool by
// name, picks the volume to publish and builds the FHIR transaction; the view sends it.
//
// What is written (server/README.md "Consent and twin outputs"): one `transaction` Bundle with
//  - an Observation, LOINC 18026-5 "Left ventricular End diastolic volume" — a code that
//    src/ingest/fhir-vitals.ts maps to `lvedvMl`, so calibrateFromRecord fits it like an echo
//    LVEDV (the accepted LV volume codes are all echo-named; no CT-specific LOINC code is read
//    there, so the method text "CT segmentation" and a Twinscope coding say where it comes
//    from); value in mL (UCUM `mL`), subject = the patient, `derivedFrom` the ImagingStudy,
//    tagged `twin-output`, conditional create on its identifier (`ifNoneExist`), so publishing
//    the same measurement twice creates nothing new;
//  - a Provenance targeting it (PUT to an id derived from the same identifier: idempotent too),
//    tagged `twin-output`, naming the user (author), the meshing version (assembler) and the
//    sources: the ImagingStudy, the CT series and the segmentation.
// Assumption, stated in the Observation's note: the CT is a diastolic (or non-gated, mostly
// diastolic) phase, so the blood pool stands for end-diastolic volume.
import type { Bundle, BundleEntry, Observation, Provenance, ProvenanceEntity } from '@medplum/fhirtypes';
import { stableId, TWIN_TAG } from '../../../core/domain/twinRecords';
import { USER_SYSTEM } from './planDocument';

export const LV_VOLUME_LOINC = { system: 'http://loinc.org', code: '18026-5', display: 'Left ventricular End diastolic volume' } as const;
export const LV_VOLUME_LOCAL = {
  system: 'https://twinscope.dev/fhir/CodeSystem/anatomy-measurement',
  code: 'lv-blood-pool-volume-ct',
  display: 'Left-ventricular blood-pool volume from CT segmentation',
} as const;
export const LV_VOLUME_ID_SYSTEM = 'https://twinscope.dev/fhir/identifier/anatomy-lv-volume';
export const SEGMENTATION_ID_SYSTEM = 'https://twinscope.dev/fhir/identifier/segmentation';
export const LV_VOLUME_METHOD = 'CT segmentation';
/** SNOMED CT 87878005 "Left cardiac ventricular structure". */
const LV_BODY_SITE = { system: 'http://snomed.info/sct', code: '87878005', display: 'Left cardiac ventricular structure' } as const;

/**
 * The range src/ingest/fhir-vitals.ts accepts for `lvedvMl` (adults); a value outside it would be
 * flagged implausible there and skipped by the calibration, so it is refused here instead.
 */
export const LV_VOLUME_PLAUSIBLE_ML: readonly [number, number] = [20, 600];

/**
 * Whether a structure's name says it is the LV blood pool (cavity), not its wall: TotalSegmentator
 * `heart_ventricle_left` (also the demo phantom's label), `left_ventricle`, `LV`, `LV blood pool`,
 * `left ventricle cavity`, in any case with spaces, hyphens or underscores. Myocardium is refused.
 */
export function isLvBloodPoolName(name: string): boolean {
  const n = name.trim().toLowerCase().replace(/[\s-]+/g, '_');
  if (/myocard|wall|muscle/.test(n)) return false;
  return /^(heart_)?(ventricle_left|left_ventricle|left_ventricular)(_blood_pool|_cavity|_lumen)?$/.test(n) || /^lv(_blood_pool|_cavity|_lumen)?$/.test(n);
}

export interface LvStructure {
  label: number;
  name: string;
  meshVolumeMl: number;
  voxelVolumeMl: number;
  watertight: boolean;
}

export interface LvVolumeChoice {
  volumeMl: number;
  /** Which number was used: the closed surface's volume, or the voxel count when the surface is not closed. */
  basis: 'surface' | 'voxels';
}

/**
 * The volume to publish. The closed surface's volume is the better number for a thick structure
 * like the LV cavity (workers/meshing/README.md: heart mask final surface −0.00% vs voxels); a
 * surface that is not closed has no meaningful enclosed volume, so the voxel volume is used.
 */
export function lvVolumeOf(s: LvStructure): LvVolumeChoice {
  return s.watertight && Number.isFinite(s.meshVolumeMl) && s.meshVolumeMl > 0 ? { volumeMl: s.meshVolumeMl, basis: 'surface' } : { volumeMl: s.voxelVolumeMl, basis: 'voxels' };
}

export interface SegmentationSource {
  kind: 'dicom-series' | 'nifti' | 'dicom-seg' | 'generated';
  /** e.g. the DICOM-SEG SOP instance UID, the NIfTI file name, or the seeded segmentation's id. */
  id: string;
  description?: string;
}

export interface LvVolumeArgs {
  patientId: string;
  structure: LvStructure;
  /** FHIR id of the ImagingStudy holding the CT. */
  imagingStudyId: string;
  /** DICOM Series Instance UID of the CT, when known. */
  seriesInstanceUid?: string;
  segmentation: SegmentationSource;
  /** When the CT was acquired (ImagingStudy.started), else undefined: `publishedAt` is used. */
  acquiredAt?: string;
  /** ISO date-time of publishing. */
  publishedAt: string;
  user: { username: string; displayName: string };
  meshingVersion: string;
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

/** A deterministic RFC 4122-shaped id for the Observation's urn:uuid fullUrl inside the Bundle. */
function uuidFrom(seed: string): string {
  const h = [0, 1, 2, 3].map((i) => stableId('x', `${seed}:${i}`).slice(2, 10)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The idempotency key: same patient, CT, segmentation, structure and volume (0.1 mL) → same
 * Observation. Hashed into [A-Za-z0-9-] because it goes into an `If-None-Exist` search, where a
 * structure name's spaces, commas or `|` would change the query's meaning.
 */
export function lvVolumeIdentifier(a: Pick<LvVolumeArgs, 'patientId' | 'imagingStudyId' | 'seriesInstanceUid' | 'segmentation' | 'structure'>, volumeMl: number): string {
  return stableId('lvv', [a.patientId, a.seriesInstanceUid ?? a.imagingStudyId, a.segmentation.kind, a.segmentation.id, a.structure.name, round1(volumeMl).toFixed(1)].join('\u0000'));
}

/** The transaction Bundle (Observation + Provenance). Throws, naming the problem, on unusable input. */
export function lvVolumeBundle(a: LvVolumeArgs): Bundle {
  if (!a.patientId) throw new Error('LV volume: no patient');
  if (!a.imagingStudyId) throw new Error('LV volume: the CT has no ImagingStudy in the record, so the volume cannot say what it was derived from');
  if (!a.user.username) throw new Error('LV volume: sign in again (no user to name in the provenance)');
  const { volumeMl, basis } = lvVolumeOf(a.structure);
  const [lo, hi] = LV_VOLUME_PLAUSIBLE_ML;
  if (!Number.isFinite(volumeMl) || volumeMl < lo || volumeMl > hi) {
    throw new Error(`LV volume: ${a.structure.name} measures ${Number.isFinite(volumeMl) ? round1(volumeMl) : volumeMl} mL, outside the plausible ${lo}–${hi} mL of an adult LV blood pool; is it the right structure?`);
  }
  const value = lvVolumeIdentifier(a, volumeMl);
  const fullUrl = `urn:uuid:${uuidFrom(value)}`;
  const studyRef = `ImagingStudy/${a.imagingStudyId}`;
  const obs: Observation = {
    resourceType: 'Observation',
    meta: { tag: [{ ...TWIN_TAG }] },
    identifier: [{ system: LV_VOLUME_ID_SYSTEM, value }],
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'imaging', display: 'Imaging' }] }],
    code: { coding: [{ ...LV_VOLUME_LOINC }, { ...LV_VOLUME_LOCAL }], text: 'LV end-diastolic volume (CT segmentation, blood pool)' },
    subject: { reference: `Patient/${a.patientId}` },
    effectiveDateTime: a.acquiredAt ?? a.publishedAt,
    issued: a.publishedAt,
    valueQuantity: { value: round1(volumeMl), unit: 'mL', system: 'http://unitsofmeasure.org', code: 'mL' },
    method: { text: LV_VOLUME_METHOD },
    bodySite: { coding: [{ ...LV_BODY_SITE }] },
    derivedFrom: [{ reference: studyRef }],
    note: [
      {
        text:
          `Blood-pool volume of the segmented structure "${a.structure.name}" ` +
          (basis === 'surface' ? '(closed surface volume)' : '(voxel volume: the surface is not closed)') +
          '. Taken as end-diastolic: assumes a diastolic (or non-gated) CT phase.',
      },
    ],
  };
  const entity: ProvenanceEntity[] = [{ role: 'source', what: { reference: studyRef, display: 'CT imaging study' } }];
  if (a.seriesInstanceUid) entity.push({ role: 'source', what: { identifier: { system: 'urn:dicom:uid', value: `urn:oid:${a.seriesInstanceUid}` }, display: 'CT series' } });
  entity.push({
    role: 'derivation',
    what: { identifier: { system: SEGMENTATION_ID_SYSTEM, value: `${a.segmentation.kind}:${a.segmentation.id}` }, display: `segmentation (${a.segmentation.kind})${a.segmentation.description ? `: ${a.segmentation.description}` : ''}` },
  });
  const prov: Provenance & { id: string } = {
    resourceType: 'Provenance',
    id: stableId('anat-lv', value),
    meta: { tag: [{ ...TWIN_TAG }] },
    target: [{ reference: fullUrl }],
    recorded: a.publishedAt,
    activity: { text: 'LV blood-pool volume published from a CT segmentation' },
    agent: [
      { type: { text: 'author' }, who: { identifier: { system: USER_SYSTEM, value: a.user.username }, display: a.user.displayName || a.user.username } },
      { type: { text: 'assembler' }, who: { display: a.meshingVersion } },
    ],
    entity,
  };
  const entries: BundleEntry[] = [
    { fullUrl, resource: obs, request: { method: 'POST', url: 'Observation', ifNoneExist: `identifier=${LV_VOLUME_ID_SYSTEM}|${value}` } },
    { fullUrl: `Provenance/${prov.id}`, resource: prov, request: { method: 'PUT', url: `Provenance/${prov.id}` } },
  ];
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}
