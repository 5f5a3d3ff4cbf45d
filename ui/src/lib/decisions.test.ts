import { afterEach, describe, expect, it } from 'vitest';
import type { ConflictChoice, DecisionView } from '../backend/types';
import { setLang } from '../i18n/index.svelte';
import { conflict } from '../test-fixtures';
import {
  allowedChoices,
  choiceLabel,
  commonChoices,
  decisionRequest,
  initialMerge,
  localInput,
  moveDefaults,
  stepAudience,
  stepSentence,
  pendingSummary,
  unquote,
} from './decisions';
import { policyLabel, policyOptions } from './policies';

const decided = (patch: Partial<DecisionView>) =>
  conflict(1, {
    decision: { choice: 'keep_booking', merge: null, move: null, by: 'kari', reason: '', at: '2026-11-21T10:00:00Z', ...patch },
  });

describe('decisions', () => {
  afterEach(() => setLang('en'));

  it('offers exactly the choices a conflict allows, in a stable order', () => {
    expect(allowedChoices(conflict(1, { choices: ['merge', 'keep_booking', 'keep_calendar'] }))).toEqual([
      'keep_booking',
      'keep_calendar',
      'merge',
    ]);
    expect(allowedChoices(conflict(2, { kind: 'fragment_edit', choices: ['keep_booking'] }))).toEqual(['keep_booking']);
  });

  it('a bulk decision offers the keep choices every selected conflict allows', () => {
    const edit = conflict(1);
    const overlap = conflict(2, { kind: 'overlap', choices: ['keep_booking', 'keep_calendar'] });
    const fragment = conflict(3, { kind: 'fragment_edit', choices: ['keep_booking'] });
    expect(commonChoices([edit, overlap])).toEqual(['keep_booking', 'keep_calendar']);
    expect(commonChoices([edit, overlap, fragment])).toEqual(['keep_booking']);
    expect(commonChoices([])).toEqual([]);
  });

  it('a merge request carries its field sides and the reason is trimmed', () => {
    const merge = initialMerge(new Set(['title']));
    expect(merge).toEqual({ times: 'booking', title: 'calendar', details: 'booking' });
    expect(decisionRequest('merge', '  club asked ', merge)).toEqual({ choice: 'merge', merge, reason: 'club asked' });
    expect(decisionRequest('keep_booking', '')).toEqual({ choice: 'keep_booking', reason: '' });
  });

  it('keeping both is decided one double booking at a time', () => {
    const overlap = (id: number) => conflict(id, { kind: 'overlap', choices: ['keep_booking', 'keep_calendar', 'move'] });
    expect(allowedChoices(overlap(1))).toEqual(['keep_booking', 'keep_calendar', 'move']);
    expect(commonChoices([overlap(1), overlap(2)])).toEqual(['keep_booking', 'keep_calendar']);
  });

  it('a move starts from the moving side’s local times and carries them in the request', () => {
    expect(localInput('2026-11-24T16:00:00Z', 'Europe/Oslo')).toBe('2026-11-24T17:00');
    expect(localInput('2026-07-01T22:30:00Z', 'Europe/Oslo')).toBe('2026-07-02T00:30');
    const c = conflict(1, {
      calendar: {
        title: 'Parents’ evening',
        when: { kind: 'timed', start: '2026-11-24T17:00:00Z', end: '2026-11-24T19:00:00Z' },
        time_zone: 'Europe/Oslo',
        organisation: '',
        description: '',
      },
    });
    expect(moveDefaults(c, 'booking')).toEqual({ side: 'booking', start: '2026-11-24T17:00', end: '2026-11-24T19:00' });
    expect(moveDefaults(c, 'calendar')).toEqual({ side: 'calendar', start: '2026-11-24T18:00', end: '2026-11-24T20:00' });
    const move = { side: 'booking' as const, start: '2026-11-24T08:00', end: '2026-11-24T10:00' };
    expect(decisionRequest('move', ' both needed ', undefined, move)).toEqual({ choice: 'move', move, reason: 'both needed' });
    expect(decisionRequest('keep_booking', '', undefined, move)).toEqual({ choice: 'keep_booking', reason: '' });
  });

  it('a pending move says which side moves and to when, in the room’s time', () => {
    const pending = conflict(1, {
      decision: {
        choice: 'move',
        merge: null,
        move: { side: 'calendar', start: '2026-11-24T07:00:00Z', end: '2026-11-24T08:00:00Z' },
        by: 'kari',
        reason: '',
        at: '2026-11-21T10:00:00Z',
      },
    });
    expect(pendingSummary(pending)).toMatch(/^Keep both, moving the Outlook meeting to .*08:00–09:00, chosen by kari$/);
  });

  it('a pending decision says who chose what and why', () => {
    expect(pendingSummary(conflict(1))).toBeNull();
    const pending = conflict(1, {
      decision: { choice: 'keep_booking', merge: null, move: null, by: 'kari', reason: 'Tuesdays are the club’s', at: '2026-11-21T10:00:00Z' },
    });
    expect(pendingSummary(pending)).toBe('Keep booking, chosen by kari: “Tuesdays are the club’s”');
  });

  it('a pending decision shows words, never codes, and a quoted reason in one pair of quotes', () => {
    const merge = pendingSummary(decided({ choice: 'merge', merge: { times: 'booking', title: 'calendar', details: 'booking' } }));
    expect(merge).toBe(
      'Merge (times from the booking system, title from Outlook, details from the booking system), chosen by kari',
    );
    expect(pendingSummary(decided({ reason: '"Tuesdays are the club’s"' }))).toBe(
      'Keep booking, chosen by kari: “Tuesdays are the club’s”',
    );
    expect(pendingSummary(decided({ reason: '“Tuesdays”' }))).toBe('Keep booking, chosen by kari: “Tuesdays”');
    // A choice a newer backend added reads as words too.
    const unknown = pendingSummary(decided({ choice: 'swap_rooms' as ConflictChoice }));
    expect(unknown).toBe('Swap rooms, chosen by kari');
    expect(choiceLabel('keep_calendar')).toBe('Keep Outlook');
  });

  it('takes off only the quotes around a whole reason', () => {
    expect(unquote(' "Tuesdays" ')).toBe('Tuesdays');
    expect(unquote('«Tirsdager»')).toBe('Tirsdager');
    expect(unquote('"A" or "B"')).toBe('"A" or "B"');
    expect(unquote('the club’s')).toBe('the club’s');
    expect(unquote('"')).toBe('"');
  });

  it('a pending decision speaks bokmål, with Norwegian quotes', () => {
    setLang('nb');
    expect(pendingSummary(decided({ reason: '"Tirsdagene er klubbens"' }))).toBe(
      'Behold bookingen, valgt av kari: «Tirsdagene er klubbens»',
    );
    expect(pendingSummary(decided({ choice: 'keep_calendar' }))).toBe('Behold Outlook-versjonen, valgt av kari');
    expect(
      pendingSummary(
        decided({ choice: 'move', move: { side: 'booking', start: '2026-11-24T07:00:00Z', end: '2026-11-24T08:00:00Z' } }),
      ),
    ).toBe('Behold begge, og flytt reservasjonen i bookingsystemet til tir. 24. nov. 2026 kl. 08:00–09:00, valgt av kari');
    // The input value is the same in every language.
    expect(localInput('2026-11-24T16:00:00Z', 'Europe/Oslo')).toBe('2026-11-24T17:00');
  });
});

