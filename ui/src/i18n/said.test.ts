import { describe, expect, it } from 'vitest';
import type { Words } from '../backend/api';
import { say } from './said';

// Shapes as the server serialises `core::i18n::Words` (see crates/core/src/i18n.rs).
const declined: Words = {
  key: 'reason.decline_event',
  args: [['message', { text: 'The room is closed (Staff training).' }]],
};

describe('say', () => {
  it('says a history detail in bokmål and in English from the backend catalog', () => {
    expect(say(declined, 'nb')).toBe('Rommet avslo dette Outlook-møtet og sa til arrangøren: «The room is closed (Staff training).»');
    expect(say(declined, 'en')).toBe('The room declined this Outlook meeting and told the organizer: "The room is closed (Staff training)."');
  });

  it('picks the plural form by count and fills {count}', () => {
    const series: Words = { key: 'reason.create_series', count: 1 };
    expect(say(series, 'nb')).toContain('(1 forekomst i synkroniseringsvinduet)');
    expect(say({ ...series, count: 12 }, 'nb')).toContain('(12 forekomster i synkroniseringsvinduet)');
  });

  it('says nested words and joins lists as the language does', () => {
    const decided: Words = {
      key: 'reason.decided',
      args: [
        ['kind', { words: { key: 'reason.kind_overlap' } }],
        ['by', { text: 'kari' }],
        ['at', { text: '2026-12-07 10:00 UTC' }],
        ['choice', { words: { key: 'reason.choice_keep_booking' } }],
      ],
    };
    expect(say(decided, 'nb')).toBe('Dobbeltbooking-konflikt avgjort av kari 2026-12-07 10:00 UTC: behold bookingsystemets versjon.');
    const rights: Words = {
      key: 'check.portico_missing_rights',
      args: [
        ['user', { text: 'rb' }],
        ['rights', { list: [[{ key: 'check.right_read' }, { key: 'check.right_add' }, { key: 'check.right_edit' }], 'list.or'] }],
      ],
    };
    expect(say(rights, 'nb')).toBe(
      'Logget på PorticoEstate som «rb», men brukeren har ikke lov til å lese arrangementer, legge til arrangementer eller redigere arrangementer.',
    );
    const parts: Words = {
      key: 'reason.details',
      args: [['parts', { list: [[{ key: 'reason.update_event' }, { key: 'reason.as_said', args: [['text', { text: 'Extra.' }]] }], ''] }]],
    };
    expect(say(parts, 'en')).toBe('Changed in the booking system; Outlook updated. Extra.');
  });

  it('writes dates as the backend does', () => {
    const taken: Words = {
      key: 'moving.span_one_day',
      args: [
        ['day', { date: '2026-12-01' }],
        ['start', { text: '18:00' }],
        ['end', { text: '19:00' }],
      ],
    };
    expect(say(taken, 'en')).toBe('Tue 1 Dec 18:00–19:00');
    expect(say(taken, 'nb')).toBe('tir. 1. des. 18:00–19:00');
  });

  it('shows an unknown key rather than nothing', () => {
    expect(say({ key: 'reason.no_such_key' }, 'nb')).toBe('reason.no_such_key');
  });
});
