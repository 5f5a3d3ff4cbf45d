import { describe, expect, it } from 'vitest';
import { conflict } from '../test-fixtures';
import { allowedChoices, commonChoices, decisionRequest, initialMerge, pendingSummary } from './decisions';
import { policyLabel, policyOptions } from './policies';

describe('decisions', () => {
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

  it('a pending decision says who chose what and why', () => {
    expect(pendingSummary(conflict(1))).toBeNull();
    const pending = conflict(1, {
      decision: { choice: 'keep_booking', merge: null, by: 'kari', reason: 'Tuesdays are the club’s', at: '2026-11-21T10:00:00Z' },
    });
    expect(pendingSummary(pending)).toBe('Keep booking, chosen by kari: “Tuesdays are the club’s”');
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