describe('policies', () => {
  it('names policies for people and keeps an unlisted current policy selectable', () => {
    expect(policyLabel('booking-wins')).toBe('Booking system wins');
    expect(policyLabel('fields:times=booking,title=calendar,details=booking')).toBe(
      'By field: times from booking, title from Outlook, details from booking',
    );
    expect(policyOptions(['manual'], 'fields:title=calendar')).toEqual(['manual', 'fields:title=calendar']);
    expect(policyOptions(['manual'], null)).toEqual(['manual']);
  });
});

describe('what a decision does', () => {
  afterEach(() => setLang('en'));

  it('says each step in a sentence, and who is told', () => {
    const decline = { action: 'decline_event' as const, title: '"Team breakfast"', told: 'Kari Nordmann' };
    expect(stepSentence(decline)).toBe('Outlook: the room declines the meeting “Team breakfast”, which leaves the room calendar.');
    expect(stepAudience(decline)).toBe('Kari Nordmann, who organised it, gets this message:');
    expect(stepAudience({ action: 'decline_event', told: null })).toBe('Its organiser gets this message:');
    const cancel = { action: 'cancel_reservation' as const, title: 'Choir', told: null };
    expect(stepSentence(cancel)).toBe('Booking system: the reservation “Choir” is cancelled.');
    expect(stepAudience(cancel)).toBe('The booking system keeps this note:');
    expect(stepAudience({ action: 'update_event', told: null })).toBeNull();
    setLang('nb');
    expect(stepSentence(cancel)).toBe('Bookingsystemet: reservasjonen «Choir» avlyses.');
  });

  it('names an action it has no sentence for by its history phrase', () => {
    expect(stepSentence({ action: 'relink', title: 'Choir' })).toBe('Re-linked an existing reservation: Choir');
  });
});
