import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryKind, PlannedConflict, SetupPlanView, Side, StepPreview } from '../backend/types';
import { setLang } from '../i18n/index.svelte';
import {
  conflictLine,
  conflictSentences,
  firstSyncSummary,
  groupSteps,
  messageAudience,
  PLAN_ACTIONS,
  planSentence,
  titleLine,
} from './firstsync';

function step(action: HistoryKind, title: string, patch: Partial<StepPreview> = {}): StepPreview {
  const side: Side = action.endsWith('_reservation') || action.endsWith('_occurrence') ? 'booking' : 'calendar';
  return { action, side, title, message: null, told: null, ...patch };
}

function plan(
  id: string,
  steps: StepPreview[],
  conflicts: PlannedConflict[] = [],
  error: string | null = null,
): SetupPlanView {
  return { room_id: id, room_name: `Room ${id}`, plan: { steps, conflicts, held: 0 }, error };
}

/** `n` steps of one kind, titled `prefix 1`…`prefix n`. */
function many(n: number, action: HistoryKind, prefix: string): StepPreview[] {
  return Array.from({ length: n }, (_, i) => step(action, `${prefix} ${i + 1}`));
}

describe('groupSteps', () => {
  it('counts each kind of write, Outlook first, and lists each title once with how often it comes', () => {
    const groups = groupSteps([
      step('create_reservation', 'Budget meeting'),
      step('create_event', 'Handball practice'),
      step('create_series', 'Choir rehearsal'),
      step('create_event', 'Handball practice '),
      step('create_event', 'School concert'),
      step('create_reservation', 'Road maintenance'),
      step('create_event', 'Handball practice'),
    ]);
    expect(groups.map((g) => [g.action, g.side, g.count])).toEqual([
      ['create_event', 'calendar', 4],
      ['create_series', 'calendar', 1],
      ['create_reservation', 'booking', 2],
    ]);
    expect(groups[0]!.titles).toEqual([
      { title: 'Handball practice', count: 3 },
      { title: 'School concert', count: 1 },
    ]);
    expect(groups[2]!.titles.map((x) => x.title)).toEqual(['Budget meeting', 'Road maintenance']);
  });

  it('keeps each distinct message once, and puts kinds without a sentence last in plan order', () => {
    const declined = 'The room is booked in the booking system at this time.';
    const groups = groupSteps([
      step('relink', 'A'),
      step('decline_event', 'Team breakfast', { message: declined, told: 'Kari' }),
      step('forget', 'B'),
      step('decline_event', 'Board meeting', { message: ` ${declined}` }),
      step('decline_event', 'Quiz night', { message: 'Another text' }),
      step('cancel_reservation', 'C', { message: null }),
    ]);
    expect(groups.map((g) => g.action)).toEqual(['decline_event', 'cancel_reservation', 'relink', 'forget']);
    expect(groups[0]!.count).toBe(3);
    expect(groups[0]!.messages).toEqual([declined, 'Another text']);
    expect(groups[1]!.messages).toEqual([]);
  });

  it('has nothing to group in an empty plan', () => {
    expect(groupSteps([])).toEqual([]);
  });
});

