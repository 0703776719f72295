// Dense linear algebra for the small systems of calibration (n ≤ ~20): row-major Float64Array
// matrices. Functions write into caller-provided outputs so repeated updates do not allocate.

/**
 * In-place Cholesky factorisation A = L·Lᵀ of a symmetric positive-definite n×n matrix; the lower
 * triangle of `a` becomes L (the upper triangle is zeroed). Returns false when A is not positive
 * definite (a pivot ≤ 0), leaving `a` partly overwritten.
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= a[j * n + k]! ** 2;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = s / ljj;
    }
    for (let i = 0; i < j; i++) a[i * n + j] = 0;
  }
  return true;
}

/** Solves L·Lᵀ·x = b given the Cholesky factor L (lower triangle of `l`); b is overwritten by x. */
export function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array, bOffset = 0): void {
  for (let i = 0; i < n; i++) {
    let s = b[bOffset + i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * b[bOffset + k]!;
    b[bOffset + i] = s / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[bOffset + i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[bOffset + k]!;
    b[bOffset + i] = s / l[i * n + i]!;
  }
}

/** Inverse of an SPD matrix from its Cholesky factor, written into `out` (n×n). */
export function choleskyInverse(l: Float64Array, n: number, out: Float64Array): void {
  const col = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    col.fill(0);
    col[j] = 1;
    choleskySolveInPlace(l, n, col);
    for (let i = 0; i < n; i++) out[i * n + j] = col[i]!;
  }
}

/**
 * Symmetric positive-definite solve with a diagonal jitter fallback: if A is not numerically
 * positive definite (near-singular Gauss–Newton Hessians), retries with A + ε·trace(A)/n·I.
 * Returns the factor used (so callers can reuse it) or undefined if every attempt failed.
 */
export function robustCholesky(a: Float64Array, n: number): Float64Array | undefined {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i]!;
  const scale = trace > 0 ? trace / n : 1;
  for (const eps of [0, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4]) {
    const f = Float64Array.from(a);
    for (let i = 0; i < n; i++) f[i * n + i] = f[i * n + i]! + eps * scale;
    if (choleskyInPlace(f, n)) return f;
  }
  return undefined;
}
