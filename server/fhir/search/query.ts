// Normalises a raw search query before medplum parses it, for what its parser would lose:
//  - a reference parameter with a type modifier (`subject:Patient=123`) becomes `subject=Patient/123`
//    (FHIR R4 search §3.1.1.4.9); the parser would read the modifier as "equals" and drop the type;
//  - any other modifier the store does not implement is refused (the parser maps unknown modifiers
//    to "equals", which would silently widen a search).
import { badRequest, getSearchParameter, isResourceType, OperationOutcomeError, splitSearchOnComma } from '@medplum/core';

export type RawQuery = Record<string, string | string[]>;

const MODIFIERS = new Set(['missing', 'present', 'not', 'exact', 'contains']);

export function normaliseSearchQuery(resourceType: string, query: RawQuery): RawQuery {
  const out: RawQuery = {};
  const add = (key: string, value: string | string[]): void => {
    const prior = out[key];
    if (prior === undefined) out[key] = value;
    else out[key] = [...(Array.isArray(prior) ? prior : [prior]), ...(Array.isArray(value) ? value : [value])];
  };
  for (const [key, value] of Object.entries(query)) {
    const base = key.split(':')[0] ?? key;
    const type = base.startsWith('_') ? undefined : getSearchParameter(resourceType, base)?.type;
    if (type === 'composite' || type === 'special') {
      throw new OperationOutcomeError(badRequest(`search parameter ${base.slice(0, 64)} (${type}) is not supported by this server`));
    }
    const colon = key.indexOf(':');
    if (colon < 0 || key.startsWith('_has')) {
      add(key, value);
      continue;
    }
    const code = key.slice(0, colon);
    const modifier = key.slice(colon + 1);
    const param = getSearchParameter(resourceType, code);
    if (param?.type === 'reference' && isResourceType(modifier)) {
      const values = (Array.isArray(value) ? value : [value]).map((v) =>
        splitSearchOnComma(v)
          .map((one) => (one.includes('/') ? one : `${modifier}/${one}`))
          .join(','),
      );
      add(code, values.length === 1 ? (values[0] as string) : values);
      continue;
    }
    if (!MODIFIERS.has(modifier)) {
      throw new OperationOutcomeError(badRequest(`search modifier :${modifier.slice(0, 32)} on ${code.slice(0, 64)} is not supported by this server`));
    }
    add(key, value);
  }
  return out;
}
