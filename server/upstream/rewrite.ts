// Pure streaming rewrite of the upstream's base URL into the proxy's own /fhir base, so Bundle
// paging links (`link[].url`), `fullUrl`s and absolute references in responses point back at the
// proxy (whose auth, audit and consent then apply to the next page too) and never leak the
// upstream's address to browsers.
//
// It works on the JSON text while it streams, chunk by chunk, in constant memory: a response
// of any size is never buffered whole. Only whole-base matches are rewritten: the base must be
// followed by "/", "?", "\"" or "\\" ("https://fhir.example/r4" does not rewrite
// "https://fhir.example/r4b/…"). JSON may escape "/" as "\/"; that spelling is matched too.
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';

/** Characters that may follow a base URL inside a JSON string for it to be a whole-base match. */
const BOUNDARY = new Set(['/', '?', '"', '\\', '#']);

function jsonEscapedSlashes(s: string): string {
  return s.replace(/\//g, '\\/');
}

export interface BaseRewrite {
  from: string;
  to: string;
}

/** The rewrites for an upstream base → proxy base, both without a trailing slash. */
export function baseRewrites(upstreamBase: string, proxyBase: string): BaseRewrite[] {
  const from = upstreamBase.replace(/\/+$/, '');
  const to = proxyBase.replace(/\/+$/, '');
  const out: BaseRewrite[] = [{ from, to }];
  const escFrom = jsonEscapedSlashes(from);
  if (escFrom !== from) out.push({ from: escFrom, to: jsonEscapedSlashes(to) });
  return out;
}

/**
 * Rewrites `text` completely (`final`), or as far as is safe when more text may follow: returns
 * the rewritten prefix and the unprocessed tail that must be prepended to the next chunk.
 */
export function rewriteChunk(text: string, rewrites: readonly BaseRewrite[], final: boolean): { out: string; rest: string } {
  const longest = rewrites.reduce((m, r) => Math.max(m, r.from.length), 0);
  // Without `final`, keep back enough characters to complete a match and see its boundary.
  let safeEnd = final ? text.length : Math.max(0, text.length - longest);
  // Never cut between the two halves of a surrogate pair: a lone half would encode as U+FFFD.
  if (safeEnd > 0 && safeEnd < text.length) {
    const c = text.charCodeAt(safeEnd - 1);
    if (c >= 0xd800 && c <= 0xdbff) safeEnd--;
  }
  let out = '';
  let i = 0;
  while (i < safeEnd) {
    let best = -1;
    let which: BaseRewrite | undefined;
    for (const r of rewrites) {
      const at = text.indexOf(r.from, i);
      if (at >= 0 && at < safeEnd && (best < 0 || at < best)) {
        best = at;
        which = r;
      }
    }
    if (!which || best < 0) {
      out += text.slice(i, safeEnd);
      i = safeEnd;
      break;
    }
    const end = best + which.from.length;
    const next = text[end];
    // A match whose boundary character is not yet known waits for the next chunk.
    if (next === undefined && !final) {
      out += text.slice(i, best);
      i = best;
      break;
    }
    if (next === undefined || BOUNDARY.has(next)) {
      out += text.slice(i, best) + which.to;
    } else {
      out += text.slice(i, end);
    }
    i = end;
  }
  return { out, rest: text.slice(i) };
}

/** A Transform stream applying rewriteChunk across arbitrary chunk boundaries (UTF-8 safe). */
export function createBaseRewriteStream(upstreamBase: string, proxyBase: string): Transform {
  const rewrites = baseRewrites(upstreamBase, proxyBase);
  const decoder = new StringDecoder('utf8');
  let carry = '';
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      const { out, rest } = rewriteChunk(carry + decoder.write(chunk), rewrites, false);
      carry = rest;
      cb(null, out.length > 0 ? Buffer.from(out, 'utf8') : undefined);
    },
    flush(cb: TransformCallback) {
      const { out } = rewriteChunk(carry + decoder.end(), rewrites, true);
      carry = '';
      cb(null, out.length > 0 ? Buffer.from(out, 'utf8') : undefined);
    },
  });
}
