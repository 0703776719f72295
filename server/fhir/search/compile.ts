// Compiles a parsed FHIR search (medplum's SearchRequest) to SQL over the index tables
// (schema.ts). Semantics follow medplum's matcher (@medplum/core match.ts), which the store is
// cross-checked against, and FHIR R4 search where the matcher has none:
//  token      code | system|code | |code | system| ; case-insensitive; :not; comma = OR
//  reference  Type/id exact; a bare id matches that id of any type (FHIR); type modifiers are
//             rewritten to Type/id before parsing (query.ts)
//  date       eq ne gt lt ge le sa eb ap on the value's period, as the matcher compares them
//  string     default and :contains = case-insensitive substring (the matcher's rule);
//             :exact = the whole value, case-sensitive (FHIR)
//  uri        exact (FHIR)
//  quantity, number  eq (within the value's implicit precision, FHIR) ne gt lt ge le ap (±10 %),
//             with |system|code or ||code
//  any        :missing=true|false
// _sort on any indexed parameter (several keys, "-" = descending): ascending by the smallest
// value, descending by the largest (HAPI's rule), missing values last ascending and first
// descending (where medplum's MemoryRepository puts them), ties in creation order. Paging is
// by _offset or, stable under concurrent writes, by keyset cursor (_cursor).
import { badRequest, OperationOutcomeError, Operator, splitSearchOnComma, toPeriod, type Filter, type SearchRequest } from '@medplum/core';
import { createHash } from 'node:crypto';
import type { IndexedParam, ParamRegistry } from './params';
import { NO_DATE, TIMELINE_TABLE, timelineSpec } from './timeline';

export type SqlArg = string | number | null;

export interface CompiledSearch {
  /** Matching rows of fhir_current as `c`, with sort keys k0…: SELECT c.rid, c.seq, k… FROM … WHERE … */
  selectSql: string;
  selectArgs: SqlArg[];
  /** SELECT COUNT(*) of the same matches. */
  countSql: string;
  countArgs: SqlArg[];
  /** ORDER BY over the select's columns (aliased s). */
  orderBy: string;
  sortCount: number;
  directions: boolean[];
  /**
   * The matches come from an index in the page's order (the timeline plan): a page reads only
   * its rows, so the total is a separate COUNT over the same index rather than a window over
   * every match (which would read and sort them all).
   */
  pageInIndexOrder?: boolean;
  /** Identifies the query (filters and sort) so that a cursor is only used with its own query (computed on use). */
  readonly queryHash: string;
}

function bad(message: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(message));
}

interface Condition {
  sql: string;
  args: SqlArg[];
}

const ALLOWED: Record<IndexedParam['type'], ReadonlySet<string>> = {
  token: new Set([Operator.EQUALS, Operator.NOT]),
  reference: new Set([Operator.EQUALS, Operator.NOT]),
  string: new Set([Operator.EQUALS, Operator.CONTAINS, Operator.EXACT]),
  uri: new Set([Operator.EQUALS]),
  date: new Set([Operator.EQUALS, Operator.NOT_EQUALS, Operator.GREATER_THAN, Operator.LESS_THAN, Operator.GREATER_THAN_OR_EQUALS, Operator.LESS_THAN_OR_EQUALS, Operator.STARTS_AFTER, Operator.ENDS_BEFORE, Operator.APPROXIMATELY]),
  quantity: new Set([Operator.EQUALS, Operator.NOT_EQUALS, Operator.GREATER_THAN, Operator.LESS_THAN, Operator.GREATER_THAN_OR_EQUALS, Operator.LESS_THAN_OR_EQUALS, Operator.APPROXIMATELY]),
  number: new Set([Operator.EQUALS, Operator.NOT_EQUALS, Operator.GREATER_THAN, Operator.LESS_THAN, Operator.GREATER_THAN_OR_EQUALS, Operator.LESS_THAN_OR_EQUALS, Operator.APPROXIMATELY]),
};

function tokenCondition(value: string): Condition {
  if (value.includes('|')) {
    const [systemRaw = '', codeRaw = ''] = value.split('|');
    const system = systemRaw.toLowerCase();
    const code = codeRaw.toLowerCase();
    if (!system && !code) return { sql: '0', args: [] };
    if (!system) return { sql: '(x.system IS NULL AND x.value = ?)', args: [code] };
    if (!code) return { sql: 'x.system = ?', args: [system] };
    return { sql: '(x.value = ? AND x.system = ?)', args: [code, system] };
  }
  return { sql: 'x.value = ?', args: [value.toLowerCase()] };
}

