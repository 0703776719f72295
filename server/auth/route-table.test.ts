// The README's route × role matrix is the table the hooks decide with (generated, compared here).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTE_TABLE, renderRouteMatrix, rowAllows, rowOf } from './route-table';

describe('route × role table', () => {
  it('server/README.md holds the matrix generated from the table', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const begin = readme.indexOf('<!-- route-matrix:begin');
    const end = readme.indexOf('<!-- route-matrix:end -->');
    expect(begin).toBeGreaterThan(0);
    const block = readme.slice(readme.indexOf('\n', begin) + 1, end).trim();
    expect(block).toBe(renderRouteMatrix());
  });

  it('has one row per route and method, and denies what it does not name', () => {
    const seen = new Set<string>();
    for (const row of ROUTE_TABLE) for (const m of row.methods) {
      const key = `${m} ${row.route}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
    expect(rowOf('/api/admin/users', 'DELETE')).toBeUndefined();
    expect(rowOf('/api/new-thing', 'GET')).toBeUndefined();
    expect(rowOf('/dicomweb/studies', 'HEAD')?.route).toBe('/dicomweb/studies');
  });

  it('keeps the admin out of clinical data and everyone else out of user management', () => {
    const users = rowOf('/api/admin/users', 'POST')!;
    expect(['surgeon', 'cardiologist', 'clinician'].map((r) => rowAllows(users, r as never))).toEqual([false, false, false]);
    expect(rowAllows(users, 'admin')).toBe(true);
    expect(rowAllows(rowOf('/dicomweb/studies/:study', 'GET')!, 'admin')).toBe(false);
    expect(rowAllows(rowOf('/dicomweb/studies/:study', 'GET')!, null)).toBe(false);
  });
});
