import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { baseRewrites, createBaseRewriteStream, rewriteChunk } from './rewrite';

const UP = 'http://127.0.0.1:9999/fhir';
const PROXY = 'https://twin.example/fhir';

async function streamThrough(chunks: Buffer[]): Promise<string> {
  const out: Buffer[] = [];
  const s = Readable.from(chunks).pipe(createBaseRewriteStream(UP, PROXY));
  for await (const c of s) out.push(c as Buffer);
  return Buffer.concat(out).toString('utf8');
}

describe('base URL rewriting', () => {
  it('rewrites Bundle paging links and fullUrls, leaving other text alone', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      link: [
        { relation: 'self', url: `${UP}/Observation?patient=Patient/p1&_count=2` },
        { relation: 'next', url: `${UP}/Observation?patient=Patient/p1&_count=2&_offset=2` },
      ],
      entry: [{ fullUrl: `${UP}/Observation/o1`, resource: { resourceType: 'Observation', id: 'o1', note: [{ text: 'see http://127.0.0.1:9999/fhirx' }] } }],
    };
    const { out } = rewriteChunk(JSON.stringify(bundle), baseRewrites(UP, PROXY), true);
    const parsed = JSON.parse(out) as typeof bundle;
    expect(parsed.link.map((l) => l.url)).toEqual([
      `${PROXY}/Observation?patient=Patient/p1&_count=2`,
      `${PROXY}/Observation?patient=Patient/p1&_count=2&_offset=2`,
    ]);
    expect(parsed.entry[0]?.fullUrl).toBe(`${PROXY}/Observation/o1`);
    // Not a whole-base match ("/fhirx"): untouched.
    expect(parsed.entry[0]?.resource.note[0]?.text).toBe('see http://127.0.0.1:9999/fhirx');
  });

  it('rewrites the JSON-escaped spelling (\\/) too', () => {
    const text = '{"url":"http:\\/\\/127.0.0.1:9999\\/fhir\\/Patient\\/p"}';
    const { out } = rewriteChunk(text, baseRewrites(UP, PROXY), true);
    expect(JSON.parse(out)).toEqual({ url: `${PROXY}/Patient/p` });
  });

  it('handles a base at the very end of the stream and a bare base value', () => {
    expect(rewriteChunk(`"${UP}"`, baseRewrites(UP, PROXY), true).out).toBe(`"${PROXY}"`);
    expect(rewriteChunk(UP, baseRewrites(UP, PROXY), true).out).toBe(PROXY);
  });

  it('property: any split into chunks (even inside multi-byte characters) gives the same result as one pass', async () => {
    const piece = fc.constantFrom(`${UP}/Observation/1`, `"${UP}"`, `${UP}x`, 'é', '€', '😀', '{"a":', 'http://127.0.0.1:9999/', '\\/', ' ');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 10 }), async (pieces, cuts) => {
        const text = pieces.join('');
        const whole = rewriteChunk(text, baseRewrites(UP, PROXY), true).out;
        const bytes = Buffer.from(text, 'utf8');
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let prev = 0;
        for (const p of points) {
          chunks.push(bytes.subarray(prev, p));
          prev = p;
        }
        chunks.push(bytes.subarray(prev));
        expect(await streamThrough(chunks.filter((c) => c.length > 0))).toBe(whole);
      }),
      { numRuns: 400, seed: 3 },
    );
  });
});
