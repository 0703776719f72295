// The one time format of the app: ISO 8601 calendar date, 24-hour clock, in the browser's time
// zone, with the zone shown as a UTC offset ("2026-12-07 14:05 UTC+01:00"). Every date or time a
// user reads goes through here (views, chart axes, tooltips, exports' human columns), so that
// "05/12" can never mean May 12th on one screen and 5 December on the next. Machine-readable
// exports keep full ISO instants (toISOString). Pure: no React, no I/O.
//
// Chart ticks fall on round local times (every 15 min, 1 h, 6 h, midnight, the 1st of a month):
// niceTimeTicks picks the step so that about `maxTicks` fit.

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const p2 = (n: number) => String(n).padStart(2, '0');

/** "UTC+01:00" / "UTC−05:00" / "UTC" for the browser's zone at that instant (zones change with DST). */
export function utcOffsetLabel(tMs: number): string {
  const offsetMin = -new Date(tMs).getTimezoneOffset();
  if (offsetMin === 0) return 'UTC';
  const sign = offsetMin > 0 ? '+' : '−';
  const a = Math.abs(offsetMin);
  return `UTC${sign}${p2(Math.floor(a / 60))}:${p2(a % 60)}`;
}

function parts(tMs: number) {
  const d = new Date(tMs);
  return { y: d.getFullYear(), mo: d.getMonth() + 1, d: d.getDate(), h: d.getHours(), mi: d.getMinutes(), s: d.getSeconds() };
}

function toMs(t: number | string | Date): number {
  return typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : t.getTime();
}

/** "2026-12-07" (local calendar date). */
export function formatDate(t: number | string | Date): string {
  const ms = toMs(t);
  if (!Number.isFinite(ms)) return '—';
  const x = parts(ms);
  return `${x.y}-${p2(x.mo)}-${p2(x.d)}`;
}

/** "14:05" or "14:05:09" (local 24-hour clock), no zone: for places that show the zone once nearby. */
export function formatClock(t: number | string | Date, opts: { seconds?: boolean } = {}): string {
  const ms = toMs(t);
  if (!Number.isFinite(ms)) return '—';
  const x = parts(ms);
  return `${p2(x.h)}:${p2(x.mi)}${opts.seconds ? `:${p2(x.s)}` : ''}`;
}

/** "2026-12-07 14:05 UTC+01:00": the full form, for any time shown on its own. */
export function formatDateTime(t: number | string | Date, opts: { seconds?: boolean; zone?: boolean } = {}): string {
  const ms = toMs(t);
  if (!Number.isFinite(ms)) return typeof t === 'string' && t ? t : '—';
  const zone = opts.zone ?? true;
  return `${formatDate(ms)} ${formatClock(ms, opts)}${zone ? ` ${utcOffsetLabel(ms)}` : ''}`;
}

/** "3 s", "4 min", "2 h 05 min", "3 d": how long ago, for the age of a reading. */
export function formatAge(ageMs: number): string {
  if (!Number.isFinite(ageMs)) return '—';
  const a = Math.max(0, ageMs);
  if (a < MINUTE_MS) return `${Math.floor(a / 1000)} s`;
  if (a < HOUR_MS) return `${Math.floor(a / MINUTE_MS)} min`;
  if (a < DAY_MS) {
    const h = Math.floor(a / HOUR_MS);
    const m = Math.floor((a % HOUR_MS) / MINUTE_MS);
    return m === 0 ? `${h} h` : `${h} h ${p2(m)} min`;
  }
  return `${Math.floor(a / DAY_MS)} d`;
}

// ------------------------------------------------------------------------------------ ticks

/** Fixed steps (below a day: aligned to the local clock; days: to local midnight). */
const FIXED_STEPS_MS = [
  MINUTE_MS,
  2 * MINUTE_MS,
  5 * MINUTE_MS,
  10 * MINUTE_MS,
  15 * MINUTE_MS,
  30 * MINUTE_MS,
  HOUR_MS,
  2 * HOUR_MS,
  3 * HOUR_MS,
  6 * HOUR_MS,
  12 * HOUR_MS,
  DAY_MS,
  2 * DAY_MS,
  7 * DAY_MS,
  14 * DAY_MS,
] as const;
/** Calendar steps in months (aligned to the 1st of a month, months 1/4/7/10 for quarters, …). */
const MONTH_STEPS = [1, 3, 6, 12, 24, 60] as const;

export interface TimeTicks {
  ticksMs: number[];
  /** Step between ticks in ms (months counted as 30 d) — decides the label form. */
  stepMs: number;
}

