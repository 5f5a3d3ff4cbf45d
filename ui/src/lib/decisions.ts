import type { ConflictChoice, ConflictView, DecisionRequest, FieldOwnership, Side } from '../backend/types';

/** Button labels, in the order they are offered. */
export const CHOICE_LABELS: Record<ConflictChoice, string> = {
  keep_booking: 'Keep booking',
  keep_calendar: 'Keep Outlook',
  merge: 'Merge',
};

const ORDER: ConflictChoice[] = ['keep_booking', 'keep_calendar', 'merge'];

/** Exactly the choices the conflict allows, in a stable order; unknown names are dropped. */
export function allowedChoices(conflict: Pick<ConflictView, 'choices'>): ConflictChoice[] {
  return ORDER.filter((c) => conflict.choices.includes(c));
}

/** The field groups a merge picks a side for. */
export const MERGE_GROUPS = [
  { key: 'times', label: 'Times' },
  { key: 'title', label: 'Title' },
  { key: 'details', label: 'Details (organisation, description)' },
] as const satisfies readonly { key: keyof FieldOwnership; label: string }[];

/**
 * The merge a conflict starts from: each group from the booking system, except the title and
 * details when only Outlook's differ there (the usual reason to merge is an Outlook retitle).
 */
export function initialMerge(differing: ReadonlySet<string>): FieldOwnership {
  const calendarIf = (changed: boolean): Side => (changed ? 'calendar' : 'booking');
  return {
    times: 'booking',
    title: calendarIf(differing.has('title')),
    details: calendarIf(differing.has('organisation') || differing.has('description')),
  };
}

/** The request for a choice; a merge carries its field sides. */
export function decisionRequest(choice: ConflictChoice, reason: string, merge?: FieldOwnership): DecisionRequest {
  const request: DecisionRequest = { choice, reason: reason.trim() };
  if (choice === 'merge') request.merge = merge ?? { times: 'booking', title: 'booking', details: 'booking' };
  return request;
}

/** Choices every selected conflict allows (what a bulk decision may offer). */
export function commonChoices(conflicts: readonly Pick<ConflictView, 'choices'>[]): ConflictChoice[] {
  if (conflicts.length === 0) return [];
  // A bulk merge would apply one field split to different reservations; offer keep only.
  return allowedChoices(conflicts[0]!).filter(
    (c) => c !== 'merge' && conflicts.every((x) => x.choices.includes(c)),
  );
}

/** "Keep booking, chosen by kari: reason" — what a pending decision says. */
export function pendingSummary(conflict: Pick<ConflictView, 'decision'>): string | null {
  const d = conflict.decision;
  if (!d) return null;
  let what: string = CHOICE_LABELS[d.choice] ?? d.choice;
  if (d.choice === 'merge' && d.merge) {
    const side = (s: Side) => (s === 'booking' ? 'booking' : 'Outlook');
    what = `Merge (times from ${side(d.merge.times)}, title from ${side(d.merge.title)}, details from ${side(d.merge.details)})`;
  }
  return `${what}, chosen by ${d.by}${d.reason ? `: “${d.reason}”` : ''}`;
}
