import { afterEach, describe, expect, it } from 'vitest';
import type { ActivityBucket, BudgetView, RoomView } from '../backend/types';
import { setLang } from '../i18n/index.svelte';
import { activityTotals, bucketLabel, budgetBar, chartGeometry, labelEvery, lag, lagging, niceCeiling, ticks } from './overview';

afterEach(() => setLang('en'));

const bucket = (start: string, ok: number, failed = 0, conflicts = 0): ActivityBucket => ({ start, ok, failed, conflicts });

describe('niceCeiling and ticks', () => {
  it('rounds up to 1, 2 or 5 times a power of ten', () => {
    const cases: Array<[number, number]> = [
      [0, 1],
      [1, 1],
      [3, 5],
      [7, 10],
      [11, 20],
      [140, 200],
      [501, 1000],
    ];
    for (const [n, nice] of cases) expect(niceCeiling(n), String(n)).toBe(nice);
  });

  it('gives whole-number ticks from zero to the top', () => {
    expect(ticks(1)).toEqual([0, 1]);
    expect(ticks(3)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ticks(20)).toEqual([0, 5, 10, 15, 20]);
    expect(ticks(100)).toEqual([0, 20, 40, 60, 80, 100]);
  });
});

describe('chartGeometry', () => {
  const size = { width: 240, height: 110, left: 40, bottom: 10 };

  it('stacks ok, conflicts and failed from the bottom, scaled to a nice maximum', () => {
    const g = chartGeometry([bucket('a', 6, 2, 2), bucket('b', 0), bucket('c', 1)], size);
    expect(g.max).toBe(10);
    const [a, b, c] = g.bars;
    expect(a!.segments.map((s) => s.kind)).toEqual(['ok', 'conflicts', 'failed']);
    // 100 px of plot for 10: 6 -> 60 px from the bottom (y 100) up.
    expect(a!.segments[0]).toEqual({ kind: 'ok', y: 40, height: 60 });
    expect(a!.segments[2]!.y).toBeCloseTo(0);
    expect(b!.segments).toEqual([]);
    expect(c!.total).toBe(1);
    // Bars share the plot's width left to right, after the axis.
    expect(a!.x).toBeGreaterThanOrEqual(40);
    expect(c!.x + c!.width).toBeLessThanOrEqual(240);
    expect(b!.x).toBeGreaterThan(a!.x);
  });

  it('draws an empty span flat, on a scale of one', () => {
    const g = chartGeometry([bucket('a', 0), bucket('b', 0)], size);
    expect(g.max).toBe(1);
    expect(g.bars.every((b) => b.segments.length === 0)).toBe(true);
    expect(g.ticks.map((t) => t.value)).toEqual([0, 1]);
    expect(g.ticks[0]!.y).toBe(100);
    expect(g.ticks[1]!.y).toBe(0);
  });

  it('sums the span for the caption and labels about six buckets', () => {
    expect(activityTotals([bucket('a', 1, 2, 3), bucket('b', 4)])).toEqual({ ok: 5, failed: 2, conflicts: 3 });
    expect(labelEvery(24)).toBe(4);
    expect(labelEvery(14)).toBe(3);
    expect(labelEvery(3)).toBe(1);
  });
});

describe('lag', () => {
  const now = Date.parse('2026-11-21T14:00:00Z');
  it('says how long ago the last good cycle was', () => {
    const cases: Array<[string | null, string]> = [
      [null, 'never synced'],
      ['2026-11-21T13:59:15Z', '45 s'],
      ['2026-11-21T13:48:00Z', '12 min'],
      ['2026-11-21T10:55:00Z', '3 h 5 min'],
      ['2026-11-21T11:00:00Z', '3 h'],
      ['2026-11-19T10:00:00Z', '2 d 4 h'],
      // A server clock slightly ahead is not a negative lag.
      ['2026-11-21T14:00:05Z', '0 s'],
    ];
    for (const [at, text] of cases) expect(lag(at, now), String(at)).toBe(text);
  });

  it('speaks bokmål: "t" for hours', () => {
    setLang('nb');
    expect(lag(null, now)).toBe('aldri synkronisert');
    expect(lag('2026-11-21T10:55:00Z', now)).toBe('3 t 5 min');
    expect(lag('2026-11-19T10:00:00Z', now)).toBe('2 d 4 t');
  });

  it('warns after three poll intervals, never for paused or unsynced rooms', () => {
    const room = (last_ok_at: string | null, paused = false) => ({ last_ok_at, paused }) as RoomView;
    expect(lagging(room('2026-11-21T13:58:00Z'), 60, now)).toBe(false);
    expect(lagging(room('2026-11-21T13:56:00Z'), 60, now)).toBe(true);
    expect(lagging(room('2026-11-21T10:00:00Z', true), 60, now)).toBe(false);
    expect(lagging(room(null), 60, now)).toBe(false);
  });
});

describe('budgetBar', () => {
  const b = (used: number): BudgetView => ({ mailbox: 'gym@x', room_name: 'Gym', used, limit: 10_000, window_secs: 600 });
  it('fills by share, shows a sliver for a little use, and warns near the limit', () => {
    expect(budgetBar(b(0))).toMatchObject({ percent: 0, tone: 'ok' });
    expect(budgetBar(b(3)).percent).toBe(0.5);
    expect(budgetBar(b(2_500))).toMatchObject({ percent: 25, tone: 'ok' });
    expect(budgetBar(b(5_000)).tone).toBe('warn');
    expect(budgetBar(b(9_000)).tone).toBe('danger');
    expect(budgetBar(b(12_000)).percent).toBe(100);
    expect(budgetBar(b(42)).label).toBe('42 of 10,000 requests in the last 10 minutes');
  });

  it('writes the numbers the way the language does', () => {
    setLang('nb');
    expect(budgetBar(b(1_234)).label).toBe('1\u00a0234 av 10\u00a0000 forespørsler de siste 10 minuttene');
    expect(budgetBar({ ...b(1), window_secs: 60 }).label).toBe('1 av 10\u00a0000 forespørsler det siste minuttet');
  });
});

describe('bucketLabel', () => {
  it('names an hour by its clock time and a day by its date, in the language', () => {
    const start = new Date(2026, 10, 21, 14).toISOString();
    expect(bucketLabel(start, '24h')).toBe('14:00');
    expect(bucketLabel(start, '14d')).toBe('21 Nov');
    setLang('nb');
    expect(bucketLabel(start, '14d')).toBe('21. nov.');
    expect(bucketLabel('not a date', '24h')).toBe('not a date');
  });
});
