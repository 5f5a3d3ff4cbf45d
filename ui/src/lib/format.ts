import { dateFormat, relativeFormat, t } from '../i18n/index.svelte';
import { HISTORY_KINDS } from '../backend/api';
import type { ConflictKind, HistoryKind, Outcome, RoomKind, RoomStatus, Side } from '../backend/types';

/** Visual tone of a chip; each maps to one colour pair in the style sheet. */
export type Tone = 'ok' | 'info' | 'warn' | 'danger' | 'neutral' | 'muted';

export interface ChipSpec {
  label: string;
  tone: Tone;
}

const TONE: Record<RoomStatus, Tone> = {
  idle: 'neutral',
  syncing: 'info',
  in_sync: 'ok',
  conflicts: 'warn',
  failing: 'danger',
  waiting_for_approval: 'warn',
  paused: 'muted',
};

/** Label and tone for a room status; an unknown status (a newer backend) shows as-is. */
export function statusChip(status: RoomStatus | string): ChipSpec {
  const tone = TONE[status as RoomStatus];
  return tone ? { label: t(`common.status_${status as RoomStatus}`), tone } : { label: humanise(status), tone: 'neutral' };
}

const OUTCOME_TONE: Record<Outcome, Tone> = { ok: 'ok', failed: 'danger', conflict: 'warn' };

export function outcomeChip(outcome: Outcome | string): ChipSpec {
  const tone = OUTCOME_TONE[outcome as Outcome];
  return tone ? { label: t(`common.outcome_${outcome as Outcome}`), tone } : { label: humanise(outcome), tone: 'neutral' };
}

/** A short human sentence for what a history entry did. */
export function historyPhrase(kind: HistoryKind | string): string {
  return (HISTORY_KINDS as readonly string[]).includes(kind)
    ? t(`common.history_${kind as HistoryKind}`)
    : humanise(kind);
}

export function sideLabel(side: Side | null): string {
  return side ? t(`common.side_${side}`) : '—';
}

export function roomKindLabel(kind: RoomKind | string): string {
  return kind === 'room' || kind === 'equipment' ? t(`common.kind_${kind}`) : humanise(kind);
}

/**
 * An e-mail address split before its last "@", so a narrow column breaks it there rather than
 * at a hyphen of the mailbox name. Without an "@" the whole address is the local part.
 */
export function mailboxParts(email: string): { local: string; domain: string } {
  const at = email.lastIndexOf('@');
  return at <= 0 ? { local: email, domain: '' } : { local: email.slice(0, at), domain: email.slice(at) };
}

const CONFLICT_KINDS: readonly ConflictKind[] = ['edit', 'delete_edit', 'fragment_edit', 'read_only', 'overlap'];

export function conflictKindLabel(kind: ConflictKind | string): string {
  return (CONFLICT_KINDS as readonly string[]).includes(kind) ? t(`common.conflict_${kind as ConflictKind}`) : humanise(kind);
}

/** `cycle_failed` -> `Cycle failed`. */
export function humanise(code: string): string {
  const words = code.replace(/[_-]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : '';
}

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
  if (!iso) return t('common.never');
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return t('common.unknown');
  const seconds = Math.round((ms - nowMs) / 1000);
  if (Math.abs(seconds) < 45) return t('common.just_now');
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size * (unit === 'minute' ? 0.75 : 1)) {
      return relativeFormat().format(Math.round(seconds / size), unit);
    }
  }
  return relativeFormat().format(seconds, 'second');
}

const EXACT: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
};

/** Full local date and time, for tooltips next to a relative time. */
export function exactTime(iso: string | null): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : dateFormat(EXACT).format(ms);
}

const CLOCK: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit' };
const DAY: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short' };

/** Compact timestamp for a history row: "14:03:22" today, else "3 Mar 14:03:22". */
export function shortTime(iso: string, nowMs: number): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const sameDay = new Date(ms).toDateString() === new Date(nowMs).toDateString();
  const clock = dateFormat(CLOCK).format(ms);
  return sameDay ? clock : `${dateFormat(DAY).format(ms)} ${clock}`;
}
