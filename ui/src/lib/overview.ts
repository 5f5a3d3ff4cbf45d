// Pure helpers of the Overview screen: the activity chart's geometry and labels, lag, and the
// Graph budget bars, in the UI's language. No backend: unit-tested in overview.test.ts.

import { dateFormat, t, tn } from '../i18n/index.svelte';
import type { ActivityBucket, ActivitySpan, BudgetView, RoomView } from '../backend/types';

/** The smallest "nice" number (1, 2 or 5 times a power of ten) at or above `n`; at least 1. */
export function niceCeiling(n: number): number {
  if (!(n > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= n) return step * power;
  }
  return 10 * power;
}

/** Axis ticks from 0 to `max`'s nice ceiling: four or five steps, all whole numbers. */
export function ticks(max: number): number[] {
  const top = niceCeiling(max);
  const mantissa = Math.round(top / 10 ** Math.floor(Math.log10(top)));
  const step = Math.max(1, top / (mantissa === 2 ? 4 : 5));
  const out: number[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) out.push(Math.round(v));
  return out;
}

export interface ChartSize {
  width: number;
  height: number;
  /** Room for the axis labels on the left and under the bars. */
  left: number;
  bottom: number;
}

export interface BarSegment {
  kind: 'ok' | 'failed' | 'conflicts';
  y: number;
  height: number;
}

export interface Bar {
  x: number;
  width: number;
  start: string;
  total: number;
  /** Stacked bottom to top: ok, conflicts, failed. Empty segments are left out. */
  segments: BarSegment[];
}

export interface ChartGeometry {
  bars: Bar[];
  /** The value at the top of the plot. */
  max: number;
  ticks: Array<{ value: number; y: number }>;
}

/** Stacked bars for `buckets` in a plot of `size`, scaled to a nice maximum. */
export function chartGeometry(buckets: ActivityBucket[], size: ChartSize): ChartGeometry {
  const plotWidth = Math.max(0, size.width - size.left);
  const plotHeight = Math.max(0, size.height - size.bottom);
  const totals = buckets.map((b) => b.ok + b.failed + b.conflicts);
  const max = niceCeiling(Math.max(0, ...totals));
  const slot = buckets.length > 0 ? plotWidth / buckets.length : 0;
  const gap = Math.min(4, slot * 0.2);
  const scale = (v: number) => (plotHeight * v) / max;
  const bars = buckets.map((b, i) => {
    let top = plotHeight;
    const segments: BarSegment[] = [];
    for (const kind of ['ok', 'conflicts', 'failed'] as const) {
      const h = scale(b[kind]);
      if (h <= 0) continue;
      top -= h;
      segments.push({ kind, y: top, height: h });
    }
    return { x: size.left + i * slot + gap / 2, width: Math.max(0, slot - gap), start: b.start, total: totals[i]!, segments };
  });
  return { bars, max, ticks: ticks(max).map((value) => ({ value, y: plotHeight - scale(value) })) };
}

const HOUR: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' };
const DAY: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short' };

/** "14:00" for an hour bucket, "21 Nov" ("21. nov.") for a day bucket, in the viewer's zone. */
export function bucketLabel(start: string, span: ActivitySpan): string {
  const ms = Date.parse(start);
  if (Number.isNaN(ms)) return start;
  return dateFormat(span === '24h' ? HOUR : DAY).format(ms);
}

/** Which buckets get an axis label: about six, evenly spaced, always the last. */
export function labelEvery(count: number): number {
  return Math.max(1, Math.ceil(count / 6));
}

/** Totals over the whole span, for the chart's caption. */
export function activityTotals(buckets: ActivityBucket[]): { ok: number; failed: number; conflicts: number } {
  return buckets.reduce(
    (sum, b) => ({ ok: sum.ok + b.ok, failed: sum.failed + b.failed, conflicts: sum.conflicts + b.conflicts }),
    { ok: 0, failed: 0, conflicts: 0 },
  );
}

/**
 * How far a room is behind: the time since its last good cycle, as "45 s", "12 min", "3 h 5 min",
 * "2 d 4 h"; "never synced" without one.
 */
export function lag(lastOkAt: string | null, nowMs: number): string {
  if (!lastOkAt) return t('overview.lag_never');
  const ms = Date.parse(lastOkAt);
  if (Number.isNaN(ms)) return t('overview.lag_unknown');
  const s = Math.max(0, Math.round((nowMs - ms) / 1000));
  if (s < 60) return t('overview.lag_seconds', { s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('overview.lag_minutes', { m });
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? t('overview.lag_hours_minutes', { h, m: m % 60 }) : t('overview.lag_hours', { h });
  const d = Math.floor(h / 24);
  return h % 24 ? t('overview.lag_days_hours', { d, h: h % 24 }) : t('overview.lag_days', { d });
}

/** Whether a room's lag is worth a warning: more than three poll intervals without a good cycle. */
export function lagging(room: RoomView, pollSecs: number, nowMs: number): boolean {
  if (room.paused || !room.last_ok_at) return false;
  const ms = Date.parse(room.last_ok_at);
  return !Number.isNaN(ms) && nowMs - ms > 3 * pollSecs * 1000;
}

export type BudgetTone = 'ok' | 'warn' | 'danger';

/** A budget bar's fill (0..100, a share too small to see still shows a sliver) and tone. */
export function budgetBar(b: BudgetView): { percent: number; tone: BudgetTone; label: string } {
  const share = b.limit > 0 ? b.used / b.limit : 0;
  const percent = b.used > 0 ? Math.min(100, Math.max(0.5, share * 100)) : 0;
  const tone: BudgetTone = share >= 0.8 ? 'danger' : share >= 0.5 ? 'warn' : 'ok';
  const minutes = Math.round(b.window_secs / 60);
  const label = tn('overview.budget_label', minutes, { used: b.used, limit: b.limit });
  return { percent, tone, label };
}
