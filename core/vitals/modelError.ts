// How much the twin's forecast bands miss by, learnt from its own innovations on this patient.
//
// Each EnKF update reports, per vital, the innovation d = reading − ensemble mean and the variance
// the filter expected for it, T = ensemble variance + measurement variance (Innovation.z = d/√T).
// For a consistent filter E[d²] = T (the innovation-variance diagnostic of Desroziers, Berre, Chapnik
// & Poli 2005, QJRMS 131:3385–96). On real patients the model is wrong in ways no parameter fixes
// (its pressure waveform, events it has no input for), and E[d²] exceeds T: the excess is a
// model-error variance σ²ₘ = max(0, mean(d²) − mean(T)) over the latest INNOVATION_WINDOW updates
// of that vital, estimated online in the spirit of adaptive observation-error estimation in
// ensemble filters (Li, Kalnay & Miyoshi 2009, QJRMS 135:523–33). It is added to the measurement
// variance that widens the forecast bands, so the bands become as wide as the twin has actually
// been wrong for this patient — never narrower than the documented noise model. Nothing here is
// fitted to a data set; window and minimum count are stated assumptions. Pure.

/** Updates of one vital kept for the estimate (about a day of hourly charting). Assumption. */
export const INNOVATION_WINDOW = 24;
/** Fewer updates than this: no estimate (σ²ₘ = 0). Assumption. */
export const INNOVATION_MIN = 6;

/** Per vital key: squared innovations and their expected variances, oldest first. */
export type InnovationHistory = Readonly<Record<string, { readonly d2: readonly number[]; readonly expected: readonly number[] }>>;

/** Appends one update's innovations (value, predictedMean, predictedSd, z as assimilate reports them). */
export function recordInnovations(
  history: InnovationHistory,
  innovations: readonly { key: string; value: number; predictedMean: number; z: number }[],
): InnovationHistory {
  const next: Record<string, { d2: number[]; expected: number[] }> = {};
  for (const [k, v] of Object.entries(history)) next[k] = { d2: [...v.d2], expected: [...v.expected] };
  for (const i of innovations) {
    const d = i.value - i.predictedMean;
    if (!Number.isFinite(d) || !Number.isFinite(i.z) || i.z === 0) continue;
    const t = (d / i.z) ** 2;
    const h = (next[i.key] ??= { d2: [], expected: [] });
    h.d2.push(d * d);
    h.expected.push(t);
    if (h.d2.length > INNOVATION_WINDOW) {
      h.d2.shift();
      h.expected.shift();
    }
  }
  return next;
}

/** σ²ₘ of one vital (its unit squared); 0 with fewer than INNOVATION_MIN updates or no excess. */
export function modelErrorVariance(history: InnovationHistory, key: string): number {
  const h = history[key];
  if (!h || h.d2.length < INNOVATION_MIN) return 0;
  let excess = 0;
  for (let i = 0; i < h.d2.length; i++) excess += h.d2[i]! - h.expected[i]!;
  return Math.max(0, excess / h.d2.length);
}
