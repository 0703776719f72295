// The layering rule itself: each arrow back it exists to stop is refused with a message naming the
// layers, and the arrows the architecture uses pass. The whole tree is linted by `npm run lint`;
// this pins the rule's decisions so a loosened table shows up as a failing case, not a silent pass.
import { describe, expect, it } from 'vitest';
import { boundaryViolation, LAYERS, layerOf } from './boundaries.js';

describe('top-level parts', () => {
  it('refuses src → server, workers → src and core → src', () => {
    expect(boundaryViolation('src/sources/fhir.ts', '../../server/contracts')).toMatch(/src\/ may import only src\/ and core\//);
    expect(boundaryViolation('workers/physiology/x.ts', '../../src/twin/twinState')).toMatch(/workers\/ may import only/);
    expect(boundaryViolation('core/domain/x.ts', '../../src/ui/Tabs')).toMatch(/core\/ may import only core\//);
  });

  it('lets src load a worker entry by URL, and nothing else of workers/', () => {
    expect(boundaryViolation('src/compute/physiology.ts', '../../workers/physiology/physiology.worker.ts', 'url')).toBeNull();
    expect(boundaryViolation('src/compute/physiology.ts', '../../workers/physiology/index.ts', 'url')).toMatch(/only worker entry files/);
  });

  it('lets server start threads only through the Node endpoint of the one pool', () => {
    expect(boundaryViolation('server/app.ts', '../workers/nodeThread/nodeThread')).toBeNull();
    expect(boundaryViolation('server/app.ts', '../workers/meshing/index')).toMatch(/server\/ may import only server\/ and core\//);
    expect(boundaryViolation('server/audit/x.ts', 'node:worker_threads')).toMatch(/worker threads start only in workers\/nodeThread\//);
  });

  it('exempts tests, which compose parts', () => {
    expect(boundaryViolation('src/twin/twinState.test.ts', '../../workers/physiology/calibration/api')).toBeNull();
  });
});

describe('layers inside src/ and core/', () => {
  it.each([
    ['src/views/record/index.tsx', '../../app/routing', /src\/views\/ may import only .*arrow back into src\/app\//],
    ['src/twin/anatomy.ts', '../compute/anatomy/planeGeometry', /arrow back into src\/compute\//],
    ['src/ui/feedback.tsx', '../sources/http', /src\/ui\/ may import only src\/ui\/;.*src\/sources\//],
    ['src/sources/api.ts', '../twin/twinState', /arrow back into src\/twin\//],
    ['core/domain/x.ts', '../vitals/fhir-vitals', /core\/domain\/ may import only core\/domain\/;/],
    ['core/vitals/x.ts', '../contracts', /arrow back into core\/contracts\//],
  ])('refuses %s → %s', (from, spec, message) => {
    expect(boundaryViolation(from, spec)).toMatch(message);
  });

  it.each([
    ['src/main.tsx', './app/App'],
    ['src/app/App.tsx', '../views/routing'],
    ['src/views/workspace/WorkspacePage.tsx', '../../ui/ErrorBoundary'],
    ['src/compute/anatomy/session.ts', '../../twin/anatomy'],
    ['src/compute/anatomy/session.ts', '../../sources/api'],
    ['src/views/twin/useTwinRecord.ts', '../../twin/twinState'],
    ['src/compute/anatomy/session.ts', './labelMap'],
    ['core/vitals/twin.ts', '../domain/physiology'],
    ['core/contracts/physiology-worker.ts', '../vitals/twin'],
  ])('allows %s → %s', (from, spec) => {
    expect(boundaryViolation(from, spec)).toBeNull();
  });

  it('names a folder missing from the table instead of letting it through', () => {
    expect(boundaryViolation('src/newthing/x.ts', '../ui/Tabs')).toMatch(/src\/newthing\/ is not a layer of src\//);
    expect(boundaryViolation('src/views/x.tsx', '../newthing/y')).toMatch(/src\/newthing\/ is not a layer/);
  });

  it('has no cycle: the layers can be ordered so every arrow points down', () => {
    for (const [part, table] of Object.entries(LAYERS)) {
      const order: string[] = [];
      const left = new Set(Object.keys(table));
      while (left.size > 0) {
        const next = [...left].find((l) => table[l]!.every((d) => d === l || order.includes(d)));
        expect(next, `${part}/: a cycle among ${[...left].join(', ')}`).toBeDefined();
        order.push(next!);
        left.delete(next!);
      }
    }
  });

  it('reads the layer from the path', () => {
    expect(layerOf('src/views/record/index.tsx')).toBe('views');
    expect(layerOf('src/main.tsx')).toBe('');
    expect(layerOf('core/domain/imaging.ts')).toBe('domain');
  });
});
