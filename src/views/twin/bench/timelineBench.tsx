// Benchmark page for `npm run bench -- ui` (bench/ui.bench.ts): the real VitalsTimeline with a
// generated 1,000,000-point heart-rate record (1 Hz for 11.6 days, a slow circadian swing plus
// noise) and a 6-h forecast, so zoom latency can be timed in Chromium. Not part of the app build
// (vite builds it only when the benchmark asks for this input).
import { createRoot } from 'react-dom/client';
import { VitalsTimeline } from '../VitalsTimeline';
import type { TimelineKind, VitalSeries } from '../../../../core/vitals/vitalSeries';
import '../../../ui/theme.css';
import '../twin.css';

const N = Number(new URLSearchParams(location.search).get('n') ?? 1_000_000);
const endMs = Date.parse('2026-11-21T06:00:00Z');
const tMs = new Float64Array(N);
const values = new Float64Array(N);
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
for (let i = 0; i < N; i++) {
  tMs[i] = endMs - (N - 1 - i) * 1000;
  values[i] = 72 + 8 * Math.sin((2 * Math.PI * tMs[i]!) / 86_400_000) + 4 * (rand() - 0.5);
}
const series = new Map<TimelineKind, VitalSeries>([['hrBpm', { kind: 'hrBpm', tMs, values, flags: new Uint8Array(N), sources: [] }]]);
const P = (m: number, w: number) => ({ p05: m - w, p25: m - w / 3, p50: m, p75: m + w / 3, p95: m + w });
const forecast = { id: 'bench', issuedAtMs: endMs, tSec: Array.from({ length: 37 }, (_, i) => i * 600), bands: { hrBpm: Array.from({ length: 37 }, (_, i) => P(72, 6 + i * 0.2)) } };

createRoot(document.getElementById('root')!).render(<VitalsTimeline series={series} forecast={forecast} nowMs={endMs} patientLabel="bench" />);
(window as unknown as { benchReady: boolean }).benchReady = true;
