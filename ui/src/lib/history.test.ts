import { describe, expect, it } from 'vitest';
import { filterHistory, matchesFilter } from './history';
import { entry } from '../test-fixtures';

const entries = [
  entry(4, { room_id: 'gym', room_name: 'School Gymnasium', title: 'Handball U14', detail: 'Every Monday' }),
  entry(3, { room_id: 'hall', room_name: 'Town Hall', kind: 'cycle_failed', outcome: 'failed', side: 'booking', title: '', detail: 'Booking API answered 503' }),
  entry(2, { room_id: 'gym', room_name: 'School Gymnasium', kind: 'cancel_reservation', side: 'booking', title: 'Choir' }),
  entry(1, { room_id: 'hall', room_name: 'Town Hall', title: 'Council meeting' }),
];
const seqs = (list: { seq: number }[]) => list.map((e) => e.seq);

describe('filterHistory', () => {
  it('keeps everything with no filter', () => {
    expect(seqs(filterHistory(entries, { room: null, text: '' }))).toEqual([4, 3, 2, 1]);
    expect(seqs(filterHistory(entries, { room: null, text: '   ' }))).toEqual([4, 3, 2, 1]);
  });

  it('narrows to one room', () => {
    expect(seqs(filterHistory(entries, { room: 'gym', text: '' }))).toEqual([4, 2]);
  });

  it('searches title, detail and room name, ignoring case', () => {
    expect(seqs(filterHistory(entries, { room: null, text: 'HANDBALL' }))).toEqual([4]);
    expect(seqs(filterHistory(entries, { room: null, text: '503' }))).toEqual([3]);
    expect(seqs(filterHistory(entries, { room: null, text: 'town' }))).toEqual([3, 1]);
  });

  it('finds entries by the words shown on screen, not only by codes', () => {
    expect(seqs(filterHistory(entries, { room: null, text: 'cancelled' }))).toEqual([2]);
    expect(seqs(filterHistory(entries, { room: null, text: 'failed' }))).toEqual([3]);
    expect(seqs(filterHistory(entries, { room: null, text: 'booking system' }))).toEqual([3, 2]);
  });

  it('requires every word to match, in any order', () => {
    expect(seqs(filterHistory(entries, { room: null, text: 'meeting council' }))).toEqual([1]);
    expect(seqs(filterHistory(entries, { room: null, text: 'council gymnasium' }))).toEqual([]);
  });

  it('combines the room and the text', () => {
    expect(matchesFilter(entries[3]!, { room: 'gym', text: 'council' })).toBe(false);
    expect(matchesFilter(entries[3]!, { room: 'hall', text: 'council' })).toBe(true);
  });
});
