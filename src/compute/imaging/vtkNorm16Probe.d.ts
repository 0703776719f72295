// vtk.js ships this module without a declaration: its probe of linear filtering on 16-bit
// normalised textures, cached after the first call (cornerstone.ts runs it before the first image).
declare module '@kitware/vtk.js/Rendering/OpenGL/Texture/supportsNorm16Linear.js' {
  export default function supportsNorm16LinearCached(): boolean;
}
