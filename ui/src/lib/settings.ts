// The Settings form's rules: what the facility manager may enter and what is sent. The server
// checks the same bounds (it sends them with the settings); checking here first lets the form
// say what is wrong next to the field.

import type { Lang, NotificationPrefs, Privacy, SettingsBounds, SettingsUpdate, SettingsView } from '../backend/types';
import { t, tn } from '../i18n/index.svelte';

export interface SettingsForm {
  /** As typed: numbers may be empty or not numbers yet. */
  pollSecs: string;
  daysBack: string;
  daysAhead: string;
  privacy: Privacy;
  notifications: NotificationPrefs;
  /** The language rooms write to organisers in. */
  organiserLanguage: Lang;
}

export type FormErrors = Partial<Record<'pollSecs' | 'daysBack' | 'daysAhead', string>>;

/** The privacy modes; each one's label and help are `settings.privacy_{value}` and `…_help`. */
export const PRIVACY_OPTIONS: Array<{ value: Privacy; example: (title: string, org: string) => string }> = [
  { value: 'full', example: (title) => title },
  { value: 'organisation', example: (_title, org) => org },
  // The title RoomBridge writes in this mode: the server's own word, in every language.
  { value: 'reserved', example: () => 'Reserved' },
];

export function formOf(view: SettingsView): SettingsForm {
  return {
    pollSecs: String(view.poll_interval_secs),
    daysBack: String(view.days_back),
    daysAhead: String(view.days_ahead),
    privacy: view.privacy,
    notifications: { ...view.notifications },
    organiserLanguage: view.organiser_language,
  };
}

/** "30 seconds", "1 minute", "5 minutes", "1 hour", "90 seconds" for a poll interval. */
export function describeInterval(secs: number): string {
  if (secs > 0 && secs % 3600 === 0) return tn('settings.interval_hours', secs / 3600);
  if (secs > 0 && secs % 60 === 0) return tn('settings.interval_minutes', secs / 60);
  return tn('settings.interval_seconds', secs);
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
    // The bounds as they are typed (3600, not 3,600 or 3 600).
    errors.pollSecs = t('settings.poll_out_of_bounds', {
      min: String(bounds.poll_min_secs),
      min_text: describeInterval(bounds.poll_min_secs),
      max: String(bounds.poll_max_secs),
      max_text: describeInterval(bounds.poll_max_secs),
    });
  }
  const back = wholeNumber(form.daysBack);
  const windowAsSaved = form.daysBack.trim() === untouched.daysBack && form.daysAhead.trim() === untouched.daysAhead;
  if (windowAsSaved) return errors;
  if (back === null || back < 0 || back > bounds.days_back_max) {
    errors.daysBack = t('settings.days_out_of_bounds', { min: '0', max: String(bounds.days_back_max) });
  }
  const ahead = wholeNumber(form.daysAhead);
  if (ahead === null || ahead < bounds.days_ahead_min || ahead > bounds.days_ahead_max) {
    errors.daysAhead = t('settings.days_out_of_bounds', {
      min: String(bounds.days_ahead_min),
      max: String(bounds.days_ahead_max),
    });
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
  if (form.organiserLanguage !== saved.organiser_language) update.organiser_language = form.organiserLanguage;
  const n = form.notifications;
  const s = saved.notifications;
  if (n.failures !== s.failures || n.sign_in !== s.sign_in || n.conflicts !== s.conflicts) {
    update.notifications = { ...n };
  }
  return update;
}
