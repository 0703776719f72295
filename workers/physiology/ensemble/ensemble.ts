import { type TwinEnsemble } from '../../../core/vitals/twin';
// The twin's posterior as an ensemble of parameter sets: the currency of calibration,

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
