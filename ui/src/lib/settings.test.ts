import { afterEach, describe, expect, it } from 'vitest';
import type { SettingsView } from '../backend/types';
import { setLang } from '../i18n/index.svelte';
import { changes, describeInterval, formOf, validate } from './settings';

const saved: SettingsView = {
  poll_interval_secs: 60,
  days_back: 7,
  days_ahead: 365,
  privacy: 'full',
  notifications: { failures: true, sign_in: true, conflicts: true },
  language: null,
  system_language: 'en',
  organiser_language: 'nb',
  bounds: { poll_min_secs: 30, poll_max_secs: 3600, days_back_max: 90, days_ahead_min: 7, days_ahead_max: 730 },
  paths: { data_dir: '/data', database: '/data/roombridge.sqlite', log_dir: null },
};

describe('validate', () => {
  it('accepts the saved settings and the bounds themselves', () => {
    expect(validate(formOf(saved), saved)).toEqual({});
    const edges = { ...formOf(saved), pollSecs: '30', daysBack: '0', daysAhead: '730' };
    expect(validate(edges, saved)).toEqual({});
    expect(validate({ ...edges, pollSecs: ' 3600 ', daysAhead: '7' }, saved)).toEqual({});
  });

  it('names each field out of bounds with what is allowed', () => {
    const cases: Array<[Partial<ReturnType<typeof formOf>>, string, string]> = [
      [{ pollSecs: '29' }, 'pollSecs', 'from 30 (30 seconds) to 3600 (1 hour)'],
      [{ pollSecs: '3601' }, 'pollSecs', 'from 30'],
      [{ pollSecs: '' }, 'pollSecs', 'whole number of seconds'],
      [{ pollSecs: '1.5' }, 'pollSecs', 'whole number'],
      [{ daysBack: '-1' }, 'daysBack', 'from 0 to 90'],
      [{ daysBack: '91' }, 'daysBack', 'from 0 to 90'],
      [{ daysAhead: '6' }, 'daysAhead', 'from 7 to 730'],
      [{ daysAhead: 'soon' }, 'daysAhead', 'from 7 to 730'],
    ];
    for (const [change, field, text] of cases) {
      const errors = validate({ ...formOf(saved), ...change }, saved);
      expect(Object.keys(errors), JSON.stringify(change)).toEqual([field]);
      expect(errors[field as keyof typeof errors]).toContain(text);
    }
  });

  it('never blocks a field left as saved, even outside the bounds', () => {
    const started = { ...saved, poll_interval_secs: 10 };
    expect(validate(formOf(started), started)).toEqual({});
    expect(validate({ ...formOf(started), privacy: 'reserved' }, started)).toEqual({});
    expect(Object.keys(validate({ ...formOf(started), pollSecs: '11' }, started))).toEqual(['pollSecs']);
  });
});

describe('changes', () => {
  it('sends nothing for an untouched form and only what changed otherwise', () => {
    expect(changes(formOf(saved), saved)).toEqual({});
    const form = { ...formOf(saved), pollSecs: '300', privacy: 'reserved' as const };
    expect(changes(form, saved)).toEqual({ poll_interval_secs: 300, privacy: 'reserved' });
    const quiet = { ...formOf(saved), notifications: { failures: true, sign_in: true, conflicts: false } };
    expect(changes(quiet, saved)).toEqual({ notifications: { failures: true, sign_in: true, conflicts: false } });
  });
});

describe('describeInterval', () => {
  it('reads as a person says it', () => {
    expect(describeInterval(30)).toBe('30 seconds');
    expect(describeInterval(60)).toBe('1 minute');
    expect(describeInterval(300)).toBe('5 minutes');
    expect(describeInterval(90)).toBe('90 seconds');
    expect(describeInterval(3600)).toBe('1 hour');
    expect(describeInterval(1)).toBe('1 second');
    expect(describeInterval(7200)).toBe('2 hours');
  });
});

describe('in bokmål', () => {
  afterEach(() => setLang('en'));

  it('says intervals with Norwegian plurals', () => {
    setLang('nb');
    expect(describeInterval(1)).toBe('1 sekund');
    expect(describeInterval(30)).toBe('30 sekunder');
    expect(describeInterval(60)).toBe('1 minutt');
    expect(describeInterval(300)).toBe('5 minutter');
    expect(describeInterval(3600)).toBe('1 time');
    expect(describeInterval(7200)).toBe('2 timer');
  });

  it('gives the bounds as they are typed, without a thousands separator', () => {
    setLang('nb');
    const errors = validate({ ...formOf(saved), pollSecs: '29', daysAhead: '1000' }, saved);
    expect(errors.pollSecs).toBe('Skriv inn et helt antall sekunder fra 30 (30 sekunder) til 3600 (1 time).');
    expect(errors.daysAhead).toBe('Skriv inn et helt antall dager fra 7 til 730.');
  });
});
