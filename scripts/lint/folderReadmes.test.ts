// Every top-level folder says in its README what lives there and what it may import, and both
// claims are held against the tree:
// - a folder whose README has a "May import:" line may import, outside itself, only the folders
//   that line names in backticks (`core/`, `server/demo/`, …; "nothing" names none); every code file
//   counts, tests included, since these folders are tools and composition roots; in the four parts
//   (core/, src/, workers/, server/) only production code counts, as in the lint rule (tests compose parts).
//   src/, core/ and workers/ state theirs as a table instead (readmeImports.test.ts checks those);
// - every repository path a README names in backticks (`src/compute/anatomy/session.ts`,
//   `core/dicom/`) exists, so a moved or deleted file cannot leave a README pointing at nothing.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { isTestFile, PARTS, repoRoot } from './boundaries.js';

/** Not part of the repository's own text: installed, built or generated at run time. */
const IGNORED = new Set(['node_modules', 'dist', '.git', 'test-results', 'playwright-report', '.twin-data', 'coverage']);

function topFolders(): string[] {
  return readdirSync(repoRoot)
    .filter((e) => !e.startsWith('.') && !IGNORED.has(e) && statSync(join(repoRoot, e)).isDirectory())
    .sort();
}

function walk(dir: string, keep: (rel: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(repoRoot, dir))) {
    if (IGNORED.has(e) || e.startsWith('.')) continue;
    const rel = `${dir}/${e}`;
    if (statSync(join(repoRoot, rel)).isDirectory()) out.push(...walk(rel, keep));
    else if (keep(rel)) out.push(rel);
  }
  return out;
}

const CODE = /\.(ts|tsx|js|mjs|cjs)$/;

function relativeImports(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(repoRoot, file), 'utf8'), true, true);
  return info.importedFiles
    .map((i) => i.fileName)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(repoRoot, resolve(repoRoot, dirname(file), s)).split(sep).join('/'));
}

/** The folders a "May import:" line allows (backticked repository folders), or null without such a line. */
export function mayImportLine(readme: string, folders: readonly string[]): string[] | null {
  const line = readme.split('\n').find((l) => /^May import:/i.test(l.trim()));
  if (line === undefined) return null;
  return [...line.matchAll(/`([^`]+\/)`/g)].map((m) => m[1]!).filter((p) => folders.includes(p.split('/')[0]!));
}

const folders = topFolders();

describe('top-level folder READMEs', () => {
  it('finds the parts and tools', () => {
    expect(folders).toEqual(expect.arrayContaining(['core', 'src', 'workers', 'server', 'cli', 'bench', 'e2e', 'scripts', 'test-support', 'test-data', 'docs']));
  });

  it.each(folders)('%s/README.md says what may be imported', (folder) => {
    const path = join(repoRoot, folder, 'README.md');
    expect(existsSync(path), `${folder}/ has no README.md`).toBe(true);
    const text = readFileSync(path, 'utf8');
    const hasTable = text.split('\n').some((l) => /^\|.*may import\s*\|\s*$/i.test(l));
    expect(hasTable || mayImportLine(text, folders) !== null, `${folder}/README.md has neither a "May import:" line nor a "may import" table`).toBe(true);
  });

  const withLine = folders.filter((f) => existsSync(join(repoRoot, f, 'README.md')) && mayImportLine(readFileSync(join(repoRoot, f, 'README.md'), 'utf8'), folders) !== null);

  it.each(withLine)('%s/ imports only what its "May import:" line names', (folder) => {
    const allowed = mayImportLine(readFileSync(join(repoRoot, folder, 'README.md'), 'utf8'), folders)!;
    const violations: string[] = [];
    const isPart = folder in PARTS;
    for (const file of walk(folder, (rel) => CODE.test(rel) && !rel.endsWith('.d.ts') && !(isPart && isTestFile(rel)))) {
      for (const target of relativeImports(file)) {
        if (target.startsWith(`${folder}/`) || allowed.some((a) => target.startsWith(a) || `${target}/` === a)) continue;
        violations.push(`${file} imports ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the import check is sensitive: cli/ reaches outside itself', () => {
    const outside = walk('cli', (rel) => CODE.test(rel)).flatMap(relativeImports).filter((t) => !t.startsWith('cli/'));
    expect(outside.length).toBeGreaterThan(0);
  });
});

/** Repository paths a text names in backticks: a top-level folder, then a path; no placeholders. */
export function namedPaths(text: string, tops: readonly string[]): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/`([^`\s]+)`/g)) {
    let p = m[1]!.replace(/[.,;:]+$/, '').replace(/#.*$/, '').replace(/:\d+(-\d+)?$/, '');
    if (/[*…<>{}$|]|\.\.\.|\(|\)/.test(p)) continue; // globs, placeholders, code
    p = p.replace(/^\.\//, '');
    if (!tops.includes(p.split('/')[0]!) || !p.includes('/')) continue;
    out.push(p);
  }
  return out;
}

describe('paths named in READMEs', () => {
  const readmes = ['README.md', ...folders.flatMap((f) => walk(f, (rel) => /(^|\/)README\.md$/.test(rel)))];

  it('reads the READMEs and the paths in them', () => {
    expect(readmes.length).toBeGreaterThan(10);
    expect(namedPaths('see `src/views/anatomy/` and `core/dicom/parse.ts:12`, not `src/**/x.ts`', ['src', 'core'])).toEqual(['src/views/anatomy/', 'core/dicom/parse.ts']);
  });

  it('every repository path a README names exists', () => {
    const missing: string[] = [];
    for (const readme of readmes) {
      for (const p of namedPaths(readFileSync(join(repoRoot, readme), 'utf8'), folders)) {
        // a path without extension may name a module (`src/twin/twinState` for twinState.ts)
        const candidates = [p, `${p}.ts`, `${p}.tsx`, `${p}.js`, `${p}.mjs`];
        if (!candidates.some((c) => existsSync(join(repoRoot, c)))) missing.push(`${readme}: \`${p}\``);
      }
    }
    expect(missing).toEqual([]);
  });
});
