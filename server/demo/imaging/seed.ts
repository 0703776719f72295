// Seeds the demo CTs into the embedded DICOM store and links them to the demo patients with
// FHIR ImagingStudy (study UID as identifier urn:dicom:uid, the series, an Endpoint to
// /dicomweb). Idempotent: a study already complete in the store is not generated again, and
// the ImagingStudy is only written when it lacks the link.
import type { Endpoint, ImagingStudy, Patient } from '@medplum/fhirtypes';
import type { FhirStore } from '../../fhir/store';
import type { DicomStore } from '../../dicomweb/store';
import { DEMO_LIVER_IMAGING_STUDY, DEMO_PATIENT_AS, DEMO_PATIENT_LIVER, MRN_SYSTEM } from '../ids';
import { DEMO_AS_IMAGING_STUDY, DEMO_DICOMWEB_ENDPOINT } from './ids';
import type { ImageVolume } from '../../../core/domain/imaging';
import { DEMO_PHANTOM_OPTIONS, generatePhantomInSlabs, type PhantomOptions } from './phantom';
import { uidFromName, writeCtSlice, type CtSeriesHeader } from './writer';

export interface DemoCtSpec {
  patientId: string;
  imagingStudyId: string;
  seed: number;
  liverLesion: boolean;
  aorticValveCalcification: boolean;
  studyDescription: string;
  seriesDescription: string;
  bodyPart: string;
  /** SNOMED CT body site of the series. */
  bodySite: { code: string; display: string };
}

export const DEMO_CT_STUDIES: readonly DemoCtSpec[] = [
  {
    patientId: DEMO_PATIENT_LIVER,
    imagingStudyId: DEMO_LIVER_IMAGING_STUDY,
    seed: 58,
    liverLesion: true,
    aorticValveCalcification: false,
    studyDescription: 'CT abdomen with contrast, portal venous phase (planning)',
    seriesDescription: 'CT thorax-abdomen 1.5 mm portal venous',
    bodyPart: 'ABDOMEN',
    bodySite: { code: '818981001', display: 'Abdomen' },
  },
  {
    patientId: DEMO_PATIENT_AS,
    imagingStudyId: DEMO_AS_IMAGING_STUDY,
    seed: 72,
    liverLesion: false,
    aorticValveCalcification: true,
    studyDescription: 'CT thorax and abdomen with contrast (TAVI work-up)',
    seriesDescription: 'CT thorax-abdomen 1.5 mm contrast',
    bodyPart: 'CHEST',
    bodySite: { code: '51185008', display: 'Thorax' },
  },
];

/** The deterministic DICOM UIDs of one demo patient's CT. */
export function demoCtUids(patientId: string): { study: string; series: string; frameOfReference: string; sopRoot: string } {
  return {
    study: uidFromName(`twinscope-demo-ct|${patientId}|study`),
    series: uidFromName(`twinscope-demo-ct|${patientId}|series`),
    frameOfReference: uidFromName(`twinscope-demo-ct|${patientId}|frame-of-reference`),
    // Shorter root so "root.slice" stays within 64 characters.
    sopRoot: uidFromName(`twinscope-demo-ct|${patientId}|sop`).slice(0, 40),
  };
}

/**
 * The exact phantom options of a demo patient's seeded CT, so the Anatomy work can regenerate
 * its ground-truth label map (phantomLabelVolume) on the same grid as the stored series.
 */
export function demoCtPhantomOptions(patientId: string): PhantomOptions | undefined {
  const spec = DEMO_CT_STUDIES.find((s) => s.patientId === patientId);
  if (!spec) return undefined;
  return { ...DEMO_PHANTOM_OPTIONS, seed: spec.seed, liverLesion: spec.liverLesion, aorticValveCalcification: spec.aorticValveCalcification };
}

export interface SeedImagingOptions {
  signal?: AbortSignal;
  /** Smaller phantoms for tests; the demo uses DEMO_PHANTOM_OPTIONS. */
  phantom?: Partial<Pick<PhantomOptions, 'dimensions' | 'spacingMm' | 'noiseSdHu'>>;
}

export interface SeedImagingResult {
  generated: string[];
  alreadyPresent: string[];
  /** Patients not in the FHIR store (demo record not seeded): nothing to link to. */
  skipped: string[];
  instancesWritten: number;
}

/** Slices per store batch (one index transaction, one folder fsync each). */
const WRITE_BATCH = 8;
/** Slices painted per turn of the event loop: ~15–30 ms of work at the demo size on a loaded machine. */
const SLICES_PER_SLAB = 2;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function dicomDate(iso: string | undefined): { date: string; time: string } {
  const d = iso ? new Date(iso) : new Date();
  const t = Number.isNaN(d.getTime()) ? new Date() : d;
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return { date: `${t.getUTCFullYear()}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}`, time: `${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}` };
}

export function demoEndpoint(): Endpoint {
  return {
    resourceType: 'Endpoint',
    id: DEMO_DICOMWEB_ENDPOINT,
    status: 'active',
    name: 'Twinscope DICOMweb',
    connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'dicom-wado-rs' },
    payloadType: [{ coding: [{ system: 'http://hl7.org/fhir/endpoint-payload-type', code: 'DICOM' }], text: 'DICOM' }],
    payloadMimeType: ['application/dicom'],
    address: '/dicomweb',
  };
}

