// Keeps a sequentially updated ensemble from collapsing. Bedside monitors report every few
// seconds; consecutive readings are strongly correlated, but an ensemble Kalman filter treats each
// as independent information, so without a remedy the spread shrinks with every reading until
// every new value looks "outside the band" (filter divergence). Remedy: a spread floor — after
// each update, any column (ln θ or output) whose ensemble SD fell below `floorFraction` of its SD
// at calibration has its anomalies scaled back up to that floor, about the updated mean. This is
// the multiplicative relaxation-to-prior-spread family (Whitaker & Hamill 2012, Mon. Wea. Rev.
// 140:3078–89) with the calibration as the reference spread. The floor (0.5) is an assumption:
// the twin may become at most twice as sure as at calibration from bedside vitals alone.
// Pure: the input is not modified. Ensembles are plain TwinEnsemble-shaped data.

export interface EnsembleColumns {
  size: number;
  parameterNames: readonly string[];
  outputKeys: readonly string[];
  logParameters: Float64Array;
  outputs: Float64Array;
}

function columnSd(data: Float64Array, m: number, width: number, j: number): { mean: number; sd: number } {
  let mean = 0;
  for (let k = 0; k < m; k++) mean += data[k * width + j]!;
  mean /= m;
  let ss = 0;
  for (let k = 0; k < m; k++) {
    const d = data[k * width + j]! - mean;
    ss += d * d;
  }
  return { mean, sd: m > 1 ? Math.sqrt(ss / (m - 1)) : 0 };
}

function floorColumns(target: Float64Array, reference: Float64Array, m: number, mRef: number, width: number, floorFraction: number): number {
  let scaled = 0;
  for (let j = 0; j < width; j++) {
    const { mean, sd } = columnSd(target, m, width, j);
    const floor = floorFraction * columnSd(reference, mRef, width, j).sd;
    if (!(sd > 0) || sd >= floor) continue;
    const f = floor / sd;
    for (let k = 0; k < m; k++) target[k * width + j] = mean + (target[k * width + j]! - mean) * f;
    scaled++;
  }
  return scaled;
}

/** Returns a copy of `e` whose per-column spread is at least `floorFraction` of `reference`'s. */
export function applySpreadFloor<E extends EnsembleColumns>(e: E, reference: EnsembleColumns, floorFraction = 0.5): { ensemble: E; scaledColumns: number } {
  if (e.parameterNames.join() !== reference.parameterNames.join() || e.outputKeys.join() !== reference.outputKeys.join()) {
    throw new Error('applySpreadFloor: the ensemble and its reference have different parameters or outputs');
  }
  if (!(floorFraction >= 0 && floorFraction <= 1)) throw new Error(`applySpreadFloor: floorFraction must be in [0, 1], got ${floorFraction}`);
  const logParameters = Float64Array.from(e.logParameters);
  const outputs = Float64Array.from(e.outputs);
  const scaledColumns =
    floorColumns(logParameters, reference.logParameters, e.size, reference.size, e.parameterNames.length, floorFraction) +
    floorColumns(outputs, reference.outputs, e.size, reference.size, e.outputKeys.length, floorFraction);
  return { ensemble: { ...e, logParameters, outputs }, scaledColumns };
}
