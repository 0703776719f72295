import { describe, expect, it } from 'vitest';
import { huRangeToWindow, presetForRange, WINDOW_PRESETS, windowPreset, windowToHuRange } from './windowPresets';

describe('window presets', () => {
  it('are the five of IMAGING.md (width/center HU)', () => {
    expect(WINDOW_PRESETS.map((p) => [p.id, p.widthHu, p.centerHu])).toEqual([
      ['soft-tissue', 400, 40],
      ['lung', 1500, -600],
      ['liver', 150, 90],
      ['bone', 2500, 480],
      ['brain', 80, 40],
    ]);
  });

  it('map to the DICOM linear VOI range (PS3.3 C.11.2.1.2.1)', () => {
    // Soft tissue: c − 0.5 − (w − 1)/2 = 40 − 0.5 − 199.5 = −160; c − 0.5 + (w − 1)/2 = 239.
    expect(windowToHuRange(400, 40)).toEqual({ lowerHu: -160, upperHu: 239 });
    // Lung: −600 − 0.5 ∓ 749.5.
    expect(windowToHuRange(1500, -600)).toEqual({ lowerHu: -1350, upperHu: 149 });
    // Width 1 collapses to a threshold at c − 0.5.
    expect(windowToHuRange(1, 0)).toEqual({ lowerHu: -0.5, upperHu: -0.5 });
  });

  it('round-trip between window and range, and recognise a preset from its range', () => {
    for (const p of WINDOW_PRESETS) {
      const r = windowToHuRange(p.widthHu, p.centerHu);
      expect(huRangeToWindow(r)).toEqual({ widthHu: p.widthHu, centerHu: p.centerHu });
      expect(presetForRange(r)?.id).toBe(p.id);
    }
    expect(presetForRange(windowToHuRange(300, 40))).toBeUndefined();
  });

  it('reject a width below 1 HU and unknown ids', () => {
    expect(() => windowToHuRange(0, 40)).toThrow(/at least 1 HU/);
    expect(() => windowPreset('muscle' as never)).toThrow(/unknown window preset "muscle"/);
  });
});
