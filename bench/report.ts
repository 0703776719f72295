// One JSON line per result, the format PRODUCT.md fixes for `npm run bench`.
export interface BenchResult {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  peer?: string;
  peerValue?: number;
  /** value / peerValue, or as the benchmark documents (e.g. speed-up = peer time / our time). */
  ratio?: number;
  [extra: string]: unknown;
}

export function report(result: BenchResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
