// Stable ids of the seeded demo record, for tests, deep links and the other server parts
// (feed, DICOM seeding). Changing one breaks links: add, don't rename.

/** (a) 72-year-old woman, severe aortic stenosis + essential hypertension; the monitored patient of the live feed. */
export const DEMO_PATIENT_AS = 'demo-as-72f';
/** (b) 64-year-old man, HFrEF (EF about 0.30) on metoprolol and furosemide. */
export const DEMO_PATIENT_HFREF = 'demo-hfref-64m';
/** (c) 58-year-old woman scheduled for liver resection. */
export const DEMO_PATIENT_LIVER = 'demo-liver-58f';
/** (d) Healthy 45-year-old reference. */
export const DEMO_PATIENT_HEALTHY = 'demo-healthy-45m';
/** (e) Patient with an active Consent denying digital-twin use. */
export const DEMO_PATIENT_NO_TWIN = 'demo-noconsent-67m';

export const DEMO_PATIENT_IDS = [DEMO_PATIENT_AS, DEMO_PATIENT_HFREF, DEMO_PATIENT_LIVER, DEMO_PATIENT_HEALTHY, DEMO_PATIENT_NO_TWIN] as const;

/** The patient whose monitor the demo feed simulates. */
export const DEMO_MONITORED_PATIENT = DEMO_PATIENT_AS;

/** Placeholder ImagingStudy of patient (c); the DICOM seeding fills in its series (PUT with this id). */
export const DEMO_LIVER_IMAGING_STUDY = 'demo-liver-ct';
/** The planned resection (ServiceRequest) of patient (c). */
export const DEMO_LIVER_RESECTION_REQUEST = 'demo-liver-resection';
/** The Consent of patient (e) that denies digital-twin. */
export const DEMO_NO_TWIN_CONSENT = 'demo-noconsent-67m-consent';

/** Identifier system of medical record numbers. */
export const MRN_SYSTEM = 'urn:twinscope:mrn';