describe('firstSyncSummary', () => {
  // As the demo's emulators plan it: mostly reservations into Outlook, a few Outlook meetings
  // into the booking system, and double bookings in two rooms.
  const plans = [
    plan('fjord', [...many(34, 'create_event', 'Meeting'), ...many(3, 'create_reservation', 'Outlook meeting')], [
      { kind: 'overlap', title: 'Road maintenance coordination' },
    ]),
    plan(
      'stage',
      [step('create_series', 'Choir rehearsal'), ...many(5, 'create_event', 'Concert')],
      [{ kind: 'read_only', title: 'Stage rigging' }],
    ),
    plan(
      'skog',
      many(39, 'create_event', 'Meeting'),
      [
        { kind: 'overlap', title: 'Building permit meeting' },
        { kind: 'overlap', title: 'Climate plan working group' },
        { kind: 'edit', title: 'Health and care leadership' },
      ],
    ),
    plan('quiet', []),
    plan('broken', [], [], 'Microsoft 365 refused access to gym@example.org (403)'),
  ];

  it('counts every room and the totals over them', () => {
    const s = firstSyncSummary(plans);
    expect(s.totals).toEqual([
      { action: 'create_event', count: 78 },
      { action: 'create_series', count: 1 },
      { action: 'create_reservation', count: 3 },
    ]);
    expect(s.writes).toBe(82);
    expect(s.rooms.map((r) => [r.id, r.writes, r.doubleBookings, r.otherConflicts])).toEqual([
      ['fjord', 37, 1, 0],
      ['stage', 6, 0, 1],
      ['skog', 39, 2, 1],
      ['quiet', 0, 0, 0],
      ['broken', 0, 0, 0],
    ]);
    expect(s.doubleBookings).toBe(3);
    expect(s.otherConflicts).toBe(2);
    expect(s.failed).toBe(1);
    expect(s.unchanged).toBe(1);
    expect(s.rooms[4]!.error).toMatch(/403/);
  });

  it('lists every conflict with the room it waits in', () => {
    expect(firstSyncSummary(plans).conflicts).toEqual([
      { roomName: 'Room fjord', kind: 'overlap', title: 'Road maintenance coordination' },
      { roomName: 'Room stage', kind: 'read_only', title: 'Stage rigging' },
      { roomName: 'Room skog', kind: 'overlap', title: 'Building permit meeting' },
      { roomName: 'Room skog', kind: 'overlap', title: 'Climate plan working group' },
      { roomName: 'Room skog', kind: 'edit', title: 'Health and care leadership' },
    ]);
  });

  it('says nothing waits when no room has a conflict', () => {
    const s = firstSyncSummary([plan('hall', many(2, 'create_event', 'Quiz')), plans[3]!]);
    expect([s.writes, s.doubleBookings, s.otherConflicts, s.conflicts.length, s.failed, s.unchanged]).toEqual([
      2, 0, 0, 0, 0, 1,
    ]);
    expect(conflictSentences(s)).toEqual([]);
  });
});

describe('the words of the review', () => {
  afterEach(() => setLang('en'));

  it('counts writes in sentences, singular and plural, in English and bokmål', () => {
    setLang('en');
    expect(planSentence({ action: 'create_event', count: 42 })).toBe('Adds 42 reservations to Outlook');
    expect(planSentence({ action: 'create_event', count: 1 })).toBe('Adds 1 reservation to Outlook');
    expect(planSentence({ action: 'create_reservation', count: 3 })).toBe('Adds 3 Outlook meetings to the booking system');
    expect(planSentence({ action: 'decline_event', count: 2 })).toBe('Declines 2 Outlook meetings');
    setLang('nb');
    expect(planSentence({ action: 'create_event', count: 42 })).toBe('Legger inn 42 reservasjoner i Outlook');
    expect(planSentence({ action: 'create_reservation', count: 1 })).toBe('Legger inn 1 Outlook-møte i bookingsystemet');
  });

  it('has a sentence for every write with one of its own, and names any other kind', () => {
    for (const action of PLAN_ACTIONS) {
      expect(planSentence({ action, count: 2 }), action).toMatch(/^\S+.* 2 /);
    }
    expect(planSentence({ action: 'relink', count: 4 })).toBe('Re-linked an existing reservation: 4');
  });

  it('says how many double bookings and other conflicts wait, and where', () => {
    expect(conflictSentences({ doubleBookings: 5, otherConflicts: 0 })).toEqual([
      '5 double bookings will wait for your decision on the Conflicts screen.',
    ]);
    expect(conflictSentences({ doubleBookings: 1, otherConflicts: 1 })).toEqual([
      '1 double booking will wait for your decision on the Conflicts screen.',
      '1 conflict will wait for your decision on the Conflicts screen.',
    ]);
    setLang('nb');
    expect(conflictSentences({ doubleBookings: 5, otherConflicts: 0 })).toEqual([
      '5 dobbeltbookinger vil vente på avgjørelsen din i skjermbildet Konflikter.',
    ]);
  });

  it('names a conflict by its title, with its kind unless it is a double booking', () => {
    expect(conflictLine({ kind: 'overlap', title: 'Parent evening' })).toBe('Parent evening');
    expect(conflictLine({ kind: 'edit', title: 'Parent evening' })).toBe('Parent evening (Edited on both sides)');
    expect(conflictLine({ kind: 'overlap', title: '  ' })).toBe('Untitled reservation');
  });

  it('shows how often a title comes when more than once', () => {
    expect(titleLine({ title: 'Handball practice', count: 3 })).toBe('Handball practice (×3)');
    expect(titleLine({ title: 'School concert', count: 1 })).toBe('School concert');
    expect(titleLine({ title: '', count: 1 })).toBe('Untitled reservation');
  });

  it('says who hears a message for the writes that tell someone', () => {
    expect(messageAudience('decline_event')).toBe('Their organisers get this message:');
    expect(messageAudience('cancel_reservation')).toBe('The booking system keeps this note:');
    expect(messageAudience('create_event')).toBeNull();
  });
});
