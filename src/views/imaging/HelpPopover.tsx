// Keyboard shortcuts, documented where they are used: a disclosure button opening a dialog-like
// popover, closed with Escape or the button, focus returned to the button.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { PrimaryTool } from '../../compute/imaging/viewer';

/** Letter → mouse tool (lower-case keys). */
export const SHORTCUT_TOOLS: Record<string, PrimaryTool> = {
  w: 'WindowLevel',
  p: 'Pan',
  z: 'Zoom',
  l: 'Length',
  a: 'Angle',
  o: 'RectangleROI',
  c: 'Crosshairs',
};

const ROWS: Array<[string, string]> = [
  ['W', 'Window/level: drag left–right for width, up–down for level'],
  ['P', 'Pan (also middle mouse button)'],
  ['Z', 'Zoom (also right mouse button)'],
  ['L', 'Length measurement (mm)'],
  ['A', 'Angle measurement (degrees)'],
  ['O', 'Rectangle ROI: mean, SD (HU) and area (mm²)'],
  ['C', 'Crosshairs linking the three planes (MPR)'],
  ['1 – 5', 'Window preset: soft tissue, lung, liver, bone, brain'],
  ['M', 'Switch stack / three-plane view'],
  ['Shift+R', 'Reset zoom, pan and window'],
  ['Mouse wheel, ↑ ↓, Page Up/Down', 'Previous / next slice (focused viewport)'],
  ['+ / −', 'Zoom in / out (focused viewport)'],
  ['Tab', 'Move between controls and viewports'],
  ['Esc', 'Cancel loading; close this help'],
];

export function HelpPopover(): ReactNode {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (open) panel.current?.focus();
  }, [open]);
  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  return (
    <div className="help-popover-anchor">
      <button
        ref={button}
        type="button"
        className="btn btn-small"
        aria-expanded={open}
        aria-controls="imaging-shortcuts"
        onClick={() => (open ? close() : setOpen(true))}
      >
        Keyboard shortcuts
      </button>
      {open && (
        <div
          ref={panel}
          id="imaging-shortcuts"
          className="help-popover"
          role="dialog"
          aria-label="Keyboard shortcuts"
          tabIndex={-1}
          onKeyDown={(e) => {
            e.stopPropagation();
            if (e.key === 'Escape') close();
          }}
        >
          <table className="data">
            <tbody>
              {ROWS.map(([k, what]) => (
                <tr key={k}>
                  <th scope="row" className="mono">
                    {k}
                  </th>
                  <td>{what}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" className="btn btn-small" onClick={close}>
            Close
          </button>
        </div>
      )}
    </div>
  );
}
