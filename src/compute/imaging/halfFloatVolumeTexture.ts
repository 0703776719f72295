// The filled CT volume's 3D texture in half float (R16F / HALF_FLOAT), fed from the volume's exact
// 16-bit buffer (issue 14; why and how exact: halfFloatTexture.ts).
//
// Cornerstone gives each `ImageVolume` a streaming vtk.js texture (`vtkStreamingOpenGLTexture`,
// not exported) that its mappers create empty (`create3DFromRaw` without data) and then fill
// slice by slice (`update3DFromRaw`: every slice flagged by `setUpdatedFrame`, or all of them after
// `modified`). That texture is R32F here (no EXT_texture_norm16), and vtk.js turns it half float
// only for data within ±2048 or with `preferSizeOverAccuracy` for every volume, and then converts
// each slice with a per-value function into a fresh array. This class keeps the same contract the
// mappers and the volume use (the methods below, same semantics), on vtk.js's own `vtkOpenGLTexture`:
// it answers `useHalfFloat()` with true, so vtk.js picks R16F and HALF_FLOAT for the 16-bit data
// itself, and it uploads each flagged slice converted through the half-float table into one
// reused slice buffer — nothing allocated per slice, the volume's voxels untouched.
// Two departures from Cornerstone's texture, both because a filled volume's voxels change only
// slice by slice: `modified()` (which Cornerstone calls on every new slice actor of a loaded
// volume) re-sends nothing, while a texture (re)created on the GPU gets every written slice; and
// `uploadPending(rw)` sends the written slices before any viewport draws the volume, creating the
// texture in that render window's context as the mappers would, so the upload overlaps the
// download (viewer.ts `uploadFilledSoon`). Moved to another context, the texture is deleted in
// the old one and re-created in the new one, never bound across contexts.
// The viewer swaps it in for the filled volume's texture before any viewport shows the volume.
import macro from '@kitware/vtk.js/macros.js';
import vtkOpenGLTexture from '@kitware/vtk.js/Rendering/OpenGL/Texture.js';
import { halfFloatTable, sliceToHalfFloat } from './halfFloatTexture';

export interface HalfFloatVolumeTextureOptions {
  /** The volume's scalar buffer, x fastest, one slice after another (modality units). */
  voxels: Int16Array | Uint16Array;
  width: number;
  height: number;
  depth: number;
  volumeId: string;
}

/** What Cornerstone's mappers and `ImageVolume` call on a volume's streaming texture (and this adds). */
export interface HalfFloatVolumeTexture {
  setUpdatedFrame(frameIndex: number): void;
  hasUpdatedFrames(): boolean;
  modified(): void;
  update3DFromRaw(): boolean | undefined;
  useHalfFloat(): boolean;
  getVolumeId(): string;
  /** Slices sent to the GPU so far (a slice sent again counts again; read by tests and the bench). */
  getUploadedSlices(): number;
  /** Send the written slices into `rw`'s WebGL context now, creating the texture there if needed. */
  uploadPending(rw: unknown): boolean | undefined;
  /** vtk.js's model (internalFormat, openGLDataType once a mapper has created the texture). */
  get(): Record<string, unknown>;
  releaseGraphicsResources(rw?: unknown): void;
  delete(): void;
}

interface Model {
  classHierarchy: string[];
  voxels: Int16Array | Uint16Array;
  width: number;
  height: number;
  depth: number;
  sliceLength: number;
  volumeId: string;
  /** The volume's data type as its image data says (vtk.js: 'Int16Array' / 'Uint16Array'). */
  dataType: string;
  /** 1 where the slice has been written (setUpdatedFrame). */
  written: Uint8Array;
  /** 1 where the slice must be (re)sent to the GPU. */
  updatedFrames: Uint8Array;
  handle: unknown;
  pendingFrames: number;
  uploadedSlices: number;
  table: Uint16Array;
  scratch: Uint16Array;
  inputDataType?: string;
  inputNumComps?: number;
  volumeInfo: { dataComputedScale?: number[]; dataComputedOffset?: number[] };
  context: WebGL2RenderingContext;
  target: number;
  format: number;
  openGLDataType: number;
  generateMipmap: boolean;
  _openGLRenderWindow: { activateTexture: (t: unknown) => void } | null;
}

