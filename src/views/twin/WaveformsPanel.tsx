// The calibrated twin's beat: LV, aortic and LA pressure over one cardiac cycle, and the LV
// pressure–volume loop. Exported for the Scenarios tab (PV loops of each scenario).
import { useMemo, type ReactNode } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { BeatWaveforms } from '../../../core/domain/physiology';
import { OKABE_ITO } from './palette';

const AXIS = '#a3afbd';

export function PressureWaveforms({ w }: { w: BeatWaveforms }): ReactNode {
  const rows = useMemo(
    () => Array.from(w.tSec, (t, i) => ({ tMs: t * 1000, lv: w.lvPressureMmHg[i]!, ao: w.aorticPressureMmHg[i]!, la: w.laPressureMmHg[i]! })),
    [w],
  );
  return (
    <figure className="chart-figure" aria-label="Calibrated twin pressure waveforms">
      <figcaption>Pressures over one beat</figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={rows} margin={{ top: 4, right: 12, bottom: 16, left: 4 }}>
          <CartesianGrid stroke="#2c3543" />
          <XAxis dataKey="tMs" type="number" domain={['dataMin', 'dataMax']} tickFormatter={(t: number) => t.toFixed(0)} stroke={AXIS} fontSize={11} label={{ value: 'time (ms)', position: 'insideBottom', offset: -8, fill: AXIS, fontSize: 11 }} />
          <YAxis stroke={AXIS} fontSize={11} label={{ value: 'mmHg', angle: -90, position: 'insideLeft', fill: AXIS, fontSize: 11 }} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? `${v.toFixed(1)} mmHg` : String(v))} labelFormatter={(t) => `${Number(t).toFixed(0)} ms`} contentStyle={{ background: '#181d26', border: '1px solid #2c3543' }} />
          <Legend verticalAlign="top" wrapperStyle={{ fontSize: 11 }} />
          <Line dataKey="ao" name="Aortic" stroke={OKABE_ITO.skyBlue} dot={false} isAnimationActive={false} />
          <Line dataKey="lv" name="LV" stroke={OKABE_ITO.orange} dot={false} isAnimationActive={false} />
          <Line dataKey="la" name="LA" stroke={OKABE_ITO.bluishGreen} dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

export interface PvLoop {
  name: string;
  colour: string;
  w: BeatWaveforms;
}

/** LV pressure–volume loops (one per scenario or time), closed by repeating the first point. */
export function PvLoops({ loops, label = 'LV pressure–volume loop' }: { loops: readonly PvLoop[]; label?: string }): ReactNode {
  const data = useMemo(
    () =>
      loops.map((l) => {
        const pts = Array.from(l.w.lvVolumeMl, (v, i) => ({ volumeMl: v, pressureMmHg: l.w.lvPressureMmHg[i]! }));
        if (pts.length > 0) pts.push(pts[0]!);
        return { ...l, pts };
      }),
    [loops],
  );
  return (
    <figure className="chart-figure" aria-label={label}>
      <figcaption>{label}</figcaption>
      <ResponsiveContainer width="100%" height={240}>
        <ScatterChart margin={{ top: 4, right: 12, bottom: 16, left: 4 }}>
          <CartesianGrid stroke="#2c3543" />
          <XAxis dataKey="volumeMl" type="number" domain={['auto', 'auto']} stroke={AXIS} fontSize={11} label={{ value: 'LV volume (mL)', position: 'insideBottom', offset: -8, fill: AXIS, fontSize: 11 }} />
          <YAxis dataKey="pressureMmHg" type="number" stroke={AXIS} fontSize={11} width={52} label={{ value: 'LV mmHg', angle: -90, position: 'insideLeft', fill: AXIS, fontSize: 11 }} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? v.toFixed(1) : String(v))} contentStyle={{ background: '#181d26', border: '1px solid #2c3543' }} />
          <Legend verticalAlign="top" wrapperStyle={{ fontSize: 11 }} />
          {data.map((l) => (
            <Scatter key={l.name} name={l.name} data={l.pts} line={{ stroke: l.colour, strokeWidth: 1.6 }} fill={l.colour} shape={() => <g />} isAnimationActive={false} />
          ))}
        </ScatterChart>
      </ResponsiveContainer>
    </figure>
  );
}
