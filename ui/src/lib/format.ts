import type { ConflictKind, HistoryKind, Outcome, RoomKind, RoomStatus, Side } from '../backend/types';

/** Visual tone of a chip; each maps to one colour pair in the style sheet. */
export type Tone = 'ok' | 'info' | 'warn' | 'danger' | 'neutral' | 'muted';

export interface ChipSpec {
  label: string;
  tone: Tone;
}

const STATUS: Record<RoomStatus, ChipSpec> = {
  idle: { label: 'Idle', tone: 'neutral' },
  syncing: { label: 'Syncing', tone: 'info' },
  in_sync: { label: 'In sync', tone: 'ok' },
  conflicts: { label: 'Conflicts', tone: 'warn' },
  failing: { label: 'Failing', tone: 'danger' },
  waiting_for_approval: { label: 'Waiting for approval', tone: 'warn' },
  paused: { label: 'Paused', tone: 'muted' },
};

/** Label and tone for a room status; an unknown status (a newer backend) shows as-is. */
export function statusChip(status: RoomStatus | string): ChipSpec {
  return STATUS[status as RoomStatus] ?? { label: humanise(status), tone: 'neutral' };
}

const OUTCOME: Record<Outcome, ChipSpec> = {
  ok: { label: 'OK', tone: 'ok' },
  failed: { label: 'Failed', tone: 'danger' },
  conflict: { label: 'Conflict', tone: 'warn' },
};

export function outcomeChip(outcome: Outcome | string): ChipSpec {
  return OUTCOME[outcome as Outcome] ?? { label: humanise(outcome), tone: 'neutral' };
}

const PHRASE: Record<HistoryKind, string> = {
  create_event: 'Created the Outlook event',
  update_event: 'Updated the Outlook event',
  delete_event: 'Removed the Outlook event',
  cancel_event: 'Cancelled the Outlook meeting',
  decline_event: 'Declined the Outlook meeting',
  create_series: 'Created an Outlook series',
  update_series: 'Updated the Outlook series',
  move_event: 'Moved the Outlook meeting',
  move_reservation: 'Moved the booking reservation',
  skip_occurrence: 'Skipped one occurrence',
  detach_occurrence: 'Changed one occurrence',
  settle: 'Settled a decided conflict',
  create_reservation: 'Created a booking reservation',
  update_reservation: 'Updated the booking reservation',
  cancel_reservation: 'Cancelled the booking reservation',
  relink: 'Re-linked an existing reservation',
  forget: 'Stopped tracking a reservation',
  conflict: 'Found a conflict',
  conflict_decided: 'Carried out a conflict decision',
  rejected: 'Declined a reservation',
  orphaned: 'Synced a reservation whose parent is missing',
  cycle_failed: 'Sync cycle failed',
  deletions_held: 'Held back mass deletions',
  mapping: 'Changed a room mapping',
};

/** A short human sentence for what a history entry did. */
export function historyPhrase(kind: HistoryKind | string): string {
  return PHRASE[kind as HistoryKind] ?? humanise(kind);
}

export function sideLabel(side: Side | null): string {
  if (side === 'booking') return 'Booking system';
  if (side === 'calendar') return 'Outlook';
  return '—';
}

export function roomKindLabel(kind: RoomKind | string): string {
  if (kind === 'room') return 'Room';
  if (kind === 'equipment') return 'Equipment';
  return humanise(kind);
}

/**
 * An e-mail address split before its last "@", so a narrow column breaks it there rather than
 * at a hyphen of the mailbox name. Without an "@" the whole address is the local part.
 */
export function mailboxParts(email: string): { local: string; domain: string } {
  const at = email.lastIndexOf('@');
  return at <= 0 ? { local: email, domain: '' } : { local: email.slice(0, at), domain: email.slice(at) };
}

const CONFLICT_KIND: Record<ConflictKind, string> = {
  edit: 'Edited on both sides',
  delete_edit: 'Deleted on one side, edited on the other',
  fragment_edit: 'Part of a split reservation edited',
  read_only: 'Edited in Outlook, but only the booking system can change it',
  overlap: 'Outlook meeting double-books the room',
};

export function conflictKindLabel(kind: ConflictKind | string): string {
  return CONFLICT_KIND[kind as ConflictKind] ?? humanise(kind);
}

/** `cycle_failed` -> `Cycle failed`. */
export function humanise(code: string): string {
  const words = code.replace(/[_-]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : '';
}

const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/**
 * "just now", "3 minutes ago", "yesterday" for an RFC 3339 instant relative to `nowMs`.
 * Small clock differences between machines read as "just now", not "in 5 seconds".
 */
export function relativeTime(iso: string | null, nowMs: number): string {
  if (!iso) return 'Never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'Unknown';
  const seconds = Math.round((t - nowMs) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size * (unit === 'minute' ? 0.75 : 1)) {
      return rtf.format(Math.round(seconds / size), unit);
    }
  }
  return rtf.format(seconds, 'second');
}

const exactFmt = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});

/** Full local date and time, for tooltips next to a relative time. */
export function exactTime(iso: string | null): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : exactFmt.format(t);
}

const clockFmt = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayFmt = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short' });

/** Compact timestamp for a history row: "14:03:22" today, else "3 Mar 14:03:22". */
export function shortTime(iso: string, nowMs: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const sameDay = new Date(t).toDateString() === new Date(nowMs).toDateString();
  return sameDay ? clockFmt.format(t) : `${dayFmt.format(t)} ${clockFmt.format(t)}`;
}
