import { describe, expect, it } from 'vitest';
import { entry, room } from '../test-fixtures';
import { conflictsMayHaveChanged, mergeHistory, mergeRoom } from './live';

describe('mergeRoom', () => {
  it('replaces a known room in place, keeping the order', () => {
    const rooms = [room('a'), room('b'), room('c')];
    const next = mergeRoom(rooms, room('b', { status: 'in_sync' }));
    expect(next.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(next[1]!.status).toBe('in_sync');
    expect(rooms[1]!.status).toBe('idle'); // the old array is not changed
  });

  it('adds a room it has not seen at the end', () => {
    expect(mergeRoom([room('a')], room('z')).map((r) => r.id)).toEqual(['a', 'z']);
  });
});

describe('mergeHistory', () => {
  it('prepends new entries, newest first', () => {
    const list = [entry(3), entry(2), entry(1)];
    expect(mergeHistory(list, [entry(4)], 10).map((e) => e.seq)).toEqual([4, 3, 2, 1]);
  });

  it('shows an entry that arrived both live and in a reload once', () => {
    const loaded = [entry(5), entry(4), entry(3)];
    const live = [entry(6), entry(5)];
    expect(mergeHistory(loaded, live, 10).map((e) => e.seq)).toEqual([6, 5, 4, 3]);
  });

  it('puts a late, out-of-order entry in its place', () => {
    expect(mergeHistory([entry(9), entry(7)], [entry(8)], 10).map((e) => e.seq)).toEqual([9, 8, 7]);
  });

  it('keeps at most the limit, dropping the oldest', () => {
    const list = [entry(3), entry(2), entry(1)];
    expect(mergeHistory(list, [entry(4)], 3).map((e) => e.seq)).toEqual([4, 3, 2]);
  });
});

describe('conflictsMayHaveChanged', () => {
  it('is true when the conflict count moves or the room is new', () => {
    const before = room('a');
    expect(conflictsMayHaveChanged(before, room('a', { status: 'in_sync' }))).toBe(false);
    expect(conflictsMayHaveChanged(before, room('a', { counts: { links: 0, conflicts: 1, failed: 0 } }))).toBe(true);
    expect(conflictsMayHaveChanged(undefined, room('a'))).toBe(true);
  });
});