function dateCondition(operator: Filter['operator'], value: string): Condition {
  let period;
  try {
    period = toPeriod(value);
  } catch {
    period = undefined;
  }
  if (!period?.start || !period.end) throw bad(`invalid date "${value.slice(0, 40)}": use YYYY, YYYY-MM, YYYY-MM-DD or a dateTime`);
  const start = period.start;
  const end = period.end;
  switch (operator) {
    case Operator.EQUALS:
    case Operator.NOT_EQUALS:
    case Operator.APPROXIMATELY:
      return { sql: '(x.lo < ? AND x.hi > ?)', args: [end, start] };
    case Operator.LESS_THAN:
      return { sql: 'x.lo < ?', args: [start] };
    case Operator.GREATER_THAN:
      return { sql: 'x.hi > ?', args: [end] };
    case Operator.LESS_THAN_OR_EQUALS:
      return { sql: 'x.lo <= ?', args: [end] };
    case Operator.GREATER_THAN_OR_EQUALS:
      return { sql: 'x.hi >= ?', args: [start] };
    case Operator.STARTS_AFTER:
      return { sql: 'x.lo > ?', args: [end] };
    case Operator.ENDS_BEFORE:
      return { sql: 'x.hi < ?', args: [start] };
    default:
      throw bad(`date prefix ${operator} is not supported`);
  }
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function quantityCondition(operator: Filter['operator'], raw: string, type: 'quantity' | 'number'): Condition {
  const parts = raw.split('|');
  const numberText = parts[0] ?? '';
  if (!NUMBER.test(numberText)) throw bad(`invalid ${type} "${raw.slice(0, 40)}": expected a number${type === 'quantity' ? ', optionally |system|code' : ''}`);
  if (type === 'number' && parts.length > 1) throw bad(`invalid number "${raw.slice(0, 40)}": a number parameter takes no unit`);
  if (parts.length !== 1 && parts.length !== 3) throw bad(`invalid quantity "${raw.slice(0, 40)}": use number, number|system|code or number||code`);
  const n = Number(numberText);
  const conds: string[] = [];
  const args: SqlArg[] = [];
  switch (operator) {
    case Operator.EQUALS:
    case Operator.NOT_EQUALS: {
      // FHIR: eq 5.4 means the range 5.35 ≤ v < 5.45 (the value's implicit precision).
      const mantissa = numberText.replace(/^[+-]/, '').split(/[eE]/)[0] ?? '';
      const exponent = Number(numberText.split(/[eE]/)[1] ?? 0);
      const decimals = (mantissa.split('.')[1] ?? '').length - exponent;
      const half = 0.5 * 10 ** -decimals;
      conds.push('x.value >= ? AND x.value < ?');
      args.push(n - half, n + half);
      break;
    }
    case Operator.GREATER_THAN:
      conds.push('x.value > ?');
      args.push(n);
      break;
    case Operator.LESS_THAN:
      conds.push('x.value < ?');
      args.push(n);
      break;
    case Operator.GREATER_THAN_OR_EQUALS:
      conds.push('x.value >= ?');
      args.push(n);
      break;
    case Operator.LESS_THAN_OR_EQUALS:
      conds.push('x.value <= ?');
      args.push(n);
      break;
    case Operator.APPROXIMATELY:
      conds.push('x.value >= ? AND x.value <= ?');
      args.push(n - Math.abs(n) * 0.1, n + Math.abs(n) * 0.1);
      break;
    default:
      throw bad(`${type} prefix ${operator} is not supported`);
  }
  if (parts.length === 3) {
    const system = parts[1] ?? '';
    const code = parts[2] ?? '';
    if (system) {
      conds.push('x.system = ?');
      args.push(system);
      if (code) {
        conds.push('x.code = ?');
        args.push(code);
      }
    } else if (code) {
      conds.push('(x.code = ? OR x.unit = ?)');
      args.push(code, code);
    }
  }
  return { sql: `(${conds.join(' AND ')})`, args };
}

function valueCondition(param: IndexedParam, filter: Filter, value: string): Condition {
  switch (param.type) {
    case 'token':
      return tokenCondition(value);
    case 'reference':
      return value.includes('/') ? { sql: 'x.target = ?', args: [value] } : { sql: 'x.target_id = ?', args: [value] };
    case 'date':
      return dateCondition(filter.operator, value);
    case 'string':
      return filter.operator === Operator.EXACT ? { sql: '(x.norm = ? AND x.value = ?)', args: [value.toLowerCase(), value] } : { sql: 'instr(x.norm, ?) > 0', args: [value.toLowerCase()] };
    case 'uri':
      return { sql: 'x.value = ?', args: [value] };
    case 'quantity':
    case 'number':
      return quantityCondition(filter.operator, value, param.type);
  }
}

/** How well a positive filter narrows the candidates from its index (lower = better driver). */
function driverRank(param: IndexedParam, filter: Filter): number {
  switch (param.type) {
    case 'reference':
      return filter.value.includes('/') ? 1 : 3;
    case 'token':
      return filter.value.includes('|') ? 2 : 3;
    case 'uri':
      return 3;
    case 'string':
      return filter.operator === Operator.EXACT ? 4 : 9;
    case 'date':
      return 6;
    case 'quantity':
    case 'number':
      return 7;
  }
}

interface CompiledFilter {
  param: IndexedParam;
  negated: boolean;
  /** Undefined for :missing/:present (the existence of any row is the test). */
  condition?: Condition;
  rank: number;
}

function compileFilter(registry: ParamRegistry, resourceType: string, filter: Filter): CompiledFilter {
  const param = registry.get(resourceType, filter.code);
  if (!param) throw bad(`search parameter "${filter.code.slice(0, 64)}" is not supported for ${resourceType} by this server`);
  if (filter.operator === Operator.MISSING || filter.operator === Operator.PRESENT) {
    if (filter.value !== 'true' && filter.value !== 'false') throw bad(`:${filter.operator} takes true or false`);
    const wantPresent = (filter.operator === Operator.MISSING) === (filter.value === 'false');
    return { param, negated: !wantPresent, rank: 99 };
  }
  if (!ALLOWED[param.type].has(filter.operator)) {
    throw bad(`${filter.code}: "${filter.operator}" is not supported on a ${param.type} parameter by this server`);
  }
  const values = splitSearchOnComma(filter.value);
  if (values.length === 0 || values.some((v) => v === '')) throw bad(`${filter.code}: empty search value`);
  const conds = values.map((v) => valueCondition(param, filter, v));
  const condition: Condition = conds.length === 1 ? (conds[0] as Condition) : { sql: `(${conds.map((c) => c.sql).join(' OR ')})`, args: conds.flatMap((c) => c.args) };
  const negated = filter.operator === Operator.NOT || filter.operator === Operator.NOT_EQUALS;
  return { param, negated, condition, rank: negated ? 99 : driverRank(param, filter) };
}

const SORT_COLUMN: Record<IndexedParam['table'], [asc: string, desc: string]> = {
  idx_token: ['MIN(+x.value)', 'MAX(+x.value)'],
  idx_ref: ['MIN(+x.target)', 'MAX(+x.target)'],
  idx_date: ['MIN(+x.lo)', 'MAX(+x.hi)'],
  idx_string: ['MIN(+x.norm)', 'MAX(+x.norm)'],
  idx_uri: ['MIN(+x.value)', 'MAX(+x.value)'],
  idx_quantity: ['MIN(+x.value)', 'MAX(+x.value)'],
};

/**
 * The patient timeline plan (timeline.ts): a reference filter on `patient`/`subject` with one
 * Type/id value, a `code` filter with one `code` or `system|code` value, sorted by `date` alone.
 * Returns the indexes (in the filters) of the two filters it answers and the index row's keys.
 */
function timelinePlan(registry: ParamRegistry, request: SearchRequest, filters: readonly CompiledFilter[]): { refAt: number; codeAt: number; args: SqlArg[]; descending: boolean } | undefined {
  const sort = request.sortRules ?? [];
  if (sort.length !== 1 || sort[0]?.code !== 'date') return undefined;
  const spec = timelineSpec(registry, request.resourceType);
  if (!spec) return undefined;
  const raw = request.filters ?? [];
  const single = (i: number): string | undefined => {
    const f = raw[i];
    if (!f || f.operator !== Operator.EQUALS || filters[i]?.negated) return undefined;
    const values = splitSearchOnComma(f.value);
    return values.length === 1 ? values[0] : undefined;
  };
  const refAt = filters.findIndex((f, i) => {
    const prefix = spec.searchable.get(f.param.pid);
    const v = single(i);
    return prefix !== undefined && v !== undefined && v.includes('/') && v.startsWith(prefix);
  });
  const codeAt = filters.findIndex((f, i) => {
    if (f.param.pid !== spec.codePid) return false;
    const v = single(i);
    if (!v) return false;
    const bar = v.indexOf('|');
    // `|code` (no system) and `system|` are left to the general plan.
    return bar < 0 || (bar > 0 && bar < v.length - 1 && v.indexOf('|', bar + 1) < 0);
  });
  if (refAt < 0 || codeAt < 0) return undefined;
  const code = single(codeAt) as string;
  const bar = code.indexOf('|');
  const [system, value] = bar < 0 ? ['', code] : [code.slice(0, bar), code.slice(bar + 1)];
  return { refAt, codeAt, args: [spec.refPid, single(refAt) as string, value.toLowerCase(), system.toLowerCase()], descending: Boolean(sort[0]?.descending) };
}

/** `options.timeline: false` while the timeline index is still being built (DurableRepository.timelineStep). */
export function compileSearch(registry: ParamRegistry, request: SearchRequest, options: { timeline?: boolean } = {}): CompiledSearch {
  const type = request.resourceType;
  const filters = (request.filters ?? []).map((f) => compileFilter(registry, type, f));
  const timeline = options.timeline === false ? undefined : timelinePlan(registry, request, filters);
  if (timeline) return compileTimelineSearch(request, filters, timeline);
  const driver = filters.filter((f) => !f.negated && f.condition).sort((a, b) => a.rank - b.rank)[0];

  const where: string[] = ['c.resource_type = ?'];
  const whereArgs: SqlArg[] = [type];
  for (const f of filters) {
    const cond = f.condition ? ` AND ${f.condition.sql}` : '';
    const args = f.condition?.args ?? [];
    if (f === driver && f.condition) {
      where.push(`c.rid IN (SELECT x.rid FROM ${f.param.table} x WHERE x.pid = ?${cond})`);
    } else {
      // `+x.pid` (SQLite's no-op that disables an index on a term): probe this one resource's
      // rows through the primary key (rid, pid, n), never a scan of a value index by pid.
      where.push(`${f.negated ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${f.param.table} x WHERE x.rid = c.rid AND +x.pid = ?${cond})`);
    }
    whereArgs.push(f.param.pid, ...args);
  }

  const keyCols: string[] = [];
  const keyArgs: SqlArg[] = [];
  const order: string[] = [];
  const directions: boolean[] = [];
  for (const [i, rule] of (request.sortRules ?? []).entries()) {
    const param = registry.get(type, rule.code);
    if (!param) throw bad(`cannot sort ${type} by "${rule.code.slice(0, 64)}": not a supported search parameter`);
    const column = SORT_COLUMN[param.table][rule.descending ? 1 : 0];
    // `+` again: otherwise SQLite's min/max optimisation walks the value index (pid, value) from
    // its end until it meets this rid.
    keyCols.push(`(SELECT ${column} FROM ${param.table} x WHERE x.rid = c.rid AND +x.pid = ?) AS k${i}`);
    keyArgs.push(param.pid);
    order.push(rule.descending ? `(s.k${i} IS NULL) DESC, s.k${i} DESC` : `(s.k${i} IS NULL), s.k${i}`);
    directions.push(Boolean(rule.descending));
  }
  order.push('s.rid');

  const whereSql = where.join(' AND ');
  return {
    get queryHash(): string {
      return queryHashOf(request);
    },
    selectSql: `SELECT c.rid AS rid, c.seq AS seq${keyCols.map((k) => `, ${k}`).join('')} FROM fhir_current c WHERE ${whereSql}`,
    selectArgs: [...keyArgs, ...whereArgs],
    countSql: `SELECT COUNT(*) FROM fhir_current c WHERE ${whereSql}`,
    countArgs: whereArgs,
    orderBy: order.join(', '),
    sortCount: keyCols.length,
    directions,
  };
}

/**
 * The timeline plan's SQL: the rows of idx_timeline for the patient and code, in the sort's
 * order (its own index), the other filters probed per resource as in the general plan. Same
 * columns, order, total and cursor as the general plan (k0 is the same sort key, NULL when the
 * resource has no date; ks is k0 with NULL as NO_DATE, which the index is ordered by).
 */
function compileTimelineSearch(request: SearchRequest, filters: readonly CompiledFilter[], plan: { refAt: number; codeAt: number; args: SqlArg[]; descending: boolean }): CompiledSearch {
  const where: string[] = ['c.ref_pid = ? AND c.target = ? AND c.value = ? AND c.system = ?'];
  const whereArgs: SqlArg[] = [...plan.args];
  filters.forEach((f, i) => {
    if (i === plan.refAt || i === plan.codeAt) return;
    where.push(`${f.negated ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${f.param.table} x WHERE x.rid = c.rid AND +x.pid = ?${f.condition ? ` AND ${f.condition.sql}` : ''})`);
    whereArgs.push(f.param.pid, ...(f.condition?.args ?? []));
  });
  const key = plan.descending ? 'kdesc' : 'kasc';
  const whereSql = where.join(' AND ');
  return {
    get queryHash(): string {
      return queryHashOf(request);
    },
    selectSql: `SELECT c.rid AS rid, c.seq AS seq, NULLIF(c.${key}, '${NO_DATE}') AS k0, c.${key} AS ks FROM ${TIMELINE_TABLE} c INDEXED BY idx_timeline_${plan.descending ? 'desc' : 'asc'} WHERE ${whereSql}`,
    selectArgs: whereArgs,
    countSql: `SELECT COUNT(*) FROM ${TIMELINE_TABLE} c WHERE ${whereSql}`,
    countArgs: whereArgs,
    orderBy: plan.descending ? 's.ks DESC, s.rid' : 's.ks, s.rid',
    sortCount: 1,
    directions: [plan.descending],
    pageInIndexOrder: true,
  };
}

const hashes = new WeakMap<SearchRequest, string>();

/** Identifies the query (type, filters, sort), whichever plan runs it: a cursor works with its own query only. */
function queryHashOf(request: SearchRequest): string {
  let hash = hashes.get(request);
  if (!hash) {
    hash = createHash('sha256')
      .update(JSON.stringify([request.resourceType, canonicalFilters(request.filters ?? []), request.sortRules ?? []]))
      .digest('base64url')
      .slice(0, 16);
    hashes.set(request, hash);
  }
  return hash;
}

/** The filters in a canonical order: the same search with its parameters in another order is the same query. */
function canonicalFilters(filters: readonly Filter[]): string[] {
  return filters.map((f) => JSON.stringify([f.code, f.operator, f.value])).sort();
}

// ---- keyset cursor ----

export interface Cursor {
  keys: SqlArg[];
  rid: number;
}

export function encodeCursor(compiled: CompiledSearch, cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ q: compiled.queryHash, k: cursor.keys, r: cursor.rid })).toString('base64url');
}

