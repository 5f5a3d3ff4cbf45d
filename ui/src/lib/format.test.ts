import { describe, expect, it } from 'vitest';
import {
  conflictKindLabel,
  historyPhrase,
  humanise,
  mailboxParts,
  outcomeChip,
  relativeTime,
  shortTime,
  sideLabel,
  statusChip,
} from './format';
import { API_ERROR_CODES, type RoomStatus } from '../backend/types';
import { HISTORY_KINDS } from './history';

const NOW = Date.parse('2026-11-21T12:00:00Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString();

describe('statusChip', () => {
  it('gives every room status a label and a distinct tone for the ones that need attention', () => {
    const statuses: RoomStatus[] = [
      'idle',
      'syncing',
      'in_sync',
      'conflicts',
      'failing',
      'waiting_for_approval',
      'paused',
    ];
    const chips = Object.fromEntries(statuses.map((s) => [s, statusChip(s)]));
    expect(chips.in_sync).toEqual({ label: 'In sync', tone: 'ok' });
    expect(chips.failing).toEqual({ label: 'Failing', tone: 'danger' });
    expect(chips.conflicts).toEqual({ label: 'Conflicts', tone: 'warn' });
    // Held deletions wait for a person; nothing failed.
    expect(chips.waiting_for_approval).toEqual({ label: 'Waiting for approval', tone: 'warn' });
    expect(chips.syncing!.tone).toBe('info');
    expect(chips.paused!.tone).toBe('muted');
    expect(chips.idle!.tone).toBe('neutral');
  });

  it('shows a status from a newer backend as words instead of failing', () => {
    expect(statusChip('being_rebuilt')).toEqual({ label: 'Being rebuilt', tone: 'neutral' });
  });
});

describe('historyPhrase', () => {
  it('has a human phrase for every kind of history entry', () => {
    const kinds = [...HISTORY_KINDS];
    const phrases = kinds.map(historyPhrase);
    expect(new Set(phrases).size).toBe(kinds.length);
    for (const p of phrases) expect(p).not.toMatch(/_/);
    expect(historyPhrase('create_event')).toBe('Created the Outlook event');
    expect(historyPhrase('cancel_reservation')).toBe('Cancelled the booking reservation');
    expect(historyPhrase('cycle_failed')).toBe('Sync failed');
  });

  it('falls back to the kind in words for an unknown kind', () => {
    expect(historyPhrase('approve_mass_delete')).toBe('Approve mass delete');
  });
});

describe('labels', () => {
  it('names sides after the systems, never A/B', () => {
    expect(sideLabel('booking')).toBe('Booking system');
    expect(sideLabel('calendar')).toBe('Outlook');
    expect(sideLabel(null)).toBe('—');
  });

  it('colours outcomes', () => {
    expect(outcomeChip('ok').tone).toBe('ok');
    expect(outcomeChip('failed').tone).toBe('danger');
    expect(outcomeChip('conflict').tone).toBe('warn');
  });

  it('describes conflict kinds', () => {
    expect(conflictKindLabel('edit')).toBe('Edited on both sides');
    expect(conflictKindLabel('delete_edit')).toMatch(/Deleted/);
  });

  it('splits a mailbox before its domain, where a narrow column may break it', () => {
    expect(mailboxParts('culture-studio@nordvik.kommune.example')).toEqual({
      local: 'culture-studio',
      domain: '@nordvik.kommune.example',
    });
    expect(mailboxParts('odd"@"name@example.org')).toEqual({ local: 'odd"@"name', domain: '@example.org' });
    expect(mailboxParts('no-domain')).toEqual({ local: 'no-domain', domain: '' });
    expect(mailboxParts('@example.org')).toEqual({ local: '@example.org', domain: '' });
  });

  it('humanises codes', () => {
    expect(humanise('in_sync')).toBe('In sync');
    expect(humanise('')).toBe('');
  });

  it('keeps the error codes a closed set the UI knows', () => {
    expect([...API_ERROR_CODES]).toEqual([
      'unauthorized',
      'not_found',
      'invalid_input',
      'unavailable',
      'not_configured',
      'internal',
    ]);
  });
});

describe('relativeTime', () => {
  it.each([
    [null, 'Never'],
    ['not a date', 'Unknown'],
    [ago(0), 'just now'],
    [ago(30), 'just now'],
    [ago(-20), 'just now'], // a clock a little ahead of ours
    [ago(60), '1 minute ago'],
    [ago(5 * 60), '5 minutes ago'],
    [ago(59 * 60), '59 minutes ago'],
    [ago(2 * 3600), '2 hours ago'],
    [ago(26 * 3600), 'yesterday'],
    [ago(3 * 86400), '3 days ago'],
    [ago(14 * 86400), '2 weeks ago'],
    [ago(-3 * 3600), 'in 3 hours'],
  ])('%s -> %s', (iso, expected) => {
    expect(relativeTime(iso, NOW)).toBe(expected);
  });
});

describe('shortTime', () => {
  it('shows only the clock for today and adds the date otherwise', () => {
    const today = new Date(NOW - 60_000).toISOString();
    expect(shortTime(today, NOW)).toMatch(/^\d\d:\d\d:\d\d$/);
    expect(shortTime(ago(3 * 86400), NOW)).toMatch(/^\d{1,2} \w{3} \d\d:\d\d:\d\d$/);
  });
});
