// Types of the lint rule's helpers (boundaries.js is plain ESM so ESLint loads it without a build).
export const repoRoot: string;
export const PARTS: Record<string, string[]>;
export const LAYERS: Record<string, Record<string, string[]>>;
export const WORKER_ENTRY: RegExp;
export function layerOf(rel: string): string;
export function layerViolation(fromRel: string, targetRel: string): string | null;
export function isTestFile(rel: string): boolean;
export function partOf(rel: string): string;
export function boundaryViolation(fromRel: string, spec: string, kind?: 'import' | 'url'): string | null;
export const boundariesPlugin: unknown;