export function decodeCursor(compiled: CompiledSearch, text: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const c = parsed as { q?: unknown; k?: unknown; r?: unknown } | undefined;
  const keysOk = Array.isArray(c?.k) && c.k.length === compiled.sortCount && c.k.every((k) => k === null || typeof k === 'string' || typeof k === 'number');
  if (!c || !keysOk || typeof c.r !== 'number' || !Number.isSafeInteger(c.r)) throw bad('_cursor is not a cursor this server issued: follow the next link of the previous page');
  if (c.q !== compiled.queryHash) throw bad('_cursor belongs to a different search: follow the next link of the same search');
  return { keys: c.k as SqlArg[], rid: c.r };
}

/** WHERE condition (over alias s) for rows strictly after the cursor in the search's order. */
export function afterCursor(compiled: CompiledSearch, cursor: Cursor): Condition {
  // Components of the order, each with its direction: per key (is-null flag, value), then rid.
  const comps: { expr: string; desc: boolean; value: SqlArg }[] = [];
  compiled.directions.forEach((desc, i) => {
    const v = cursor.keys[i] ?? null;
    comps.push({ expr: `(s.k${i} IS NULL)`, desc, value: v === null ? 1 : 0 });
    comps.push({ expr: `s.k${i}`, desc, value: v });
  });
  comps.push({ expr: 's.rid', desc: false, value: cursor.rid });
  const ors: string[] = [];
  const args: SqlArg[] = [];
  comps.forEach((comp, i) => {
    const ands: string[] = [];
    for (let j = 0; j < i; j++) {
      const prev = comps[j] as (typeof comps)[number];
      ands.push(`${prev.expr} IS ?`);
      args.push(prev.value);
    }
    ands.push(`${comp.expr} ${comp.desc ? '<' : '>'} ?`);
    args.push(comp.value);
    ors.push(`(${ands.join(' AND ')})`);
  });
  return { sql: `(${ors.join(' OR ')})`, args };
}
