// The Node version the README promises (package.json `engines.node`, its lowest version) must run
// every installed package: each `engines.node` range in package-lock.json has to admit it, so a
// dependency bump that needs a newer Node fails here instead of as an EBADENGINE warning on
// `npm ci` (or a crash) on a clinician's machine. Ranges are read with the npm semver grammar the
// lock file uses: `||` alternatives of space-separated comparators (`>=`, `>`, `<`, `<=`, `=`,
// `^`, `~`, x-ranges such as `20.x`, `*`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './boundaries.js';

type Version = [number, number, number];

function parseVersion(s: string): { v: Version; wild: number } {
  const parts = s.replace(/^v/, '').split('.');
  const nums: number[] = [];
  for (const p of parts.slice(0, 3)) {
    if (p === 'x' || p === 'X' || p === '*' || p === '') break;
    const n = Number(p);
    if (!Number.isInteger(n)) throw new Error(`not a version: "${s}"`);
    nums.push(n);
  }
  // `wild` = how many leading parts were given (an x-range or partial version leaves the rest open)
  return { v: [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 0], wild: nums.length };
}

function cmp(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** The exclusive upper bound of a partial version: 20 → 21.0.0, 20.3 → 20.4.0. */
function bump(v: Version, given: number): Version {
  if (given <= 1) return [v[0] + 1, 0, 0];
  if (given === 2) return [v[0], v[1] + 1, 0];
  return [v[0], v[1], v[2] + 1];
}

function satisfiesComparator(node: Version, c: string): boolean {
  if (c === '*' || c === '' || c === 'x') return true;
  const m = /^(>=|<=|>|<|=|\^|~)?(.+)$/.exec(c);
  if (!m) throw new Error(`unreadable comparator "${c}"`);
  const op = m[1] ?? '';
  const { v, wild } = parseVersion(m[2]!);
  switch (op) {
    case '>=':
      return cmp(node, v) >= 0;
    case '>':
      return wild < 3 ? cmp(node, bump(v, wild)) >= 0 : cmp(node, v) > 0;
    case '<':
      return cmp(node, v) < 0;
    case '<=':
      return wild < 3 ? cmp(node, bump(v, wild)) < 0 : cmp(node, v) <= 0;
    case '^': {
      const upper: Version = v[0] > 0 ? [v[0] + 1, 0, 0] : v[1] > 0 ? [0, v[1] + 1, 0] : [0, 0, v[2] + 1];
      return cmp(node, v) >= 0 && cmp(node, upper) < 0;
    }
    case '~':
      return cmp(node, v) >= 0 && cmp(node, bump(v, Math.min(wild, 2))) < 0;
    default:
      return wild < 3 ? cmp(node, v) >= 0 && cmp(node, bump(v, wild)) < 0 : cmp(node, v) === 0;
  }
}

export function satisfies(version: string, range: string): boolean {
  const node = parseVersion(version).v;
  return range.split('||').some((alt) => {
    const comparators = alt.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/);
    return comparators.every((c) => satisfiesComparator(node, c));
  });
}

describe('the range reader', () => {
  it.each([
    ['20.19.0', '>=18', true],
    ['20.19.0', '>=22.13', false],
    ['20.19.0', '^20.19.0 || >=22.12.0', true],
    ['20.18.9', '^20.19.0 || >=22.12.0', false],
    ['20.19.0', '20 || >=22', true],
    ['20.19.0', '18 || >=22', false],
    ['20.19.0', '20.x || 22.x', true],
    ['20.19.0', '>= 12.0.0', true],
    ['20.19.0', '*', true],
    ['20.19.0', '~20.18.0', false],
    ['20.19.0', '>=24', false],
    ['20.19.0', '>=18.0.0 <20.0.0', false],
  ])('node %s in "%s" → %s', (v, range, expected) => {
    expect(satisfies(v, range)).toBe(expected);
  });
});

describe('package-lock.json and the promised Node', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; engines?: Record<string, string> | string[]; dev?: boolean; optional?: boolean }>;
  };
  const promised = /^>=\s*(\d+\.\d+\.\d+)$/.exec(pkg.engines.node.trim());

  it('package.json states its lowest Node as ">=X.Y.Z"', () => {
    expect(promised, `engines.node is "${pkg.engines.node}"`).not.toBeNull();
  });

  it('every installed package runs on it (npm ci prints no EBADENGINE)', () => {
    const lowest = promised![1]!;
    const refused = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.engines && !Array.isArray(p.engines) && typeof p.engines.node === 'string')
      .filter(([, p]) => !satisfies(lowest, (p.engines as Record<string, string>).node!))
      .map(([path, p]) => `${path.replace(/^.*node_modules\//, '')}@${p.version} needs node ${(p.engines as Record<string, string>).node}`);
    expect(Object.keys(lock.packages).length).toBeGreaterThan(100);
    expect(refused).toEqual([]);
  });
});
