import { t } from '../i18n/index.svelte';

/** The policies with a name of their own, as the backend spells them, and their keys' suffix. */
const NAMED = {
  manual: 'manual',
  'booking-wins': 'booking_wins',
  'calendar-wins': 'calendar_wins',
  'latest-wins': 'latest_wins',
} as const;

/** A readable name for a conflict policy (`booking-wins` -> "Booking system wins"). */
export function policyLabel(policy: string): string {
  if (Object.hasOwn(NAMED, policy)) return t(`rooms.policy_${NAMED[policy as keyof typeof NAMED]}`);
  if (policy.startsWith('fields:')) {
    const parts = Object.fromEntries(
      policy
        .slice('fields:'.length)
        .split(',')
        .map((p) => p.split('=').map((s) => s.trim()) as [string, string]),
    );
    const side = (s: string | undefined) => t(s === 'calendar' ? 'rooms.policy_side_calendar' : 'rooms.policy_side_booking');
    return t('rooms.policy_fields', { times: side(parts.times), title: side(parts.title), details: side(parts.details) });
  }
  return policy;
}

/** The options a policy select offers: the available ones, plus `current` if it is another. */
export function policyOptions(available: readonly string[], current: string | null): string[] {
  return current && !available.includes(current) ? [...available, current] : [...available];
}
