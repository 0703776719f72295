// Write-time extraction of search parameter values, the way HAPI FHIR and Medplum index: each
// parameter's FHIRPath (medplum's engine, the same expression its matcher evaluates) is run on the
// resource, and the values are converted with medplum's own search IR (convertToSearchable*), so
// that what is indexed is exactly what medplum's matcher compares. Values are stored normalised
// for the comparison the SQL makes: tokens and strings lower-cased (the matcher's
// case-insensitive compare), dates as the [start, end] instants of their period.
import {
  convertToSearchableDates,
  convertToSearchableNumbers,
  convertToSearchableQuantities,
  convertToSearchableReferences,
  convertToSearchableStrings,
  convertToSearchableTokens,
  convertToSearchableUris,
  toTypedValue,
  type TypedValue,
} from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { IndexedParam } from './params';

/** Open bounds of a period, as medplum's matcher substitutes them (match.ts matchesDateValue). */
export const DATE_MIN = '0000';
export const DATE_MAX = '9999';

export type TokenRow = [pid: number, n: number, system: string | null, value: string | null];
export type RefRow = [pid: number, n: number, target: string | null, targetId: string | null];
export type DateRow = [pid: number, n: number, lo: string | null, hi: string | null];
export type StringRow = [pid: number, n: number, value: string | null, norm: string | null];
export type UriRow = [pid: number, n: number, value: string | null];
export type QuantityRow = [pid: number, n: number, value: number | null, system: string | null, code: string | null, unit: string | null];

export interface ExtractedRows {
  token: TokenRow[];
  ref: RefRow[];
  date: DateRow[];
  string: StringRow[];
  uri: UriRow[];
  quantity: QuantityRow[];
}

export function emptyRows(): ExtractedRows {
  return { token: [], ref: [], date: [], string: [], uri: [], quantity: [] };
}

/** The id part of a reference "Type/id" or ".../Type/id" (for searches by id without a type). */
export function referenceId(target: string): string | null {
  const slash = target.lastIndexOf('/');
  if (slash <= 0 || slash === target.length - 1) return null;
  return target.slice(slash + 1);
}

/**
 * Rows for every indexed parameter of the resource. A parameter whose expression fails on this
 * resource (medplum's matcher would fail the same way) contributes nothing.
 */
export function extractRows(resource: Resource, params: readonly IndexedParam[], out: ExtractedRows = emptyRows()): ExtractedRows {
  const input = [toTypedValue(resource)];
  for (const p of params) {
    const atom = p.atom;
    if (!atom) continue;
    let values: TypedValue[];
    try {
      values = atom.eval({ variables: {} }, input);
    } catch {
      continue;
    }
    if (values.length === 0) continue;
    const before = countOf(out, p);
    try {
      addValues(out, p, values);
    } catch {
      // e.g. a malformed date makes medplum's toPeriod throw: index what converted before it.
    }
    // Present but nothing searchable (e.g. an Age where a date is indexed): a NULL row keeps :missing exact.
    if (countOf(out, p) === before) addPlaceholder(out, p);
  }
  return out;
}

function countOf(out: ExtractedRows, p: IndexedParam): number {
  switch (p.table) {
    case 'idx_token':
      return out.token.length;
    case 'idx_ref':
      return out.ref.length;
    case 'idx_date':
      return out.date.length;
    case 'idx_string':
      return out.string.length;
    case 'idx_uri':
      return out.uri.length;
    case 'idx_quantity':
      return out.quantity.length;
  }
}

function addPlaceholder(out: ExtractedRows, p: IndexedParam): void {
  switch (p.table) {
    case 'idx_token':
      out.token.push([p.pid, out.token.length, null, null]);
      break;
    case 'idx_ref':
      out.ref.push([p.pid, out.ref.length, null, null]);
      break;
    case 'idx_date':
      out.date.push([p.pid, out.date.length, null, null]);
      break;
    case 'idx_string':
      out.string.push([p.pid, out.string.length, null, null]);
      break;
    case 'idx_uri':
      out.uri.push([p.pid, out.uri.length, null]);
      break;
    case 'idx_quantity':
      out.quantity.push([p.pid, out.quantity.length, null, null, null, null]);
      break;
  }
}

function addValues(out: ExtractedRows, p: IndexedParam, values: TypedValue[]): void {
  switch (p.type) {
    case 'token':
      for (const t of convertToSearchableTokens(values)) {
        // The matcher treats an absent and an empty system alike (`!resourceValue.system`).
        out.token.push([p.pid, out.token.length, t.system ? t.system.toLowerCase() : null, t.value === undefined ? null : t.value.toLowerCase()]);
      }
      break;
    case 'reference':
      for (const target of convertToSearchableReferences(values)) {
        if (typeof target === 'string') out.ref.push([p.pid, out.ref.length, target, referenceId(target)]);
      }
      break;
    case 'date':
      for (const period of convertToSearchableDates(values)) {
        out.date.push([p.pid, out.date.length, period.start ?? DATE_MIN, period.end ?? DATE_MAX]);
      }
      break;
    case 'string':
      for (const s of convertToSearchableStrings(values)) out.string.push([p.pid, out.string.length, s, s.toLowerCase()]);
      break;
    case 'uri':
      for (const s of convertToSearchableUris(values)) out.uri.push([p.pid, out.uri.length, s]);
      break;
    case 'quantity':
      for (const q of convertToSearchableQuantities(values)) {
        if (typeof q.value !== 'number' || !Number.isFinite(q.value)) continue;
        out.quantity.push([p.pid, out.quantity.length, q.value, q.system ?? null, q.code ?? null, q.unit ?? null]);
      }
      break;
    case 'number':
      for (const [low, high] of convertToSearchableNumbers(values)) {
        const v = low ?? high;
        if (typeof v === 'number' && Number.isFinite(v)) out.quantity.push([p.pid, out.quantity.length, v, null, null, null]);
      }
      break;
  }
}
