// The timeline's visible window and how wheel, drag, keys and presets move it. Pure: the view
// converts pixels to a fraction of the plot width and calls these.

export interface TimeWindow {
  t0Ms: number;
  t1Ms: number;
}

export interface WindowLimits {
  /** Earliest and latest instant worth showing (first reading, end of the forecast). */
  minMs: number;
  maxMs: number;
  /** Narrowest window (below this, 5-second readings are all one can see). */
  minSpanMs: number;
}

/** Windows are clamped inside the limits, keeping their span where possible. */
export function clampWindow(w: TimeWindow, l: WindowLimits): TimeWindow {
  const full = Math.max(l.minSpanMs, l.maxMs - l.minMs);
  const span = Math.min(full, Math.max(l.minSpanMs, w.t1Ms - w.t0Ms));
  let t0 = w.t0Ms;
  if (t0 + span > l.maxMs) t0 = l.maxMs - span;
  if (t0 < l.minMs) t0 = l.minMs;
  return { t0Ms: t0, t1Ms: t0 + span };
}

/**
 * Zoom by `factor` (< 1 zooms in) around an anchor given as a fraction of the window (0 = left
 * edge, 1 = right edge), which stays under the pointer.
 */
export function zoomWindow(w: TimeWindow, factor: number, anchorFraction: number, l: WindowLimits): TimeWindow {
  const a = Math.min(1, Math.max(0, anchorFraction));
  const anchorMs = w.t0Ms + a * (w.t1Ms - w.t0Ms);
  const span = (w.t1Ms - w.t0Ms) * factor;
  return clampWindow({ t0Ms: anchorMs - a * span, t1Ms: anchorMs + (1 - a) * span }, l);
}

/** Pan by a fraction of the window's width (positive = later). */
export function panWindow(w: TimeWindow, fraction: number, l: WindowLimits): TimeWindow {
  const d = (w.t1Ms - w.t0Ms) * fraction;
  return clampWindow({ t0Ms: w.t0Ms + d, t1Ms: w.t1Ms + d }, l);
}

/**
 * A preset window "the last <span>": ends a quarter of the span after now (so the twin's near
 * forecast shows beside the latest readings), but never beyond the forecast's end.
 */
export function lastWindow(spanMs: number, nowMs: number, l: WindowLimits): TimeWindow {
  const ahead = Math.min(spanMs / 4, Math.max(0, l.maxMs - nowMs));
  return clampWindow({ t0Ms: nowMs - spanMs, t1Ms: nowMs + ahead }, { ...l, minMs: Math.min(l.minMs, nowMs - spanMs) });
}
