// Folder READMEs say what may import what, and this keeps them true: each README with a
// "may import" table is read (rows: a folder, then the folders it may import, as `path/`), the real
// import graph of the production files under it is computed with the TypeScript pre-processor
// (static, dynamic and type-only imports, re-exports), and every import that leaves its folder
// must land in a folder its row allows. A row naming a folder that does not exist fails too.
// Worker entries loaded by URL are the lint rule's business (scripts/lint/boundaries.js).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { isTestFile, LAYERS, repoRoot } from './boundaries.js';

/** READMEs whose "may import" tables are checked. */
const READMES = ['src/README.md', 'core/README.md', 'workers/README.md'];

interface Row {
  folder: string;
  mayImport: string[];
}

function rowsOf(readme: string): Row[] {
  const lines = readFileSync(join(repoRoot, readme), 'utf8').split('\n');
  const header = lines.findIndex((l) => /^\|.*may import\s*\|\s*$/i.test(l));
  if (header < 0) throw new Error(`${readme} has no table with a "may import" column`);
  const rows: Row[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const paths = (cell: string) => [...cell.matchAll(/`([^`]+\/)`/g)].map((m) => m[1]!);
    rows.push({ folder: paths(cells[0]!)[0]!, mayImport: paths(cells.at(-1)!) });
  }
  return rows;
}

function productionFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(repoRoot, dir))) {
    const rel = `${dir}${e}`;
    if (statSync(join(repoRoot, rel)).isDirectory()) out.push(...productionFiles(`${rel}/`));
    else if (/\.(ts|tsx)$/.test(e) && !e.endsWith('.d.ts') && !isTestFile(rel)) out.push(rel);
  }
  return out;
}

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(join(repoRoot, file), 'utf8'), true, true);
  return info.importedFiles
    .map((i) => i.fileName)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(repoRoot, resolve(repoRoot, dirname(file), s)).split(sep).join('/'));
}

describe.each(READMES)('%s', (readme) => {
  const rows = rowsOf(readme);
  const top = `${readme.split('/')[0]}/`;

  it('names only folders that exist', () => {
    const missing = rows.flatMap((r) => [r.folder, ...r.mayImport]).filter((f) => !existsSync(join(repoRoot, f)));
    expect(missing).toEqual([]);
  });

  it('allows every import the production code makes', () => {
    const owner = (file: string): Row | undefined =>
      rows.filter((r) => file.startsWith(r.folder) && (r.folder !== top || !file.slice(top.length).includes('/'))).sort((a, b) => b.folder.length - a.folder.length)[0];
    const violations: string[] = [];
    const files = productionFiles(top);
    for (const file of files) {
      const row = owner(file);
      if (row === undefined) {
        violations.push(`${file}: no row of ${readme} covers it`);
        continue;
      }
      for (const target of importsOf(file)) {
        const inOwn = row.folder === top ? !target.slice(top.length).includes('/') && target.startsWith(top) : target.startsWith(row.folder);
        if (inOwn || row.mayImport.some((m) => target.startsWith(m) || `${target}/` === m)) continue;
        violations.push(`${file} imports ${target}, which the "${row.folder}" row does not allow`);
      }
    }
    expect(files.length).toBeGreaterThan(10);
    expect(violations).toEqual([]);
  });

  it('the check is sensitive: a row that allows nothing reports the imports', () => {
    const busiest = [...rows].sort((a, b) => b.mayImport.length - a.mayImport.length)[0]!;
    const file = productionFiles(busiest.folder).find((f) => importsOf(f).some((t) => !t.startsWith(busiest.folder)));
    expect(file, `no file under ${busiest.folder} imports outside it`).toBeDefined();
  });
});

describe.each(Object.keys(LAYERS))('%s/README.md and the lint rule', (part) => {
  it('state the same layers: each row allows exactly what LAYERS allows', () => {
    const top = `${part}/`;
    const layerOfFolder = (f: string) => f.slice(top.length).replace(/\/$/, '');
    const fromReadme = Object.fromEntries(
      rowsOf(`${part}/README.md`).map((r) => [
        layerOfFolder(r.folder),
        r.mayImport.filter((m) => m.startsWith(top) && m !== r.folder).map(layerOfFolder).sort(),
      ]),
    );
    const fromLint = Object.fromEntries(
      Object.entries(LAYERS[part]!)
        .filter(([layer]) => layer === '' ? rowsOf(`${part}/README.md`).some((r) => r.folder === top) : true)
        .map(([layer, may]) => [layer, may.filter((m) => m !== layer).sort()]),
    );
    expect(fromReadme).toEqual(fromLint);
  });
});
