import { describe, expect, it } from 'vitest';
import { hasFilters, localMidnight, matchesFilters, NO_FILTERS, toQuery, type HistoryFilters } from './history';
import { entry } from '../test-fixtures';

describe('history filters', () => {
  const f = (patch: Partial<HistoryFilters>): HistoryFilters => ({ ...NO_FILTERS, ...patch });

  it('sends only the filters that are set, dates as local midnights', () => {
    expect(toQuery(NO_FILTERS, 500)).toEqual({ limit: 500, room: null });
    const q = toQuery(f({ room: 'gym', from: '2026-03-01', to: '2026-03-02', kind: 'rejected', outcome: 'failed', search: ' a b ' }), 50, 9);
    expect(q).toEqual({
      limit: 50,
      room: 'gym',
      from: new Date(2026, 2, 1).toISOString(),
      to: new Date(2026, 2, 3).toISOString(),
      kind: 'rejected',
      outcome: 'failed',
      search: 'a b',
      before: 9,
    });
    expect(localMidnight('not a date')).toBeNull();
  });

  it('matches live entries the way the server does', () => {
    const e = entry(1, { room_id: 'gym', kind: 'conflict', outcome: 'conflict', title: 'Choir', detail: 'Both sides changed', at: new Date(2026, 2, 1, 12).toISOString() });
    expect(matchesFilters(e, NO_FILTERS)).toBe(true);
    expect(matchesFilters(e, f({ room: 'gym', kind: 'conflict', outcome: 'conflict' }))).toBe(true);
    expect(matchesFilters(e, f({ room: 'hall' }))).toBe(false);
    expect(matchesFilters(e, f({ kind: 'rejected' }))).toBe(false);
    expect(matchesFilters(e, f({ outcome: 'ok' }))).toBe(false);
    expect(matchesFilters(e, f({ search: 'CHOIR' }))).toBe(true);
    expect(matchesFilters(e, f({ search: 'sides changed' }))).toBe(true);
    // The search looks at the title and the detail only, like the server.
    expect(matchesFilters(e, f({ search: 'gym' }))).toBe(false);
    expect(matchesFilters(e, f({ from: '2026-03-01', to: '2026-03-01' }))).toBe(true);
    expect(matchesFilters(e, f({ from: '2026-03-02' }))).toBe(false);
    expect(matchesFilters(e, f({ to: '2026-02-28' }))).toBe(false);
  });

  it('knows when any filter is set', () => {
    expect(hasFilters(NO_FILTERS)).toBe(false);
    expect(hasFilters(f({ search: '  ' }))).toBe(false);
    expect(hasFilters(f({ outcome: 'ok' }))).toBe(true);
  });
});
