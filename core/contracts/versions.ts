// Versions named in Provenance, so a later change to an algorithm can be traced to the numbers it
// produced: one definition each, imported by the part that computes and by the part that records.
import type { ModelInfo } from '../domain/twinRecords';

// The surface pipeline, named in the Provenance of anything published from a surface (e.g. the LV
// blood-pool volume). Bump the number when a change alters volumes or surfaces.
export const MESHING_VERSION = 'twinscope-meshing/2 (marching cubes at 0.5 with shape-based inter-slice interpolation, Taubin λ|μ 10 iterations, meshoptimizer quadric decimation)';

/** The physiology engine (`workers/physiology`): bump the version when a change alters simulated numbers. */
export const PHYSIOLOGY_ENGINE_NAME = 'Twinscope physiology engine (closed-loop time-varying elastance)';
export const PHYSIOLOGY_ENGINE_VERSION = '0.1.0';
/** The calibration method (`workers/physiology/calibration`): bump when a change alters the posterior. */
export const CALIBRATION_METHOD_ID = 'twinscope-calibration/1';
export const CALIBRATION_METHOD_VERSION = `${CALIBRATION_METHOD_ID} (LHS + Levenberg–Marquardt + Laplace ensemble; EnKF updates)`;

/**
 * The model a twin output's Provenance names (its assembler Device): the engine and the calibration
 * method that produced the calibrated twin. The engine reports it in every calibration result
 * (`CalibrationResult.model`), and the browser records what the engine reported.
 */
export const PHYSIOLOGY_MODEL: ModelInfo = {
  name: PHYSIOLOGY_ENGINE_NAME,
  version: `engine ${PHYSIOLOGY_ENGINE_VERSION}; ${CALIBRATION_METHOD_ID}`,
};
