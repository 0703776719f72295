// Window / level presets for CT (width / center in HU) from docs/IMAGING.md, and the
// DICOM linear VOI function that turns a window into the displayed HU range.

export type WindowPresetId = 'soft-tissue' | 'lung' | 'liver' | 'bone' | 'brain';

export interface WindowPreset {
  id: WindowPresetId;
  label: string;
  widthHu: number;
  centerHu: number;
}

export const WINDOW_PRESETS: readonly WindowPreset[] = [
  { id: 'soft-tissue', label: 'Soft tissue', widthHu: 400, centerHu: 40 },
  { id: 'lung', label: 'Lung', widthHu: 1500, centerHu: -600 },
  { id: 'liver', label: 'Liver', widthHu: 150, centerHu: 90 },
  { id: 'bone', label: 'Bone', widthHu: 2500, centerHu: 480 },
  { id: 'brain', label: 'Brain', widthHu: 80, centerHu: 40 },
];

export function windowPreset(id: WindowPresetId): WindowPreset {
  const p = WINDOW_PRESETS.find((x) => x.id === id);
  if (!p) throw new Error(`unknown window preset "${String(id)}"`);
  return p;
}

export function isWindowPresetId(s: string): s is WindowPresetId {
  return WINDOW_PRESETS.some((p) => p.id === s);
}

export interface HuRange {
  lowerHu: number;
  upperHu: number;
}

/**
 * DICOM PS3.3 C.11.2.1.2.1 linear VOI LUT: values ≤ c − 0.5 − (w−1)/2 show black and values
 * > c − 0.5 + (w−1)/2 white. Cornerstone's `windowLevel.toLowHighRange` uses the same formula,
 * so a preset set through this range reads back as the same width/center.
 */
export function windowToHuRange(widthHu: number, centerHu: number): HuRange {
  if (!(widthHu >= 1)) throw new Error(`window width must be at least 1 HU, got ${widthHu}`);
  return {
    lowerHu: centerHu - 0.5 - (widthHu - 1) / 2,
    upperHu: centerHu - 0.5 + (widthHu - 1) / 2,
  };
}

/** Inverse of `windowToHuRange`. */
export function huRangeToWindow(r: HuRange): { widthHu: number; centerHu: number } {
  return { widthHu: r.upperHu - r.lowerHu + 1, centerHu: (r.lowerHu + r.upperHu) / 2 + 0.5 };
}

/** The preset whose window matches the range within half a HU, if any (to show it selected). */
export function presetForRange(r: HuRange): WindowPreset | undefined {
  const w = huRangeToWindow(r);
  return WINDOW_PRESETS.find((p) => Math.abs(p.widthHu - w.widthHu) < 0.5 && Math.abs(p.centerHu - w.centerHu) < 0.5);
}