type PublicApi = Record<string, (...args: never[]) => unknown>;

function halfFloatVolumeTexture(publicAPI: PublicApi, model: Model): void {
  model.classHierarchy.push('vtkHalfFloatVolumeTexture');
  const api = publicAPI as unknown as Record<string, (...args: unknown[]) => unknown>;

  // R16F and HALF_FLOAT for 16-bit data (vtk.js's getDefaultInternalFormat / getDefaultDataType);
  // the mappers' enableUseHalfFloat(false) switches off vtk.js's own range-probed choice only.
  api.useHalfFloat = () => true;

  // As Cornerstone's streaming texture: the texture holds modality values, no rescale in the shader.
  const superUpdateInfo = api.updateVolumeInfoForGL!;
  api.updateVolumeInfoForGL = (dataType: unknown, numComps: unknown) => {
    const isScalingApplied = superUpdateInfo(dataType, numComps);
    model.volumeInfo.dataComputedScale = [1];
    model.volumeInfo.dataComputedOffset = [0];
    return isScalingApplied;
  };

  const superModified = api.modified!;
  api.setUpdatedFrame = (frameIndex: unknown) => {
    const i = frameIndex as number;
    if (!(i >= 0 && i < model.depth)) return;
    model.written[i] = 1;
    if (!model.updatedFrames[i]) {
      model.updatedFrames[i] = 1;
      model.pendingFrames++;
    }
    superModified();
  };
  // The voxels change only slice by slice (setUpdatedFrame). Cornerstone calls modified() each time
  // it makes a slice actor for a loaded volume (createVolumeSliceActor: three times when the planes
  // open), which would send a texture filled while the series streamed all over again; here it
  // re-sends nothing. A texture (re)created on the GPU gets every written slice (create3DFromRaw).
  api.modified = () => superModified();
  api.hasUpdatedFrames = () => model.pendingFrames > 0;
  api.getUpdatedFrames = () => Array.from(model.updatedFrames, (f) => (f ? true : null));
  const markWrittenPending = () => {
    model.pendingFrames = 0;
    for (let i = 0; i < model.depth; i++) {
      model.updatedFrames[i] = model.written[i]!;
      model.pendingFrames += model.written[i]!;
    }
  };
  const superCreate = api.create3DFromRaw!;
  api.create3DFromRaw = (args: unknown) => {
    const ok = superCreate(args);
    markWrittenPending(); // fresh storage: empty until the written slices are sent again
    return ok;
  };
  // A texture belongs to one WebGL context. vtk.js deletes it only when given a render window,
  // which neither its own setOpenGLRenderWindow (on a change of window) nor Cornerstone's
  // ImageVolume.destroy passes: here the texture's own window is used, so the texture is deleted
  // in its context (not bound in another, not left holding 157 MB after a cancelled load). The
  // next mapper build then sees parameters that differ and creates it anew.
  const superRelease = api.releaseGraphicsResources!;
  api.releaseGraphicsResources = (rw?: unknown) => {
    const win = rw ?? model._openGLRenderWindow;
    if (win && model.handle) superRelease(win);
    model.inputDataType = undefined;
    model.inputNumComps = undefined;
  };

  api.update3DFromRaw = () => {
    model._openGLRenderWindow!.activateTexture(publicAPI);
    api.createTexture!();
    api.bind!();
    if (model.pendingFrames === 0) return false;
    const gl = model.context;
    for (let i = 0; i < model.depth; i++) {
      if (!model.updatedFrames[i]) continue;
      const slice = model.voxels.subarray(i * model.sliceLength, (i + 1) * model.sliceLength);
      gl.texSubImage3D(model.target, 0, 0, 0, i, model.width, model.height, 1, model.format, model.openGLDataType, sliceToHalfFloat(slice, model.table, model.scratch));
      model.updatedFrames[i] = 0;
      model.uploadedSlices++;
    }
    model.pendingFrames = 0;
    if (model.generateMipmap) gl.generateMipmap(model.target);
    api.deactivate!();
    return true;
  };

  // Sends the written slices now, into `rw`'s context, creating the texture there the way
  // Cornerstone's mappers do when they first draw the volume (so their next build finds it made
  // and only sends what came since): the upload overlaps the series' download instead of waiting
  // for the planes' first render after the last frame.
  api.uploadPending = (rw: unknown) => {
    api.setOpenGLRenderWindow!(rw);
    if (!model.handle || model.inputDataType === undefined) {
      api.resetFormatAndType!();
      api.setOglNorm16Ext!(null);
      api.setTextureParameters!({ width: model.width, height: model.height, depth: model.depth, numberOfComponents: 1, dataType: model.dataType });
      api.create3DFromRaw!({ width: model.width, height: model.height, depth: model.depth, numComps: 1, dataType: model.dataType, data: null });
    }
    return api.update3DFromRaw!();
  };

  api.setVolumeId = (volumeId: unknown) => {
    model.volumeId = volumeId as string;
  };
  api.getVolumeId = () => model.volumeId;
  api.getUploadedSlices = () => model.uploadedSlices;
  // The mappers compare these with the volume's to decide whether to re-create the texture.
  api.setTextureParameters = (p: unknown) => {
    const { numberOfComponents, dataType } = p as { numberOfComponents: number; dataType: string };
    model.inputNumComps ??= numberOfComponents;
    model.inputDataType ??= dataType;
  };
  api.getTextureParameters = () => ({
    width: model.width,
    height: model.height,
    depth: model.depth,
    numberOfComponents: model.inputNumComps,
    dataType: model.inputDataType,
  });
}