export async function seedDemoImaging(store: DicomStore, fhir: FhirStore, options: SeedImagingOptions = {}): Promise<SeedImagingResult> {
  const result: SeedImagingResult = { generated: [], alreadyPresent: [], skipped: [], instancesWritten: 0 };
  const phantomBase = { ...DEMO_PHANTOM_OPTIONS, ...options.phantom };
  const nz = phantomBase.dimensions[2];
  for (const spec of DEMO_CT_STUDIES) {
    if (options.signal?.aborted) break;
    const patient = await fhir.read<Patient>('Patient', spec.patientId);
    if (!patient) {
      result.skipped.push(spec.patientId);
      continue;
    }
    const uids = demoCtUids(spec.patientId);
    const existing = await fhir.read<ImagingStudy>('ImagingStudy', spec.imagingStudyId);
    const stored = store.study(uids.study);
    if (stored && stored.instance_count >= nz) {
      result.alreadyPresent.push(spec.patientId);
    } else {
      const when = dicomDate(existing?.started);
      const name = patient.name?.[0];
      const header: CtSeriesHeader = {
        patientId: patient.identifier?.find((i) => i.system === MRN_SYSTEM)?.value ?? spec.patientId,
        patientName: `${name?.family ?? ''}^${name?.given?.[0] ?? ''}`,
        patientBirthDate: (patient.birthDate ?? '').replace(/-/g, ''),
        patientSex: patient.gender === 'female' ? 'F' : patient.gender === 'male' ? 'M' : patient.gender === 'other' ? 'O' : '',
        studyInstanceUid: uids.study,
        seriesInstanceUid: uids.series,
        frameOfReferenceUid: uids.frameOfReference,
        sopInstanceUidRoot: uids.sopRoot,
        studyDate: when.date,
        studyTime: when.time,
        accessionNumber: `ACC-${spec.seed}`,
        studyDescription: spec.studyDescription,
        seriesDescription: spec.seriesDescription,
        seriesNumber: 2,
        bodyPartExamined: spec.bodyPart,
        windowCenter: 40,
        windowWidth: 400,
      };
      // Generated a few slices at a time and written as the slices become final, with the event
      // loop turning between every step (phantom slab, DICOM encoding of one slice, async file
      // writes): a first start stays responsive — /healthz, sign-in, /fhir — while this runs.
      let written = 0;
      const writeUpTo = async (ct: ImageVolume, kHi: number): Promise<void> => {
        // Whole batches while generating; the remainder once the last slab is done.
        while (kHi - written >= WRITE_BATCH || (kHi === nz && written < kHi)) {
          const files: Uint8Array[] = [];
          for (let k = written; k < Math.min(kHi, written + WRITE_BATCH); k++) {
            options.signal?.throwIfAborted(); // shutting down: stop between slices
            files.push(writeCtSlice(ct, k, header));
            await yieldToEventLoop();
          }
          // One index transaction and one folder fsync per batch; the file writes are async.
          for (const o of await store.putManyAsync(files)) {
            if (!o.ok) throw o.error;
            result.instancesWritten++;
          }
          written += files.length;
        }
      };
      try {
        await generatePhantomInSlabs(
          { ...demoCtPhantomOptions(spec.patientId)!, ...options.phantom },
          {
            slicesPerSlab: SLICES_PER_SLAB,
            ...(options.signal ? { signal: options.signal } : {}),
            onSlab: ({ ct }, kHi) => writeUpTo(ct, kHi),
          },
        );
      } catch (err) {
        if (options.signal?.aborted) return result; // shutting down: the next start completes the study
        throw err;
      }
      result.generated.push(spec.patientId);
    }
    const linked = existing?.identifier?.some((i) => i.system === 'urn:dicom:uid' && i.value === `urn:oid:${uids.study}`) && existing.series?.length;
    if (!linked) {
      const imagingStudy: ImagingStudy = {
        ...(existing ?? {}),
        resourceType: 'ImagingStudy',
        id: spec.imagingStudyId,
        identifier: [{ system: 'urn:dicom:uid', value: `urn:oid:${uids.study}` }],
        status: 'available',
        subject: { reference: `Patient/${spec.patientId}` },
        started: existing?.started ?? new Date().toISOString(),
        modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }],
        description: existing?.description ?? spec.studyDescription,
        endpoint: [{ reference: `Endpoint/${DEMO_DICOMWEB_ENDPOINT}` }],
        numberOfSeries: 1,
        numberOfInstances: nz,
        series: [
          {
            uid: uids.series,
            number: 2,
            modality: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' },
            description: spec.seriesDescription,
            numberOfInstances: nz,
            bodySite: { system: 'http://snomed.info/sct', code: spec.bodySite.code, display: spec.bodySite.display },
            endpoint: [{ reference: `Endpoint/${DEMO_DICOMWEB_ENDPOINT}` }],
          },
        ],
      };
      delete (imagingStudy as { meta?: unknown }).meta;
      await fhir.putAll([demoEndpoint(), imagingStudy]);
    }
  }
  return result;
}
