// The setup wizard's review step: what each chosen room's first sync will do, counted and
// grouped from the dry run (`previewSetup`), and the sentences that say so. Kept out of the
// component so the counting can be tested.
import type { ConflictKind, HistoryKind, PlannedConflict, SetupPlanView, Side, StepPreview } from '../backend/types';
import { t, tn } from '../i18n/index.svelte';
import { conflictKindLabel, historyPhrase } from './format';

/**
 * The writes a first sync can make that have a counted sentence of their own
 * (`setup.plan_{action}`), in the order the review lists them: Outlook first, then the
 * booking system.
 */
export const PLAN_ACTIONS = [
  'create_event',
  'create_series',
  'update_event',
  'update_series',
  'move_event',
  'decline_event',
  'cancel_event',
  'delete_event',
  'create_reservation',
  'update_reservation',
  'move_reservation',
  'skip_occurrence',
  'detach_occurrence',
  'cancel_reservation',
] as const satisfies readonly HistoryKind[];
export type PlanAction = (typeof PLAN_ACTIONS)[number];

/** One title among a group's, with how many of the group's writes carry it. */
export interface TitleCount {
  title: string;
  count: number;
}

/** A room's writes of one kind: how many, and on what. */
export interface ActionGroup {
  action: HistoryKind;
  side: Side;
  count: number;
  /** Each distinct title once, in the order the plan first names it. */
  titles: TitleCount[];
  /** What the writes tell someone (a decline's message), each distinct text once. */
  messages: string[];
}

/** How many writes of one kind, over all rooms. */
export interface ActionCount {
  action: HistoryKind;
  count: number;
}

/** A conflict the first sync raises, with the room it is in. */
export interface RoomConflict {
  roomName: string;
  kind: ConflictKind;
  title: string;
}

/** One room's first sync. */
export interface RoomFirstSync {
  id: string;
  name: string;
  /** Why the room could not be read; its plan is then empty. */
  error: string | null;
  groups: ActionGroup[];
  /** All its writes. */
  writes: number;
  conflicts: PlannedConflict[];
  /** Conflicts that are double bookings (an Outlook meeting over a reservation). */
  doubleBookings: number;
  /** Conflicts of any other kind. */
  otherConflicts: number;
}

/** The review step's whole picture: each room, and the totals over them. */
export interface FirstSyncSummary {
  rooms: RoomFirstSync[];
  totals: ActionCount[];
  writes: number;
  conflicts: RoomConflict[];
  doubleBookings: number;
  otherConflicts: number;
  /** Rooms that could not be read. */
  failed: number;
  /** Rooms that were read and need nothing: no write, no conflict. */
  unchanged: number;
}

/** The review order of an action: those of `PLAN_ACTIONS` first, any other after them. */
function rank(action: HistoryKind): number {
  const i = (PLAN_ACTIONS as readonly string[]).indexOf(action);
  return i < 0 ? PLAN_ACTIONS.length : i;
}

/** `steps` grouped by what they do, in review order (the plan's order among unknown kinds). */
export function groupSteps(steps: readonly StepPreview[]): ActionGroup[] {
  const groups = new Map<HistoryKind, ActionGroup & { byTitle: Map<string, TitleCount> }>();
  for (const step of steps) {
    let group = groups.get(step.action);
    if (!group) {
      group = { action: step.action, side: step.side, count: 0, titles: [], messages: [], byTitle: new Map() };
      groups.set(step.action, group);
    }
    group.count += 1;
    const title = step.title.trim();
    const seen = group.byTitle.get(title);
    if (seen) seen.count += 1;
    else {
      const entry = { title, count: 1 };
      group.byTitle.set(title, entry);
      group.titles.push(entry);
    }
    const message = step.message?.trim();
    if (message && !group.messages.includes(message)) group.messages.push(message);
  }
  // A stable sort: unknown kinds keep the order the plan first named them in.
  return [...groups.values()]
    .sort((a, b) => rank(a.action) - rank(b.action))
    .map(({ byTitle: _, ...group }) => group);
}

/** Counts, groups and totals the first sync of every room `plans` holds. */
export function firstSyncSummary(plans: readonly SetupPlanView[]): FirstSyncSummary {
  const rooms = plans.map((p): RoomFirstSync => {
    const groups = groupSteps(p.plan.steps);
    const doubleBookings = p.plan.conflicts.filter((c) => c.kind === 'overlap').length;
    return {
      id: p.room_id,
      name: p.room_name,
      error: p.error,
      groups,
      writes: groups.reduce((n, g) => n + g.count, 0),
      conflicts: p.plan.conflicts,
      doubleBookings,
      otherConflicts: p.plan.conflicts.length - doubleBookings,
    };
  });

  const totals = new Map<HistoryKind, number>();
  for (const room of rooms) {
    for (const g of room.groups) totals.set(g.action, (totals.get(g.action) ?? 0) + g.count);
  }
  const sum = (f: (r: RoomFirstSync) => number) => rooms.reduce((n, r) => n + f(r), 0);
  return {
    rooms,
    totals: [...totals.entries()]
      .map(([action, count]) => ({ action, count }))
      .sort((a, b) => rank(a.action) - rank(b.action)),
    writes: sum((r) => r.writes),
    conflicts: rooms.flatMap((r) => r.conflicts.map((c) => ({ roomName: r.name, kind: c.kind, title: c.title }))),
    doubleBookings: sum((r) => r.doubleBookings),
    otherConflicts: sum((r) => r.otherConflicts),
    failed: rooms.filter((r) => r.error !== null).length,
    unchanged: rooms.filter((r) => r.error === null && r.writes === 0 && r.conflicts.length === 0).length,
  };
}

/** "Adds 42 reservations to Outlook": `count` writes of one kind, in a sentence. */
export function planSentence({ action, count }: ActionCount): string {
  return (PLAN_ACTIONS as readonly string[]).includes(action)
    ? tn(`setup.plan_${action as PlanAction}`, count)
    : t('setup.plan_other', { what: historyPhrase(action), count });
}

/** The sentences that say which conflicts will wait for a decision (none when none will). */
export function conflictSentences(c: Pick<RoomFirstSync, 'doubleBookings' | 'otherConflicts'>): string[] {
  const out: string[] = [];
  if (c.doubleBookings > 0) out.push(tn('setup.plan_double_bookings', c.doubleBookings));
  if (c.otherConflicts > 0) out.push(tn('setup.plan_other_conflicts', c.otherConflicts));
  return out;
}

/** A conflict's title as the review lists it; a kind other than a double booking is named. */
export function conflictLine(c: Pick<PlannedConflict, 'kind' | 'title'>): string {
  const title = c.title.trim() || t('conflicts.untitled');
  return c.kind === 'overlap' ? title : t('setup.review_conflict_kind', { title, kind: conflictKindLabel(c.kind) });
}

/** A title of a group's list, with how often it comes when more than once. */
export function titleLine({ title, count }: TitleCount): string {
  const shown = title || t('conflicts.untitled');
  return count > 1 ? t('setup.review_title_times', { title: shown, count }) : shown;
}

/** Who hears a group's message, for the kinds that tell someone. */
export function messageAudience(action: HistoryKind): string | null {
  switch (action) {
    case 'decline_event':
      return t('setup.review_told_organisers');
    case 'cancel_event':
      return t('setup.review_told_attendees');
    case 'cancel_reservation':
      return t('setup.review_told_booking_note');
    default:
      return null;
  }
}
