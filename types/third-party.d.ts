// Minimal types for the untyped third-party entry points the code, its tests and the benchmarks
// use (dcmjs, gltf-validator, vtk.js filters). Only what is called is declared; every part's tsconfig
// includes this folder.

declare module 'gltf-validator' {
  export interface ValidationReport {
    issues: { numErrors: number; numWarnings: number; numInfos: number; messages: Array<{ code: string; message: string; severity: number; pointer?: string }> };
    info?: Record<string, unknown>;
  }
  export function validateBytes(data: Uint8Array, options?: { maxIssues?: number; ignoredIssues?: string[] }): Promise<ValidationReport>;
}

declare module '@kitware/vtk.js/Filters/General/ImageMarchingCubes.js' {
  import type vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData.js';
  interface VtkPolyData {
    getPoints(): { getData(): Float32Array; getNumberOfPoints(): number };
    getPolys(): { getData(): Uint32Array; getNumberOfCells(): number };
  }
  interface VtkImageMarchingCubes {
    setInputData(data: vtkImageData): void;
    setContourValue(v: number): void;
    getOutputData(): VtkPolyData;
  }
  const vtkImageMarchingCubes: {
    newInstance(init?: { contourValue?: number; computeNormals?: boolean; mergePoints?: boolean }): VtkImageMarchingCubes;
  };
  export default vtkImageMarchingCubes;
}

declare module '@kitware/vtk.js/Filters/General/WindowedSincPolyDataFilter.js' {
  import type vtkPolyData from '@kitware/vtk.js/Common/DataModel/PolyData.js';
  interface VtkWindowedSincPolyDataFilter {
    setInputData(data: vtkPolyData): void;
    getOutputData(): vtkPolyData;
  }
  const vtkWindowedSincPolyDataFilter: {
    newInstance(init?: {
      numberOfIterations?: number;
      passBand?: number;
      featureEdgeSmoothing?: number;
      boundarySmoothing?: number;
      nonManifoldSmoothing?: number;
      normalizeCoordinates?: number;
    }): VtkWindowedSincPolyDataFilter;
  };
  export default vtkWindowedSincPolyDataFilter;
}

declare module 'dcmjs' {
  type Dataset = Record<string, unknown>;
  interface DicomDictInstance {
    meta: Dataset;
    dict: Dataset;
    write(options?: { allowInvalidVRLength?: boolean }): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomMessage: { readFile(buffer: ArrayBuffer, options?: { ignoreErrors?: boolean; untilTag?: string }): DicomDictInstance };
      DicomDict: new (meta: Dataset) => DicomDictInstance;
      DicomMetaDictionary: {
        naturalizeDataset(dict: Dataset): Dataset;
        denaturalizeDataset(dataset: Dataset): Dataset;
        uid(): string;
        date(): string;
        time(): string;
      };
      Colors: {
        /** sRGB 0–1 → DICOM CIELab (0–65535 scaled). */
        rgb2DICOMLAB(rgb: number[]): number[];
        dicomlab2RGB(lab: number[]): number[];
      };
    };
  };
  export default dcmjs;
}

declare module 'comlink/dist/esm/node-adapter.mjs' {
  import nodeEndpoint from 'comlink/dist/esm/node-adapter';
  export default nodeEndpoint;
}
