// Overlaid trajectories of one metric: each scenario's best-fit line, its ensemble's 50 % and 90 %
// bands once computed (else a 90 % whisker at the end), and the comparison time marked. The data
// are shaped in src/twin/scenarioTrajectories.ts; this draws them.
import { useMemo, type ReactNode } from 'react';
import { Area, CartesianGrid, ComposedChart, ErrorBar, Legend, Line, ReferenceLine, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import type { MetricKey } from '../../../core/domain/physiology';
import { displayUnit, formatMetric } from '../../../core/domain/scenarioComparison';
import { useScenarios } from '../../twin/scenarios';
import { displayScale, trajectoryChartData } from '../../twin/scenarioTrajectories';
import { SCENARIO_COLOURS } from '../twin/palette';

export function TrajectoryChart({ metric, ids, names, markTSec }: { metric: MetricKey; ids: readonly string[]; names: ReadonlyMap<string, string>; markTSec?: number }): ReactNode {
  const results = useScenarios((s) => s.results);
  const bands = useScenarios((s) => s.bands);
  const { rows, whiskers } = useMemo(() => trajectoryChartData(ids, results, bands, metric), [results, bands, ids, metric]);
  const unit = displayUnit(metric);
  const colour = (id: string) => SCENARIO_COLOURS[ids.indexOf(id) % SCENARIO_COLOURS.length]!;
  const hasBands = (id: string) => (bands[id]?.timesSec.length ?? 0) > 1;
  return (
    <ResponsiveContainer width="100%" height={260}>
      <ComposedChart data={rows} margin={{ top: 6, right: 16, bottom: 18, left: 6 }}>
        <CartesianGrid stroke="#2c3543" />
        <XAxis dataKey="tH" type="number" domain={[0, 'dataMax']} stroke="#a3afbd" fontSize={11} label={{ value: 'time (h)', position: 'insideBottom', offset: -8, fill: '#a3afbd', fontSize: 11 }} />
        <YAxis stroke="#a3afbd" fontSize={11} domain={['auto', 'auto']} width={60} label={{ value: unit, angle: -90, position: 'insideLeft', fill: '#a3afbd', fontSize: 11 }} />
        <Tooltip
          contentStyle={{ background: '#181d26', border: '1px solid #2c3543' }}
          labelFormatter={(t) => `${Number(t).toFixed(2)} h`}
          formatter={(v, name) => {
            const [id, band] = String(name).split(':');
            const label = `${names.get(id ?? '') ?? id}${band ? ` ${band === 'b90' ? '90' : '50'} % band` : ''}`;
            const fmt = (x: number) => formatMetric(metric, x / displayScale(metric));
            if (Array.isArray(v)) return [`${fmt(Number(v[0]))}–${fmt(Number(v[1]))} ${unit}`, label];
            return [typeof v === 'number' ? `${fmt(v)} ${unit}` : String(v), label];
          }}
        />
        <Legend verticalAlign="top" wrapperStyle={{ fontSize: 11 }} formatter={(v: string) => names.get(v) ?? v} />
        {markTSec !== undefined && <ReferenceLine x={markTSec / 3600} stroke="#e8edf3" strokeDasharray="3 3" label={{ value: 'compared here', fill: '#e8edf3', fontSize: 10, position: 'insideTopLeft' }} />}
        {ids.flatMap((id) =>
          hasBands(id)
            ? [
                <Area key={`${id}-b90`} dataKey={`${id}:b90`} name={`${id}:b90`} legendType="none" stroke="none" fill={colour(id)} fillOpacity={0.12} connectNulls isAnimationActive={false} />,
                <Area key={`${id}-b50`} dataKey={`${id}:b50`} name={`${id}:b50`} legendType="none" stroke="none" fill={colour(id)} fillOpacity={0.22} connectNulls isAnimationActive={false} />,
              ]
            : [],
        )}
        {ids.map((id) => (results[id]?.result.trajectory ? <Line key={id} dataKey={id} name={id} stroke={colour(id)} dot={false} connectNulls isAnimationActive={false} /> : null))}
        {whiskers.map((w) => (
          <Scatter key={`${w.id}-err`} data={w.data} dataKey="v" name={`${w.id}`} legendType="none" fill={colour(w.id)} isAnimationActive={false}>
            <ErrorBar dataKey="err" width={6} strokeWidth={2} stroke={colour(w.id)} direction="y" />
          </Scatter>
        ))}
      </ComposedChart>
    </ResponsiveContainer>
  );
}
