// Ids of the demo imaging, beside the foundation's server/demo/ids.ts (which owns the liver CT's
// ImagingStudy id). Changing one breaks links: add, don't rename.

/** ImagingStudy of the aortic-stenosis patient's CT (TAVI work-up). */
export const DEMO_AS_IMAGING_STUDY = 'demo-as-ct';
/** The Endpoint every demo ImagingStudy points to: this server's /dicomweb. */
export const DEMO_DICOMWEB_ENDPOINT = 'twinscope-dicomweb';
