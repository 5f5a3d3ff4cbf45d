// The Settings form's rules: what the facility manager may enter and what is sent. The server
// checks the same bounds (it sends them with the settings); checking here first lets the form
// say what is wrong next to the field.

import type { NotificationPrefs, Privacy, SettingsBounds, SettingsUpdate, SettingsView } from '../backend/types';

export interface SettingsForm {
  /** As typed: numbers may be empty or not numbers yet. */
  pollSecs: string;
  daysBack: string;
  daysAhead: string;
  privacy: Privacy;
  notifications: NotificationPrefs;
}

export type FormErrors = Partial<Record<'pollSecs' | 'daysBack' | 'daysAhead', string>>;

export const PRIVACY_OPTIONS: Array<{ value: Privacy; label: string; example: (title: string, org: string) => string; help: string }> = [
  {
    value: 'full',
    label: 'Full title',
    example: (title) => title,
    help: 'Outlook shows the title, organisation and details as in the booking system.',
  },
  {
    value: 'organisation',
    label: 'Organisation only',
    example: (_title, org) => org,
    help: 'Outlook shows only which organisation holds the room; the title and details stay in the booking system.',
  },
  {
    value: 'reserved',
    label: '“Reserved”',
    example: () => 'Reserved',
    help: 'Outlook shows only that the room is taken: no title, organisation or details.',
  },
];

export function formOf(view: SettingsView): SettingsForm {
  return {
    pollSecs: String(view.poll_interval_secs),
    daysBack: String(view.days_back),
    daysAhead: String(view.days_ahead),
    privacy: view.privacy,
    notifications: { ...view.notifications },
  };
}

/** "30 seconds", "1 minute", "5 minutes", "1 hour", "90 seconds" for a poll interval. */
export function describeInterval(secs: number): string {
  if (secs === 3600) return '1 hour';
  if (secs % 60 === 0) return secs === 60 ? '1 minute' : `${secs / 60} minutes`;
  return `${secs} seconds`;
}

function wholeNumber(text: string): number | null {
  const t = text.trim();
  return /^-?\d+$/.test(t) ? Number(t) : null;
}

/**
 * One message per changed field that cannot be saved, saying what is allowed. A field left as
 * saved is never an error, even outside the bounds (an interval given on the command line).
 */
export function validate(form: SettingsForm, saved: SettingsView): FormErrors {
  const errors: FormErrors = {};
  const bounds: SettingsBounds = saved.bounds;
  const untouched = formOf(saved);
  const poll = wholeNumber(form.pollSecs);
  if (form.pollSecs.trim() === untouched.pollSecs) {
    // As saved.
  } else if (poll === null || poll < bounds.poll_min_secs || poll > bounds.poll_max_secs) {
    errors.pollSecs = `Enter a whole number of seconds from ${bounds.poll_min_secs} (${describeInterval(
      bounds.poll_min_secs,
    )}) to ${bounds.poll_max_secs} (${describeInterval(bounds.poll_max_secs)}).`;
  }
  const back = wholeNumber(form.daysBack);
  const windowAsSaved = form.daysBack.trim() === untouched.daysBack && form.daysAhead.trim() === untouched.daysAhead;
  if (windowAsSaved) return errors;
  if (back === null || back < 0 || back > bounds.days_back_max) {
    errors.daysBack = `Enter a whole number of days from 0 to ${bounds.days_back_max}.`;
  }
  const ahead = wholeNumber(form.daysAhead);
  if (ahead === null || ahead < bounds.days_ahead_min || ahead > bounds.days_ahead_max) {
    errors.daysAhead = `Enter a whole number of days from ${bounds.days_ahead_min} to ${bounds.days_ahead_max}.`;
  }
  return errors;
}

/** What to send: the fields that differ from the saved settings (the form must be valid). */
export function changes(form: SettingsForm, saved: SettingsView): SettingsUpdate {
  const update: SettingsUpdate = {};
  const poll = Number(form.pollSecs.trim());
  const back = Number(form.daysBack.trim());
  const ahead = Number(form.daysAhead.trim());
  if (poll !== saved.poll_interval_secs) update.poll_interval_secs = poll;
  if (back !== saved.days_back) update.days_back = back;
  if (ahead !== saved.days_ahead) update.days_ahead = ahead;
  if (form.privacy !== saved.privacy) update.privacy = form.privacy;
  const n = form.notifications;
  const s = saved.notifications;
  if (n.failures !== s.failures || n.sign_in !== s.sign_in || n.conflicts !== s.conflicts) {
    update.notifications = { ...n };
  }
  return update;
}
