// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImageVolume } from '../../../core/domain/imaging';
import { indexForKey, SliceCanvas } from './SliceCanvas';

function volume(direction: ImageVolume['directionLps'] = [1, 0, 0, 0, 1, 0, 0, 0, 1]): ImageVolume {
  return { dimensions: [4, 3, 20], spacingMm: [1, 1, 2.5], originLps: [0, 0, -10], directionLps: direction, voxels: new Int16Array(240), unit: 'HU', source: { kind: 'generated', id: 't' } };
}

describe('slice viewer keys', () => {
  it('↑/↓ one step, Page Up/Down ten steps, Home/End the ends, clamped', () => {
    expect(indexForKey('ArrowUp', 5, 20, 1)).toBe(6);
    expect(indexForKey('ArrowDown', 5, 20, 2)).toBe(3);
    expect(indexForKey('PageUp', 5, 20, 1)).toBe(15);
    expect(indexForKey('PageDown', 5, 20, 1)).toBe(0);
    expect(indexForKey('Home', 5, 20, 1)).toBe(0);
    expect(indexForKey('End', 5, 20, 1)).toBe(19);
    expect(indexForKey('PageUp', 15, 20, 3)).toBe(19);
    expect(indexForKey('a', 5, 20, 1)).toBeNull();
  });
});

describe('SliceCanvas', () => {
  afterEach(() => cleanup());
  const props = { axis: 'axial' as const, step: 1, window: { widthHu: 400, centerHu: 40 }, overlayVersion: 0, seedIjk: null, onPick: () => undefined, label: 'CT slice (click to seed)' };

  it('names the slice and its position, shows the edge letters, and moves with keys', () => {
    const asked: number[] = [];
    render(<SliceCanvas {...props} volume={volume()} index={4} onIndex={(i) => asked.push(i)} crosshairIjk={[1, 2, 4]} />);
    const slice = screen.getByRole('img', { name: 'CT slice (click to seed)' });
    const desc = document.getElementById(slice.getAttribute('aria-describedby')!)!;
    expect(desc.textContent).toContain('Slice 5 of 20, S 0.0 mm');
    expect(desc.textContent).toContain('top A, bottom P, left R, right L');
    fireEvent.keyDown(slice, { key: 'ArrowUp' });
    fireEvent.keyDown(slice, { key: 'End' });
    expect(asked).toEqual([5, 19]);
    expect(document.querySelectorAll('.anatomy-slice-lines line')).toHaveLength(2);
  });
  it('a feet-first grid (k towards I) reads its position towards I', () => {
    render(<SliceCanvas {...props} volume={volume([1, 0, 0, 0, 1, 0, 0, 0, -1])} index={2} onIndex={() => undefined} crosshairIjk={null} />);
    expect(screen.getByText(/Slice 3 of 20, I 15\.0 mm/)).toBeTruthy();
  });
});
