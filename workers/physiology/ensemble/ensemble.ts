// The twin's posterior as an ensemble of parameter sets: the currency of calibration,
// assimilation and forecasting. Plain data (names + typed arrays) so it crosses a worker boundary
// by structured clone or transfer, and so the UI can store it without knowing the engine.

export interface TwinEnsemble {
  /** Calibrated parameters (engine names, e.g. `lvEaMmHgPerMl`), estimated in ln space. */
  parameterNames: string[];
  /** Hard bounds of ln θ per parameter (the engine's valid range). */
  lowerLog: Float64Array;
  upperLog: Float64Array;
  /** Model outputs kept per member (engine metric keys, plus pass-through keys such as `avAreaCm2`). */
  outputKeys: string[];
  size: number;
  /** size × parameterNames.length, row-major: member k's ln θ. */
  logParameters: Float64Array;
  /** size × outputKeys.length, row-major: member k's model outputs. */
  outputs: Float64Array;
}

export function validateEnsemble(e: TwinEnsemble): void {
  const n = e.parameterNames.length;
  const nOut = e.outputKeys.length;
  if (!(e.size >= 2)) throw new Error(`ensemble: needs at least 2 members, got ${e.size}`);
  if (e.logParameters.length !== e.size * n) {
    throw new Error(`ensemble: logParameters has ${e.logParameters.length} values, expected ${e.size} × ${n}`);
  }
  if (e.outputs.length !== e.size * nOut) {
    throw new Error(`ensemble: outputs has ${e.outputs.length} values, expected ${e.size} × ${nOut}`);
  }
  if (e.lowerLog.length !== n || e.upperLog.length !== n) throw new Error('ensemble: bounds do not match the parameter list');
}

export function cloneEnsemble(e: TwinEnsemble): TwinEnsemble {
  return {
    parameterNames: [...e.parameterNames],
    lowerLog: Float64Array.from(e.lowerLog),
    upperLog: Float64Array.from(e.upperLog),
    outputKeys: [...e.outputKeys],
    size: e.size,
    logParameters: Float64Array.from(e.logParameters),
    outputs: Float64Array.from(e.outputs),
  };
}
