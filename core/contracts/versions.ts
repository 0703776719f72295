// The version of the surface pipeline, named in the Provenance of anything published from a
// surface (e.g. the LV blood-pool volume), so a later change to the algorithms can be traced to
// the numbers it produced. Bump the number when a change alters volumes or surfaces.
export const MESHING_VERSION = 'twinscope-meshing/2 (marching cubes at 0.5 with shape-based inter-slice interpolation, Taubin λ|μ 10 iterations, meshoptimizer quadric decimation)';
