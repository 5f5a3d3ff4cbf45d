// Settings > Connections: the forms filled from the connections RoomBridge runs on, whether
// anything was changed, which field a failed test is about, and how long the client secret has
// left. Kept out of the component so it can be tested.
import type { BookingView, Problem, TenantForm, TenantView } from '../backend/types';
import { dateFormat, t, tn } from '../i18n/index.svelte';
import { tenantRequest, type BookingFields } from './setup';

/** The Microsoft 365 card as typed: the form, and whether it signs in with a certificate. */
export interface TenantEdit {
  form: TenantForm;
  useCertificate: boolean;
}

/** A field of the Microsoft 365 form a failed test can be about. */
export type TenantField = 'client_secret' | 'certificate_path';

/** The Microsoft 365 card filled from the connection in use; secret fields start empty. */
export function tenantEditOf(view: TenantView): TenantEdit {
  return {
    useCertificate: view.sign_in === 'certificate',
    form: {
      tenant_id: view.tenant_id,
      client_id: view.client_id,
      client_secret: '',
      certificate_path: '',
      certificate_thumbprint: view.certificate_thumbprint ?? '',
      client_secret_expires: view.client_secret_expires ?? '',
      graph_base: view.graph_base ?? '',
      token_url: view.token_url ?? '',
    },
  };
}

/** Whether the keyring holds what signing in this way needs: it does for the way in use. */
export function tenantSecretStored(view: TenantView, useCertificate: boolean): boolean {
  return view.sign_in === (useCertificate ? 'certificate' : 'client_secret');
}

const same = (typed: string | null | undefined, saved: string | null | undefined) =>
  (typed ?? '').trim() === (saved ?? '').trim();

/** Whether the Microsoft 365 card differs from the connection in use (a typed secret does). */
export function tenantChanged(edit: TenantEdit, view: TenantView): boolean {
  const f = tenantRequest(edit.form, edit.useCertificate);
  if (edit.useCertificate !== (view.sign_in === 'certificate')) return true;
  if (f.client_secret?.trim() || f.certificate_path?.trim()) return true;
  return !(
    same(f.tenant_id, view.tenant_id) &&
    same(f.client_id, view.client_id) &&
    same(f.certificate_thumbprint, view.certificate_thumbprint) &&
    same(f.client_secret_expires, edit.useCertificate ? '' : view.client_secret_expires) &&
    same(f.graph_base, view.graph_base) &&
    same(f.token_url, view.token_url)
  );
}

/** The field a failed Microsoft 365 test is about (the secret or key file), if any. */
export function tenantProblemFields(useCertificate: boolean, problem: Problem | null | undefined): TenantField[] {
  return problem === 'credentials' ? [useCertificate ? 'certificate_path' : 'client_secret'] : [];
}

/** The booking-system card filled from the connection in use; the key and password start empty. */
export function bookingFieldsOf(view: BookingView): BookingFields {
  return { system: view.system, url: view.url, apiKey: '', login: view.login ?? '', password: '' };
}

/** Whether the booking-system card differs from the connection in use (a typed secret does). */
export function bookingChanged(fields: BookingFields, view: BookingView): boolean {
  if (!same(fields.url, view.url)) return true;
  if (fields.system === 'porticoestate') return !same(fields.login, view.login) || fields.password.trim() !== '';
  return fields.apiKey.trim() !== '';
}

/** Whole days from one `YYYY-MM-DD` date to another (negative when `to` is earlier), or null. */
export function daysBetween(from: string, to: string): number | null {
  const a = dayNumber(from);
  const b = dayNumber(to);
  return a === null || b === null ? null : b - a;
}

function dayNumber(date: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // 2027-02-30 is not a date.
  if (new Date(ms).toISOString().slice(0, 10) !== date.trim()) return null;
  return Math.round(ms / 86_400_000);
}

/** A `YYYY-MM-DD` date in words ("31 March 2027", "31. mars 2027"). */
export function dayInWords(date: string): string {
  const n = dayNumber(date);
  if (n === null) return date;
  return dateFormat({ dateStyle: 'long', timeZone: 'UTC' }).format(new Date(n * 86_400_000));
}

/** How soon a secret is to be renewed: `soon` within this many days. */
export const EXPIRY_WARNING_DAYS = 14;

export interface ExpiryStatus {
  /** `ok`: plenty of time; `soon`: within two weeks (today included); `expired`: past. */
  tone: 'ok' | 'soon' | 'expired';
  /** Days left (negative: days since it expired). */
  days: number;
  text: string;
}

/** How long the client secret has left, in words, or null without a (valid) date. */
export function expiryStatus(expires: string | null | undefined, today: string): ExpiryStatus | null {
  if (!expires?.trim()) return null;
  const days = daysBetween(today, expires);
  if (days === null) return null;
  const date = dayInWords(expires);
  if (days < 0) return { tone: 'expired', days, text: tn('connections.expired', -days, { date }) };
  if (days === 0) return { tone: 'soon', days, text: t('connections.expires_today', { date }) };
  if (days <= EXPIRY_WARNING_DAYS) return { tone: 'soon', days, text: tn('connections.expires_soon', days, { date }) };
  return { tone: 'ok', days, text: tn('connections.expires_in', days, { date }) };
}