/** Local midnight at or before tMs. */
function localMidnight(tMs: number): number {
  const d = new Date(tMs);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/**
 * Tick instants on round local times inside [t0Ms, t1Ms], at most `maxTicks` of them. Sub-day
 * steps are counted on the local clock from local midnight (so 6-h ticks are 00, 06, 12, 18
 * local time even across a DST change), day steps from local midnight, weeks from Monday,
 * months from the 1st.
 */
export function niceTimeTicks(t0Ms: number, t1Ms: number, maxTicks = 8): TimeTicks {
  if (!(t1Ms > t0Ms) || !Number.isFinite(t0Ms) || !Number.isFinite(t1Ms)) return { ticksMs: [], stepMs: 0 };
  const span = t1Ms - t0Ms;
  const n = Math.max(2, maxTicks);
  for (const step of FIXED_STEPS_MS) {
    if (span / step > n) continue;
    const ticks: number[] = [];
    if (step < DAY_MS) {
      // Walk local days; inside each, clock times that are multiples of the step.
      for (let day = localMidnight(t0Ms); day <= t1Ms; day = localMidnight(day + 36 * HOUR_MS)) {
        const d = new Date(day);
        for (let minutes = 0; minutes < 24 * 60; minutes += step / MINUTE_MS) {
          d.setTime(day);
          d.setHours(Math.floor(minutes / 60), minutes % 60, 0, 0);
          const t = d.getTime();
          if (t >= t0Ms && t <= t1Ms && ticks[ticks.length - 1] !== t) ticks.push(t);
        }
      }
    } else {
      const days = step / DAY_MS;
      let day = localMidnight(t0Ms);
      if (days === 7 || days === 14) {
        const dow = (new Date(day).getDay() + 6) % 7; // Monday = 0
        day = localMidnight(day - dow * DAY_MS + 12 * HOUR_MS);
      }
      for (let i = 0; ; i++) {
        const d = new Date(day);
        d.setDate(d.getDate() + i * days);
        const t = d.getTime();
        if (t > t1Ms) break;
        if (t >= t0Ms) ticks.push(t);
      }
    }
    return { ticksMs: ticks, stepMs: step };
  }
  for (const months of MONTH_STEPS) {
    if (span / (months * 30 * DAY_MS) > n) continue;
    const ticks: number[] = [];
    const s = new Date(t0Ms);
    const startMonthIndex = s.getFullYear() * 12 + s.getMonth();
    const first = Math.ceil(startMonthIndex / months) * months;
    for (let mi = first; ; mi += months) {
      const t = new Date(Math.floor(mi / 12), mi % 12, 1).getTime();
      if (t > t1Ms) break;
      if (t >= t0Ms) ticks.push(t);
    }
    return { ticksMs: ticks, stepMs: months * 30 * DAY_MS };
  }
  const years = Math.ceil(span / (365 * DAY_MS) / n);
  const ticks: number[] = [];
  for (let y = Math.ceil(new Date(t0Ms).getFullYear() / years) * years; ; y += years) {
    const t = new Date(y, 0, 1).getTime();
    if (t > t1Ms) break;
    if (t >= t0Ms) ticks.push(t);
  }
  return { ticksMs: ticks, stepMs: years * 365 * DAY_MS };
}

/**
 * A tick label for a step: clock time below a day ("14:00", with the date "12-07 00:00" at
 * midnight so a day change is visible), the date for day steps ("2026-12-07"), year-month for
 * month steps ("2026-12"), the year for year steps. The zone is shown once beside the axis.
 */
export function formatTick(tMs: number, stepMs: number): string {
  const x = parts(tMs);
  if (stepMs < DAY_MS) {
    const clock = `${p2(x.h)}:${p2(x.mi)}`;
    return x.h === 0 && x.mi === 0 ? `${p2(x.mo)}-${p2(x.d)} ${clock}` : clock;
  }
  if (stepMs < 28 * DAY_MS) return `${x.y}-${p2(x.mo)}-${p2(x.d)}`;
  if (stepMs < 360 * DAY_MS) return `${x.y}-${p2(x.mo)}`;
  return String(x.y);
}

/**
 * Value-axis ticks on round numbers (1, 2, 2.5 or 5 × 10^k steps), at most `maxTicks`, spanning
 * [min, max] outward: the domain the chart should use is [ticks[0], ticks[last]].
 */
export function niceValueTicks(min: number, max: number, maxTicks = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max <= min) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.05 : 1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, maxTicks - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const first = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v < max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}
