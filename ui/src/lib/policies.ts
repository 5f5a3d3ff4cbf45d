/** A readable name for a conflict policy (`booking-wins` -> "Booking system wins"). */
export function policyLabel(policy: string): string {
  switch (policy) {
    case 'manual':
      return 'Manual (decide each conflict)';
    case 'booking-wins':
      return 'Booking system wins';
    case 'calendar-wins':
      return 'Outlook wins';
    case 'latest-wins':
      return 'Latest change wins';
  }
  if (policy.startsWith('fields:')) {
    const parts = Object.fromEntries(
      policy
        .slice('fields:'.length)
        .split(',')
        .map((p) => p.split('=').map((s) => s.trim()) as [string, string]),
    );
    const side = (s: string | undefined) => (s === 'calendar' ? 'Outlook' : 'booking');
    return `By field: times from ${side(parts.times)}, title from ${side(parts.title)}, details from ${side(parts.details)}`;
  }
  return policy;
}

/** The options a policy select offers: the available ones, plus `current` if it is another. */
export function policyOptions(available: readonly string[], current: string | null): string[] {
  return current && !available.includes(current) ? [...available, current] : [...available];
}
