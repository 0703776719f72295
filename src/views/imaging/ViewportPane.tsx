// One viewport: the element Cornerstone renders into (role img, named "Axial viewport" etc.),
// with orientation markers and the slice position drawn over it. Keyboard: focusable; arrow keys
// and Page Up/Down move through slices, + / − zoom (handled by the view).
import { memo, type ReactNode } from 'react';
import type { EdgeLabels } from '../../compute/imaging/orientation';
import type { ViewportKey } from '../../compute/imaging/viewer';
import { SegOverlayCanvas } from './SegOverlay';

export const VIEWPORT_NAME: Record<ViewportKey, string> = {
  stack: 'Stack viewport',
  axial: 'Axial viewport',
  sagittal: 'Sagittal viewport',
  coronal: 'Coronal viewport',
};

export const ViewportPane = memo(function ViewportPane(props: {
  k: ViewportKey;
  hidden: boolean;
  labels: EdgeLabels | undefined;
  slice: { index: number; count: number } | undefined;
  register: (key: ViewportKey, el: HTMLDivElement | null) => void;
  onKey: (key: ViewportKey, e: React.KeyboardEvent) => void;
}): ReactNode {
  const { k, labels, slice } = props;
  const descId = `vp-desc-${k}`;
  const desc = [
    labels ? `Top ${labels.top}, right ${labels.right}, bottom ${labels.bottom}, left ${labels.left}.` : '',
    slice ? `Slice ${slice.index + 1} of ${slice.count}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div
      className={`vp-wrap vp-${k}`}
      hidden={props.hidden}
      data-viewport={k}
      // Cornerstone's keyboard listener on the element calls preventDefault on every key, which
      // would trap Tab inside the viewport (WCAG 2.1.2). Stopping Tab here, in the capture phase,
      // keeps it from reaching that listener, so Tab moves focus on as usual.
      onKeyDownCapture={(e) => {
        if (e.key === 'Tab') e.stopPropagation();
      }}
    >
      <div
        ref={(el) => props.register(k, el)}
        className="vp-element"
        role="img"
        aria-label={VIEWPORT_NAME[k]}
        aria-describedby={descId}
        tabIndex={props.hidden ? -1 : 0}
        onKeyDown={(e) => props.onKey(k, e)}
        onContextMenu={(e) => e.preventDefault()}
      />
      <SegOverlayCanvas k={k} />
      {labels && (
        <div className="vp-orientation" aria-hidden="true">
          <span className="ori ori-top">{labels.top}</span>
          <span className="ori ori-right">{labels.right}</span>
          <span className="ori ori-bottom">{labels.bottom}</span>
          <span className="ori ori-left">{labels.left}</span>
        </div>
      )}
      <div className="vp-caption" aria-hidden="true">
        <span>{VIEWPORT_NAME[k].replace(' viewport', '')}</span>
        {slice && (
          <span className="mono">
            {slice.index + 1}/{slice.count}
          </span>
        )}
      </div>
      <span id={descId} className="visually-hidden">
        {desc}
      </span>
    </div>
  );
});