function extend(publicAPI: PublicApi, model: Model, initialValues: HalfFloatVolumeTextureOptions): void {
  const { voxels, width, height, depth, volumeId } = initialValues;
  if (!(voxels instanceof Int16Array || voxels instanceof Uint16Array)) throw new Error('a half-float volume texture needs 16-bit integer voxels');
  if (!(width > 0 && height > 0 && depth > 0) || voxels.length !== width * height * depth) {
    throw new Error(`a ${width}×${height}×${depth} volume needs ${width * height * depth} voxels, the buffer holds ${voxels.length}`);
  }
  (vtkOpenGLTexture as unknown as { extend: (p: unknown, m: unknown, i: unknown) => void }).extend(publicAPI, model, {});
  Object.assign(model, {
    voxels,
    width,
    height,
    depth,
    volumeId,
    sliceLength: width * height,
    dataType: voxels instanceof Int16Array ? 'Int16Array' : 'Uint16Array',
    written: new Uint8Array(depth),
    updatedFrames: new Uint8Array(depth),
    pendingFrames: 0,
    uploadedSlices: 0,
    table: halfFloatTable(voxels instanceof Int16Array),
    scratch: new Uint16Array(width * height),
  });
  halfFloatVolumeTexture(publicAPI, model);
}

const newInstance = (macro as unknown as { newInstance: (e: typeof extend, name: string) => (o: HalfFloatVolumeTextureOptions) => HalfFloatVolumeTexture }).newInstance(
  extend,
  'vtkHalfFloatVolumeTexture',
);

/** A new half-float texture over `voxels` (nothing on the GPU until a mapper creates it). */
export function newHalfFloatVolumeTexture(options: HalfFloatVolumeTextureOptions): HalfFloatVolumeTexture {
  return newInstance(options);
}
