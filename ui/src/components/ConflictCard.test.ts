import { render } from 'svelte/server';
import { afterEach, describe, expect, it } from 'vitest';
import { setLang } from '../i18n/index.svelte';
import { conflict } from '../test-fixtures';
import ConflictCard from './ConflictCard.svelte';

const ondecide = async () => null;

function html(c: ReturnType<typeof conflict>): string {
  return render(ConflictCard, { props: { conflict: c, now: Date.UTC(2026, 10, 21, 12), ondecide } }).body;
}

/** The text a person sees: no tags, no attribute values. */
function visible(body: string): string {
  return body.replace(/<!--.*?-->/g, '').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');
}

describe('ConflictCard', () => {
  afterEach(() => setLang('en'));

  it('shows both versions with the differing field highlighted and every allowed choice', () => {
    const body = html(conflict(7));
    expect(body).toContain('Handball training');
    expect(body).toContain('Handball (moved)');
    expect(body).toMatch(/data-field="title" data-differs="true"/);
    expect(body).toMatch(/data-field="when" data-differs="false"/);
    for (const choice of ['keep_booking', 'keep_calendar', 'merge']) {
      expect(body).toContain(`data-testid="choice-${choice}"`);
    }
    expect(body).toContain('data-testid="merge-fields"');
    expect(body).toContain('data-testid="conflict-reason"');
    expect(body).not.toContain('data-testid="conflict-pending"');
  });

  it('offers no merge for a double booking', () => {
    const body = html(conflict(8, { kind: 'overlap', choices: ['keep_booking', 'keep_calendar'] }));
    expect(body).toContain('data-testid="choice-keep_calendar"');
    expect(body).not.toContain('data-testid="choice-merge"');
    expect(body).not.toContain('data-testid="merge-fields"');
  });

  it('offers keeping both for a double booking, starting from the reservation’s own local times', () => {
    const body = html(conflict(8, { kind: 'overlap', choices: ['keep_booking', 'keep_calendar', 'move'] }));
    expect(body).toContain('data-testid="move-fields"');
    expect(body).toContain('data-testid="choice-move"');
    // 16:00Z is 17:00 in Oslo in November.
    expect(body).toMatch(/data-testid="move-start"[^>]*value="2026-11-24T17:00"|value="2026-11-24T17:00"[^>]*data-testid="move-start"/);
    expect(body).toContain('Europe/Oslo');
    expect(html(conflict(7))).not.toContain('data-testid="move-fields"');
  });

  it('shows a pending decision as waiting for the next sync', () => {
    const body = html(
      conflict(9, {
        decision: { choice: 'keep_calendar', merge: null, move: null, by: 'kari', reason: '', at: '2026-11-21T10:00:00Z' },
      }),
    );
    expect(body).toContain('data-testid="conflict-pending"');
    expect(body).toContain('Keep Outlook, chosen by kari');
    expect(body).toContain("The room's next sync carries it out; until then you can undo it.");
    expect(body).toContain('data-testid="conflict-undo"');
    expect(body).toContain('data-testid="conflict-carry-out"');
    // Decided: what each choice would do is no longer offered.
    expect(body).not.toContain('data-testid="conflict-outcomes"');
  });

  it('says for each choice what it does, in general words until the plan is known', () => {
    const body = html(conflict(8, { kind: 'overlap', choices: ['keep_booking', 'keep_calendar', 'move'] }));
    expect(body).toContain('data-testid="conflict-outcomes"');
    expect(body).toContain('data-testid="outcome-keep_booking"');
    expect(visible(body)).toContain('the one you choose above moves to the new time');
  });

  it('shows decisions in words: no codes, no doubled quotes', () => {
    const body = html(
      conflict(9, {
        decision: {
          choice: 'merge',
          merge: { times: 'booking', title: 'calendar', details: 'booking' },
          move: null,
          by: 'kari',
          reason: '"The club renamed it"',
          at: '2026-11-21T10:00:00Z',
        },
      }),
    );
    const text = visible(body);
    expect(text).toContain('Merge (times from the booking system, title from Outlook, details from the booking system)');
    expect(text).toContain('“The club renamed it”');
    expect(text).not.toMatch(/keep_booking|keep_calendar|_/);
    expect(text).not.toMatch(/[“"]{2}/);
    expect(text).toContain('detected 2 hours ago');
  });

  it('shows a double booking on a time line, with the overlap, and its field comparison folded away', () => {
    const body = html(
      conflict(8, {
        kind: 'overlap',
        fields: ['title', 'when', 'organisation'],
        choices: ['keep_booking', 'keep_calendar', 'move'],
        booking: {
          title: 'Climate plan working group',
          when: { kind: 'timed', start: '2026-12-17T07:30:00Z', end: '2026-12-17T09:00:00Z' },
          time_zone: 'Europe/Oslo',
          organisation: "Mayor's Office",
          description: '',
        },
        calendar: {
          title: 'Interview: teacher position',
          when: { kind: 'timed', start: '2026-12-17T08:00:00Z', end: '2026-12-17T10:00:00Z' },
          time_zone: 'Europe/Oslo',
          organisation: 'Ingrid Berg',
          description: '',
        },
      }),
    );
    const text = visible(body);
    expect(body).toContain('data-testid="overlap-timeline"');
    expect(body.match(/data-testid="timeline-lane"/g)).toHaveLength(2);
    expect(text).toContain('Double booking: both hold the room 09:00–10:00');
    expect(text).toContain('Overlap 09:00–10:00');
    expect(text).toMatch(/Booking system Climate plan working group · Mayor(&#39;|')s Office · Thu, 17 Dec 2026, 08:30–10:00/);
    expect(text).toContain('Outlook calendar Interview: teacher position · Ingrid Berg · Thu, 17 Dec 2026, 09:00–11:00');
    // Ticks at the whole hours of Oslo, 08:00 to 11:00.
    expect(text).toMatch(/08:00 09:00 10:00 11:00/);
    expect(text).not.toMatch(/fields? differs?/);
    // The comparison is still there, behind "Compare details".
    expect(body).toMatch(/<details[^>]*data-testid="compare-details"[^>]*>\s*<summary[^>]*>Compare details<\/summary>\s*<table class="compare/);
    expect(body).toMatch(/data-field="when" data-differs="true"/);
  });

  it('keeps the field comparison open for a conflict of two versions of one reservation', () => {
    const body = html(conflict(7));
    expect(body).not.toContain('data-testid="overlap-timeline"');
    expect(body).not.toContain('data-testid="compare-details"');
    expect(visible(body)).toContain('1 field differs');
  });

  it('speaks bokmål', () => {
    setLang('nb');
    const text = visible(html(conflict(8, { kind: 'overlap', choices: ['keep_booking', 'keep_calendar', 'move'] })));
    for (const words of ['Bookingsystemet', 'Outlook-kalenderen', 'Behold bookingen', 'Behold Outlook-versjonen', 'Behold begge', 'Begrunnelse', 'oppdaget for 2 timer siden']) {
      expect(text).toContain(words);
    }
    expect(text).toContain('Outlook-møtet dobbeltbooker rommet');
    // Both fixtures hold the room 17:00–19:00 in Oslo.
    expect(text).toContain('Dobbeltbooking: begge har rommet kl. 17:00–19:00');
    expect(text).toContain('Overlapp kl. 17:00–19:00');
    expect(text).toContain('Sammenlign detaljer');
    expect(text).not.toMatch(/Keep|Booking system|detected/);
  });
});
