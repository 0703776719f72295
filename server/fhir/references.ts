// Pure helpers over FHIR references and ids. No I/O.

/** FHIR R4 id syntax: https://hl7.org/fhir/R4/datatypes.html#id */
export const FHIR_ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export function isValidFhirId(id: string): boolean {
  return FHIR_ID_PATTERN.test(id);
}

/** FHIR resource type names are PascalCase ASCII words. */
export const RESOURCE_TYPE_PATTERN = /^[A-Z][A-Za-z]{1,63}$/;

/**
 * The patient id in a "Patient/{id}" reference (relative, absolute URL, or with a version), else undefined.
 */
export function patientIdFromReference(reference: unknown): string | undefined {
  if (typeof reference !== 'string') return undefined;
  const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return m?.[1];
}

function refOf(value: unknown): unknown {
  return value && typeof value === 'object' ? (value as { reference?: unknown }).reference : undefined;
}

/**
 * The patient a resource belongs to: the Patient itself, or its `subject`, `patient`, `for`
 * (Task) or `beneficiary` reference when that points at a Patient.
 */
export function patientIdOfResource(resource: { resourceType?: unknown; id?: unknown } & Record<string, unknown>): string | undefined {
  if (resource.resourceType === 'Patient') return typeof resource.id === 'string' ? resource.id : undefined;
  for (const field of ['subject', 'patient', 'for', 'beneficiary']) {
    const id = patientIdFromReference(refOf(resource[field]));
    if (id) return id;
  }
  return undefined;
}

/**
 * Every `reference` string anywhere in a resource (subject, patient, for, focus, target,
 * entity.what, basedOn, … and inside contained resources), in document order. Depth-limited.
 */
export function referencesIn(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 40 || typeof value !== 'object' || value === null) return out;
  if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, out, depth + 1);
    return out;
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'reference' && typeof v === 'string') out.push(v);
    else if (typeof v === 'object' && v !== null) referencesIn(v, out, depth + 1);
  }
  return out;
}
