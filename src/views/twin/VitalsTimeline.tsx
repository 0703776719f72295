// The clinician's vitals timeline: one small chart per vital sharing the time window, the
// twin's forecast beyond "now" (median, 50 % and 90 % bands), gaps shaded, implausible values and
// converted units marked, an overview strip with a brush, windows from 1 h to the whole record
// (presets, wheel zoom around the pointer, drag to pan, keyboard), and PNG/CSV export. Data
// shaping is in src/ingest (timelineRows, lttb), window math in src/twin/timeWindow, time labels
// in src/ui/time-format; this file only renders and turns input events into window changes.
import { memo, useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';
import { Area, Brush, ComposedChart, Line, LineChart, ReferenceArea, ReferenceLine, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import type { IssuedForecast } from '../../../core/vitals/forecastCoverage';
import { lowerBound, lttbIndices } from '../../../core/vitals/lttb';
import { panelRows, type TimelineRow } from '../../../core/vitals/timelineRows';
import { seriesSpan, type TimelineKind, type VitalSeries } from '../../../core/vitals/vitalSeries';
import { lastWindow, panWindow, zoomWindow, type TimeWindow, type WindowLimits } from '../../twin/timeWindow';
import { formatDateTime, formatTick, niceTimeTicks, niceValueTicks, utcOffsetLabel } from '../../ui/time-format';
import { downloadCsv, downloadPng } from './chartExport';
import { OKABE_ITO } from './palette';

interface PanelSpec {
  id: string;
  title: string;
  unit: string;
  kinds: readonly TimelineKind[];
  scale?: number;
  decimals: number;
}

const PANELS: readonly PanelSpec[] = [
  { id: 'hr', title: 'Heart rate', unit: 'bpm', kinds: ['hrBpm'], decimals: 0 },
  { id: 'bp', title: 'Blood pressure', unit: 'mmHg', kinds: ['sbpMmHg', 'dbpMmHg', 'mapMmHg'], decimals: 0 },
  { id: 'spo2', title: 'SpO₂', unit: '%', kinds: ['spo2Fraction'], scale: 100, decimals: 0 },
  { id: 'rr', title: 'Respiratory rate', unit: '/min', kinds: ['rrPerMin'], decimals: 0 },
  { id: 'temp', title: 'Temperature', unit: '°C', kinds: ['temperatureC'], decimals: 1 },
];

export const KIND_LABEL: Record<TimelineKind, string> = {
  hrBpm: 'HR',
  sbpMmHg: 'SBP',
  dbpMmHg: 'DBP',
  mapMmHg: 'MAP',
  spo2Fraction: 'SpO₂',
  rrPerMin: 'RR',
  temperatureC: 'Temp',
};

const KIND_COLOUR: Record<TimelineKind, string> = {
  hrBpm: OKABE_ITO.orange,
  sbpMmHg: OKABE_ITO.skyBlue,
  dbpMmHg: OKABE_ITO.bluishGreen,
  mapMmHg: OKABE_ITO.reddishPurple,
  spo2Fraction: OKABE_ITO.skyBlue,
  rrPerMin: OKABE_ITO.bluishGreen,
  temperatureC: OKABE_ITO.orange,
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZOOMS = [
  { label: '1 h', spanMs: HOUR },
  { label: '6 h', spanMs: 6 * HOUR },
  { label: '24 h', spanMs: DAY },
  { label: '7 d', spanMs: 7 * DAY },
  { label: '30 d', spanMs: 30 * DAY },
  { label: '1 y', spanMs: 365 * DAY },
  { label: 'All', spanMs: Infinity },
] as const;
// ≈ one point per 2 px of a 1400-px chart: LTTB keeps the shape; recharts' cost grows with rows.
const MAX_POINTS = 700;

const DEFAULT_ZOOM = '6 h';
/** Narrowest window: 15 min still shows 180 readings of a 5-s feed. */
const MIN_SPAN_MS = 15 * 60_000;
/** Chart plot area inside each panel: YAxis width + left margin, right margin (see ComposedChart). */
const PLOT_LEFT_PX = 64;
const PLOT_RIGHT_PX = 16;
const WHEEL_ZOOM_PER_PX = 0.0015;

/** Round-valued y ticks over everything a panel draws (readings, flagged values, forecast bands). */
function valueTicks(rows: readonly TimelineRow[], kinds: readonly TimelineKind[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    for (const k of kinds) {
      for (const key of [k, `${k}:implausible`, `${k}:p50`]) {
        const v = r[key] as number | undefined;
        if (typeof v === 'number' && Number.isFinite(v)) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      const b = r[`${k}:b90`] as [number, number] | undefined;
      if (b) {
        if (b[0] < lo) lo = b[0];
        if (b[1] > hi) hi = b[1];
      }
    }
  }
  return Number.isFinite(lo) ? niceValueTicks(lo, hi, 5) : [];
}

interface TooltipProps {
  active?: boolean;
  payload?: readonly { payload?: TimelineRow }[];
  spec: PanelSpec;
}

function RowTooltip({ active, payload, spec }: TooltipProps): ReactNode {
  const row = payload?.[0]?.payload;
  if (!active || !row) return null;
  const fmt = (v: number) => v.toFixed(spec.decimals);
  return (
    <div className="chart-tooltip">
      <div className="muted">{formatDateTime(row.tMs, { seconds: true })}</div>
      {spec.kinds.map((k) => {
        const v = row[k] as number | undefined;
        const imp = row[`${k}:implausible`] as number | undefined;
        const conv = row[`${k}:converted`] as number | undefined;
        const p50 = row[`${k}:p50`] as number | undefined;
        const b50 = row[`${k}:b50`] as [number, number] | undefined;
        const b90 = row[`${k}:b90`] as [number, number] | undefined;
        if (v === undefined && imp === undefined && p50 === undefined) return null;
        return (
          <div key={k}>
            <strong style={{ color: KIND_COLOUR[k] }}>{KIND_LABEL[k]}</strong>{' '}
            {v !== undefined && `${fmt(v)} ${spec.unit}`}
            {imp !== undefined && <span className="flag-implausible"> {fmt(imp)} {spec.unit} — implausible, not used</span>}
            {conv !== undefined && <span className="flag-converted"> (converted unit)</span>}
            {p50 !== undefined && b50 && b90 && (
              <span>
                {' '}
                forecast median {fmt(p50)}; 50 %: {fmt(b50[0])}–{fmt(b50[1])}; 90 %: {fmt(b90[0])}–{fmt(b90[1])} {spec.unit}
              </span>
            )}
          </div>
        );
      })}
    </div>
  );
}

export interface VitalsTimelineProps {
  series: ReadonlyMap<TimelineKind, VitalSeries>;
  forecast: IssuedForecast | undefined;
  nowMs: number;
  patientLabel: string;
  /** Where the preset windows end when not at "now": the newest reading of a record that is not live. */
  anchorMs?: number;
}

export const VitalsTimeline = memo(function VitalsTimeline({ series, forecast, nowMs, patientLabel, anchorMs }: VitalsTimelineProps): ReactNode {
  const span = useMemo(() => seriesSpan(series), [series]);
  const forecastEndMs = forecast ? forecast.issuedAtMs + (forecast.tSec.at(-1) ?? 0) * 1000 : nowMs;
  const endMs = Math.max(forecastEndMs, span?.endMs ?? nowMs);
  const limits: WindowLimits = useMemo(() => ({ minMs: Math.min(span?.startMs ?? nowMs - DAY, nowMs - HOUR), maxMs: endMs, minSpanMs: MIN_SPAN_MS }), [span?.startMs, nowMs, endMs]);
  // A preset follows "now" as readings arrive; wheel, drag, keys and the brush fix a custom window.
  const [custom, setCustom] = useState<TimeWindow | null>(null);
  const [zoomLabel, setZoomLabel] = useState<string>(DEFAULT_ZOOM);
  const preset = ZOOMS.find((z) => z.label === zoomLabel);
  const win: TimeWindow =
    custom ?? (preset && Number.isFinite(preset.spanMs) ? lastWindow(preset.spanMs, anchorMs ?? nowMs, limits) : { t0Ms: limits.minMs, t1Ms: limits.maxMs });
  const t0Ms = win.t0Ms;
  const t1Ms = win.t1Ms;
  const figureRef = useRef<HTMLElement>(null);
  const plotsRef = useRef<HTMLDivElement>(null);
  // The same round-valued tick instants on every panel, so the stacked charts read as one time axis.
  const { ticksMs: ticks, stepMs: tickStepMs } = useMemo(() => niceTimeTicks(t0Ms, t1Ms, 8), [t0Ms, t1Ms]);
  const [exportError, setExportError] = useState<string>();

  const panels = useMemo(
    () =>
      PANELS.filter((p) => p.kinds.some((k) => series.has(k))).map((p) => ({
        spec: p,
        data: panelRows(p.kinds, series, { t0Ms, t1Ms, maxPointsPerSeries: MAX_POINTS, scale: p.scale, forecast }),
      })).map((p) => ({ ...p, yTicks: valueTicks(p.data.rows, p.spec.kinds) })),
    [series, forecast, t0Ms, t1Ms],
  );

  // Overview strip for the brush: the densest series over the whole record, LTTB to 400 points.
  const overview = useMemo(() => {
    let best: VitalSeries | undefined;
    for (const s of series.values()) if (!best || s.tMs.length > best.tMs.length) best = s;
    if (!best) return [];
    const idx = lttbIndices(best.tMs, best.values, 400);
    const rows = [...idx].map((i) => ({ tMs: best.tMs[i]!, v: best.values[i]! }));
    if (rows.length > 0 && endMs > rows[rows.length - 1]!.tMs) rows.push({ tMs: endMs, v: rows[rows.length - 1]!.v });
    return rows;
  }, [series, endMs]);
  const overviewT = useMemo(() => overview.map((r) => r.tMs), [overview]);
  const brushStart = Math.min(Math.max(0, lowerBound(overviewT, t0Ms)), Math.max(0, overview.length - 2));
  const brushEnd = Math.max(brushStart + 1, Math.min(overview.length - 1, lowerBound(overviewT, t1Ms)));

  const setZoomSpan = (label: string) => {
    setZoomLabel(label);
    setCustom(null);
  };
  const setWindow = (w: TimeWindow) => {
    setZoomLabel('custom');
    setCustom(w);
  };
  const pan = (fraction: number) => setWindow(panWindow(win, fraction, limits));
  const zoomBy = (factor: number, anchor = 0.5) => setWindow(zoomWindow(win, factor, anchor, limits));

  // Wheel zoom around the pointer. React's onWheel is passive, so the page would scroll too:
  // a native non-passive listener, re-bound when the window changes (it reads the current one).
  const wheelState = useRef({ win, limits });
  wheelState.current = { win, limits };
  useEffect(() => {
    const el = plotsRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      if (e.deltaY === 0) return;
      e.preventDefault();
      const r = el.getBoundingClientRect();
      const anchor = (e.clientX - r.left - PLOT_LEFT_PX) / Math.max(1, r.width - PLOT_LEFT_PX - PLOT_RIGHT_PX);
      const { win: w, limits: l } = wheelState.current;
      setZoomLabel('custom');
      setCustom(zoomWindow(w, Math.exp(e.deltaY * WHEEL_ZOOM_PER_PX), anchor, l));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);
  // Drag to pan (pointer capture: the drag continues outside the chart and selects no text).
  const drag = useRef<{ x: number; win: TimeWindow; widthPx: number } | null>(null);
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    const r = e.currentTarget.getBoundingClientRect();
    drag.current = { x: e.clientX, win, widthPx: Math.max(1, r.width - PLOT_LEFT_PX - PLOT_RIGHT_PX) };
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (!d || Math.abs(e.clientX - d.x) < 3) return;
    setWindow(panWindow(d.win, -(e.clientX - d.x) / d.widthPx, limits));
  };
  const onPointerUp = () => {
    drag.current = null;
  };
  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if (e.target !== e.currentTarget) return;
    const keys: Record<string, () => void> = {
      ArrowLeft: () => pan(-0.25),
      ArrowRight: () => pan(0.25),
      '+': () => zoomBy(0.5),
      '=': () => zoomBy(0.5),
      '-': () => zoomBy(2),
      Home: () => setWindow({ t0Ms: limits.minMs, t1Ms: limits.minMs + (t1Ms - t0Ms) }),
      End: () => setZoomSpan(DEFAULT_ZOOM),
    };
    const f = keys[e.key];
    if (!f) return;
    e.preventDefault();
    f();
  };

  const csv = () => {
    const lines = ['time_iso,vital,value,unit,implausible,converted,source'];
    for (const p of PANELS) {
      for (const k of p.kinds) {
        const s = series.get(k);
        if (!s) continue;
        for (let i = lowerBound(s.tMs, t0Ms); i < s.tMs.length && s.tMs[i]! <= t1Ms; i++) {
          lines.push(`${new Date(s.tMs[i]!).toISOString()},${k},${s.values[i]},${k === 'spo2Fraction' ? '1' : p.unit},${(s.flags[i]! & 1) === 1},${(s.flags[i]! & 2) === 2},${s.sources[i]}`);
        }
      }
    }
    if (forecast) {
      lines.push('', 'forecast_time_iso,vital,p05,p25,p50,p75,p95');
      for (const [k, bands] of Object.entries(forecast.bands)) {
        bands.forEach((b, i) => lines.push(`${new Date(forecast.issuedAtMs + forecast.tSec[i]! * 1000).toISOString()},${k},${b.p05},${b.p25},${b.p50},${b.p75},${b.p95}`));
      }
    }
    downloadCsv(`${lines.join('\n')}\n`, `vitals-${patientLabel}.csv`);
  };

  return (
    <section
      ref={figureRef}
      className="timeline"
      role="figure"
      aria-label="Vitals timeline"
      aria-describedby="timeline-keys"
      data-testid="vitals-timeline"
      data-window-start={new Date(t0Ms).toISOString()}
      data-window-end={new Date(t1Ms).toISOString()}
      tabIndex={0}
      onKeyDown={onKeyDown}
    >
      <p id="timeline-keys" className="sr-only">
        Arrow keys pan, plus and minus zoom, Home goes to the start of the record, End back to the last {DEFAULT_ZOOM}. Mouse wheel zooms around the pointer; drag pans.
      </p>
      <div className="toolbar timeline-toolbar">
        <div role="group" aria-label="Zoom" className="btn-group">
          {ZOOMS.map((z) => (
            <button key={z.label} type="button" className="btn btn-small" aria-pressed={zoomLabel === z.label} aria-label={Number.isFinite(z.spanMs) ? `Last ${z.label}` : 'Whole record'} onClick={() => setZoomSpan(z.label)}>
              {z.label}
            </button>
          ))}
        </div>
        <button type="button" className="btn btn-small" onClick={() => pan(-0.5)} aria-label="Earlier" disabled={t0Ms <= limits.minMs}>
          ◀ Earlier
        </button>
        <button type="button" className="btn btn-small" onClick={() => pan(0.5)} aria-label="Later" disabled={t1Ms >= limits.maxMs}>
          Later ▶
        </button>
        <button type="button" className="btn btn-small" onClick={() => zoomBy(0.5)} aria-label="Zoom in" disabled={t1Ms - t0Ms <= MIN_SPAN_MS}>
          +
        </button>
        <button type="button" className="btn btn-small" onClick={() => zoomBy(2)} aria-label="Zoom out">
          −
        </button>
        <span className="muted timeline-range" data-testid="timeline-range">
          {formatDateTime(t0Ms, { zone: false })} – {formatDateTime(t1Ms, { zone: false })} ({utcOffsetLabel(t1Ms)})
        </span>
        <span className="legend">
          <span className="legend-band90" /> 90 % band <span className="legend-band50" /> 50 % band <span className="legend-median" /> forecast median
          <span className="legend-gap" /> no data <span className="flag-implausible">✕ implausible</span> <span className="flag-converted">◇ converted unit</span>
        </span>
        <button type="button" className="btn btn-small" onClick={() => void downloadPng(figureRef.current!, `vitals-${patientLabel}.png`).catch((e: unknown) => setExportError(String(e)))}>
          Export PNG
        </button>
        <button type="button" className="btn btn-small" onClick={csv}>
          Export CSV
        </button>
      </div>
      {exportError && <div className="notice notice-error" role="alert">{exportError}</div>}
      {panels.length === 0 && <p className="muted">No vital signs in the record.</p>}
      <div className="timeline-plots" ref={plotsRef} onPointerDown={onPointerDown} onPointerMove={onPointerMove} onPointerUp={onPointerUp} onPointerCancel={onPointerUp}>
      {panels.map(({ spec, data, yTicks }) => (
        <div key={spec.id} className="timeline-panel" data-panel={spec.id}>
          <div className="timeline-panel-title">
            <span>
              {spec.title}
              {data.mostlyConverted.length > 0 && (
                // Routine, exact conversions (e.g. SpO₂ % stored as a fraction) are information, not a warning.
                <span className="muted"> · {data.mostlyConverted.map((k) => KIND_LABEL[k]).join(', ')} shown in {spec.unit} (stored in the canonical unit)</span>
              )}
            </span>
            <span className="muted">
              {spec.kinds
                .filter((k) => data.counts[k])
                .map((k) => `${KIND_LABEL[k]} ${data.counts[k]!.shown.toLocaleString()} of ${data.counts[k]!.inWindow.toLocaleString()} points`)
                .join(' · ')}
            </span>
          </div>
          <ResponsiveContainer width="100%" height={spec.id === 'bp' ? 170 : 120}>
            <ComposedChart data={data.rows} margin={{ top: 4, right: 16, bottom: 0, left: 8 }}>
              <XAxis dataKey="tMs" type="number" scale="time" domain={[t0Ms, t1Ms]} ticks={ticks} allowDataOverflow tickFormatter={(t: number) => formatTick(t, tickStepMs)} stroke="#a3afbd" fontSize={11} interval={0} />
              <YAxis stroke="#a3afbd" fontSize={11} width={56} ticks={yTicks.length ? yTicks : undefined} domain={yTicks.length ? [yTicks[0]!, yTicks[yTicks.length - 1]!] : ['auto', 'auto']} allowDecimals={spec.decimals > 0} label={{ value: spec.unit, angle: -90, position: 'insideLeft', fill: '#a3afbd', fontSize: 11 }} />
              <Tooltip content={<RowTooltip spec={spec} />} isAnimationActive={false} />
              {data.gaps.map((g) => (
                <ReferenceArea key={`${g.startMs}`} x1={g.startMs} x2={g.endMs} fill="#6f7b89" fillOpacity={0.18} ifOverflow="hidden" />
              ))}
              {spec.kinds.map((k) => [
                ...(forecast?.bands[k] ? [
                <Area key={`${k}-b90`} dataKey={`${k}:b90`} stroke="none" fill={KIND_COLOUR[k]} fillOpacity={0.16} isAnimationActive={false} connectNulls name={`${KIND_LABEL[k]} 90 % band`} />,
                <Area key={`${k}-b50`} dataKey={`${k}:b50`} stroke="none" fill={KIND_COLOUR[k]} fillOpacity={0.3} isAnimationActive={false} connectNulls name={`${KIND_LABEL[k]} 50 % band`} />,
                <Line key={`${k}-p50`} dataKey={`${k}:p50`} stroke={KIND_COLOUR[k]} strokeDasharray="5 3" dot={false} isAnimationActive={false} connectNulls name={`${KIND_LABEL[k]} forecast median`} />,
                ] : []),
                <Line key={k} dataKey={k} stroke={KIND_COLOUR[k]} strokeWidth={1.4} dot={false} isAnimationActive={false} connectNulls name={KIND_LABEL[k]} />,
                // Marker layers only where there is something to mark: each costs a pass over all rows.
                ...(data.flagged[k]?.implausible ? [<Scatter key={`${k}-imp`} dataKey={`${k}:implausible`} fill={OKABE_ITO.vermillion} shape="cross" isAnimationActive={false} name={`${KIND_LABEL[k]} implausible`} />] : []),
                ...(data.flagged[k]?.converted ? [<Scatter key={`${k}-conv`} dataKey={`${k}:converted`} fill="none" stroke={OKABE_ITO.yellow} shape="diamond" isAnimationActive={false} name={`${KIND_LABEL[k]} converted unit`} />] : []),
              ])}
              <ReferenceLine x={nowMs} stroke="#e8edf3" strokeDasharray="2 2" ifOverflow="hidden" label={{ value: 'now', fill: '#e8edf3', fontSize: 10, position: 'insideTopRight' }} />
            </ComposedChart>
          </ResponsiveContainer>
        </div>
      ))}
      </div>
      {overview.length > 2 && (
        <div className="timeline-overview" aria-label="Whole record overview; drag the brush handles to choose the window">
          <ResponsiveContainer width="100%" height={60}>
            <LineChart data={overview} margin={{ top: 2, right: 16, bottom: 0, left: 72 }}>
              <XAxis dataKey="tMs" type="number" scale="time" domain={['dataMin', 'dataMax']} hide />
              <YAxis hide domain={['auto', 'auto']} />
              <Line dataKey="v" stroke="#a3afbd" dot={false} isAnimationActive={false} />
              <Brush
                dataKey="tMs"
                height={28}
                travellerWidth={14}
                stroke={OKABE_ITO.skyBlue}
                fill="#12161d"
                startIndex={brushStart}
                endIndex={brushEnd}
                tickFormatter={(t: number) => formatDateTime(t, { zone: false })}
                onChange={(r: { startIndex?: number; endIndex?: number }) => {
                  if (r.startIndex === undefined || r.endIndex === undefined) return;
                  setWindow({ t0Ms: overview[r.startIndex]!.tMs, t1Ms: overview[r.endIndex]!.tMs });
                }}
              />
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
});
