// Worker entry (browser Web Worker, or a Node thread through workers/nodeThread): exposes the
// engine API to the WorkerPool and nothing else (logic: workerApi.ts, calibration/api.ts).
import { expose, transfer } from '../../core/workerPool/workerPool';
import { physiologyApi, transferablesOf } from './workerApi';
import { calibrationApi, ensembleTransferables } from './calibration/api';
import { type PhysiologyApi, type CalibrationApi, type TwinWorkerApi } from '../../core/contracts/physiology-worker';

const api: PhysiologyApi = {
  ...physiologyApi,
  simulateSteadyState: (params, opts) => {
    const r = physiologyApi.simulateSteadyState(params, opts);
    return transfer(r, transferablesOf(r));
  },
  runScenarioMain: (scenario, onProgress) => {
    const r = physiologyApi.runScenarioMain(scenario, onProgress);
    return transfer(r, transferablesOf(r));
  },
  runEnsembleChunk: (scenario, from, to) => {
    const packed = physiologyApi.runEnsembleChunk(scenario, from, to);
    return transfer(packed, [packed.buffer]);
  },
  runMemberBeats: (base, seed, from, to, beats, stepsPerBeat) => {
    const packed = physiologyApi.runMemberBeats(base, seed, from, to, beats, stepsPerBeat);
    return transfer(packed, [packed.buffer]);
  },
};

// ---- calibration, assimilation and forecast (calibration helper; logic in calibration/api.ts) ----
const calibration: CalibrationApi = {
  ...calibrationApi,
  calibrateFromFhir: (bundle, options, onProgress) => {
    const r = calibrationApi.calibrateFromFhir(bundle, options, onProgress);
    return transfer(r, ensembleTransferables(r.ensemble));
  },
  calibrateFromRecord: (vitals, options, onProgress) => {
    const r = calibrationApi.calibrateFromRecord(vitals, options, onProgress);
    return transfer(r, ensembleTransferables(r.ensemble));
  },
  assimilateVitals: (ensemble, vitals, seed) => {
    const r = calibrationApi.assimilateVitals(ensemble, vitals, seed);
    return transfer(r, ensembleTransferables(r.ensemble));
  },
};
const twinApi: TwinWorkerApi = { ...api, ...calibration };
// ---- end calibration block ----

expose(twinApi);
