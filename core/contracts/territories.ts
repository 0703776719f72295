// Vessel centrelines and vascular territories (issue 17, liver planner): what the Anatomy worker
// returns to the page (workers/liver/centrelines.ts, workers/liver/territories.ts compute them).
// One definition for the worker, the compute session and the Territories panel.
import type { Vec3, VolumeGeometry } from '../domain/imaging';

export interface CentrelineSegment {
  /** 1-based within its tree. */
  id: number;
  /** The segment it leaves from (null for the trunk). */
  parent: number | null;
  children: number[];
  /** Bifurcations between the root and this segment: trunk 0. */
  generation: number;
  /** From the proximal (root-side) node to the distal one, LPS mm. */
  pointsLps: Vec3[];
  /** Inscribed radius (distance to the vessel wall) at each point, mm. */
  radiiMm: number[];
  lengthMm: number;
  meanRadiusMm: number;
}

export interface CentrelineTree {
  /** The root end (trunk start), LPS mm. */
  rootLps: Vec3;
  segments: CentrelineSegment[];
  /** Bifurcation points, LPS mm. */
  bifurcationsLps: Vec3[];
  /** Voxels of the connected piece this tree describes. */
  voxelCount: number;
}

/** The centrelines of the vessel structures chosen, one or more trees per structure. */
export interface VesselCentrelines {
  trees: Array<CentrelineTree & { structureLabel: number; structureName: string }>;
  /** Pieces of the vessel masks too small to describe. */
  ignoredPieces: number;
}

/** One territory: a vessel branch (a segment of the chosen generation with its subtree). */
export interface TerritoryBranchInfo {
  /** Territory label, 1…65535. */
  id: number;
  /** Default name: structure, generation.number and the branch's direction (patient R/L, A/P, S/I). */
  name: string;
  structureLabel: number;
  /** Index in VesselCentrelines.trees and the segment id that roots the branch. */
  tree: number;
  segment: number;
  generation: number;
  /** Territory volume (liver voxels nearest to this branch), mL. */
  volumeMl: number;
}

/** Vascular territories of the liver: a label per voxel of `grid` (the CT grid cropped to the liver). */
export interface TerritoryMap {
  grid: VolumeGeometry;
  /** Offset of `grid`'s voxel (0,0,0) in the CT grid's ijk. */
  offsetIjk: Vec3;
  /** Territory id per voxel (0 outside the liver); a copy, transferred. */
  labels: Uint16Array;
  branches: TerritoryBranchInfo[];
  /** Liver volume (all territories), mL. */
  liverMl: number;
  generation: number;
}

export interface TerritoryRemnantResult {
  liverMl: number;
  /** Remnant of the whole liver (side opposite the plane's normal), mL. */
  remnantMl: number;
  byBranch: Array<{ branchId: number; totalMl: number; remnantMl: number; /** % of the whole liver this territory keeps. */ remnantPercentOfLiver: number }>;
}
