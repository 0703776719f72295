// Public API of the meshing kernels, for the Anatomy view (through src/compute/meshing.ts for
// anything heavy), the CLI and the benchmark. Everything here is pure and environment-neutral
// (browser, worker or Node) except where noted. Frames: LPS mm; volumes: mL.

// Readers and writers
export { gunzip, isGzip, readNiftiLabelMap, geometryFromRasAffine, type NiftiLabelOptions } from './nifti';
export { parseLabelTable, segmentsFor, presentLabels, colourFor, type LabelTable } from './labelTable';
export { readDicomSeg, writeDicomSeg, SEG_SOP_CLASS_UID, type ReadSegOptions, type WriteSegOptions, type ReferenceSeries } from './dicomSeg';
export { referenceFromInstances } from './referenceSeries';
export { resampleLabelsNearest, sameGrid } from './resample';

// Surfaces
export {
  meshLabelVolume,
  finishStructure,
  extractAll,
  DEFAULT_BUDGET_TRIANGLES,
  DEFAULT_SMOOTHING_ITERATIONS,
  defaultMaxErrorMm,
  type MeshingOptions,
  type FinishRequest,
  type FinishResult,
} from './surfaces';
export { extractSlab, mergeSlabSurfaces, planSlabs, type SlabRequest, type SlabSurface } from './marchingCubes';
export { meshInParallel, inlinePort, MeshingCancelledError, type MeshingPort, type MeshingProgress, type ParallelHooks, type ParallelTimingsMs } from './parallel';
export { taubinSmooth, type TaubinOptions } from './smoothing';
export { decimate, decimatorReady, type DecimateOptions } from './decimation';
export { signedVolumeMm3, surfaceAreaMm2, edgeReport, vertexNormals, bounds, type EdgeReport } from './meshMetrics';
export { TriangleGrid, sampledHausdorffMm } from './closestPoint';

// Segmentation
export {
  HU_PRESETS,
  threshold,
  regionGrow,
  connectedComponents,
  removeIslands,
  fillHoles,
  applyMarginMm,
  floodScratch,
  type HuRange,
  type HuPresetName,
  type IslandRule,
} from './segmentation';
export { runSegmentation, type SegmentationOp, type SegmentationRequest, type SegmentationResult, type MeshingWorkerApi } from './workerApi';

// Planning
export { cutMeshVolumes, cutMaskVolumes, cutOutline, planeMeshDistanceMm, cutToVesselDistanceMm, distanceMm, angleDeg } from './planning';

// Exports
export { structuresToGlb, structuresToStl, readBinaryStl, type GlbOptions } from './exportFormats';

// Version (for provenance)
export { MESHING_VERSION } from '../../core/contracts/versions';
