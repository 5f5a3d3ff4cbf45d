import { describe, expect, it } from 'vitest';
import type { RoomStatus } from '../backend/types';
import { filterRooms, fold, isFiltering, matchesQuery, NO_ROOM_FILTER, statusCounts } from './roomfilter';

const room = (name: string, mailbox: string, resource_id: string, status: RoomStatus = 'in_sync') => ({
  name,
  mailbox,
  resource_id,
  status,
});

const ROOMS = [
  room('Åsen skole – gymsal', 'asen-gymsal@kommune.no', 'res-101'),
  room('Sørli bibliotek, møterom', 'sorli-mote@kommune.no', 'res-202', 'failing'),
  room('Bærum rådhus, sal A', 'raadhus-a@kommune.no', 'BR-7', 'conflicts'),
  room('Kulturhuset', 'kultur@kommune.no', 'res-303', 'failing'),
  room('Svømmehallen', 'svomme@kommune.no', 'res-404', 'paused'),
];

describe('fold', () => {
  it('drops case and accents and writes ø and æ as a keyboard without them does', () => {
    expect(fold('Åsen')).toBe('asen');
    expect(fold('SØRLI')).toBe('sorli');
    expect(fold('Bærum')).toBe('baerum');
    expect(fold('Café Zoë')).toBe('cafe zoe');
  });
});

describe('matchesQuery', () => {
  it('finds "Åsen" from "asen", and from the Norwegian letters too', () => {
    expect(matchesQuery(ROOMS[0]!, 'asen')).toBe(true);
    expect(matchesQuery(ROOMS[0]!, 'ÅSEN')).toBe(true);
    expect(matchesQuery(ROOMS[1]!, 'sørli')).toBe(true);
    expect(matchesQuery(ROOMS[1]!, 'sorli')).toBe(true);
    expect(matchesQuery(ROOMS[2]!, 'baerum')).toBe(true);
  });

  it('searches the mailbox and the booking resource id', () => {
    expect(matchesQuery(ROOMS[2]!, 'raadhus-a@')).toBe(true);
    expect(matchesQuery(ROOMS[2]!, 'br-7')).toBe(true);
    expect(matchesQuery(ROOMS[3]!, 'res-303')).toBe(true);
    expect(matchesQuery(ROOMS[3]!, 'res-404')).toBe(false);
  });

  it('wants every word, in any order; no words match everything', () => {
    expect(matchesQuery(ROOMS[0]!, 'gymsal asen')).toBe(true);
    expect(matchesQuery(ROOMS[0]!, 'gymsal sorli')).toBe(false);
    expect(matchesQuery(ROOMS[0]!, '   ')).toBe(true);
  });
});

describe('filterRooms', () => {
  it('lets everything through without a filter', () => {
    expect(filterRooms(ROOMS, NO_ROOM_FILTER)).toEqual(ROOMS);
  });

  it('keeps the rooms of one status, in their order', () => {
    expect(filterRooms(ROOMS, { query: '', status: 'failing' }).map((r) => r.resource_id)).toEqual(['res-202', 'res-303']);
  });

  it('combines the search with the status', () => {
    expect(filterRooms(ROOMS, { query: 'kultur', status: 'failing' }).map((r) => r.name)).toEqual(['Kulturhuset']);
    expect(filterRooms(ROOMS, { query: 'kultur', status: 'paused' })).toEqual([]);
  });
});

describe('isFiltering', () => {
  it('is true for a status or a query with words in it', () => {
    expect(isFiltering(NO_ROOM_FILTER)).toBe(false);
    expect(isFiltering({ query: '  ', status: 'all' })).toBe(false);
    expect(isFiltering({ query: 'a', status: 'all' })).toBe(true);
    expect(isFiltering({ query: '', status: 'paused' })).toBe(true);
  });
});

describe('statusCounts', () => {
  it('offers the statuses present, most urgent first, with their counts', () => {
    expect(statusCounts(ROOMS)).toEqual([
      { status: 'failing', count: 2 },
      { status: 'conflicts', count: 1 },
      { status: 'in_sync', count: 1 },
      { status: 'paused', count: 1 },
    ]);
  });

  it('keeps offering the chosen status after its last room left it', () => {
    expect(statusCounts(ROOMS, 'waiting_for_approval')).toContainEqual({ status: 'waiting_for_approval', count: 0 });
    expect(statusCounts([], 'all')).toEqual([]);
  });
});
