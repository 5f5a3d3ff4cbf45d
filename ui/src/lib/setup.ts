// The setup wizard's and the mapping forms' rules, kept out of the components so they can be
// tested: which mailbox each resource starts with, what may be submitted, and how far the first
// sync has come.
import type {
  BookingForm,
  BookingSystem,
  DiscoveryView,
  FinishRequest,
  MatchedBy,
  Problem,
  ResourceMatch,
  RoomView,
  TenantForm,
} from '../backend/types';
import { listFormat, t, tn } from '../i18n/index.svelte';

/** One resource's row in the wizard's room step. */
export interface ChoiceRow {
  resource: ResourceMatch;
  /** '' means "don't sync". */
  mailbox: string;
  /** '' follows the default zone. */
  timeZone: string;
  /** '' follows the default policy. */
  policy: string;
}

/** Every resource with its suggested mailbox (or "don't sync" when nothing matched). */
export function initialRows(discovery: DiscoveryView): ChoiceRow[] {
  return discovery.resources.map((resource) => ({
    resource,
    mailbox: resource.mailbox ?? '',
    timeZone: '',
    policy: '',
  }));
}

/** Mailboxes chosen for more than one resource (one mailbox shows one resource). */
export function duplicateMailboxes(rows: readonly ChoiceRow[]): Set<string> {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const r of rows) {
    const m = r.mailbox.trim().toLowerCase();
    if (!m) continue;
    if (seen.has(m)) twice.add(m);
    seen.add(m);
  }
  return twice;
}

/** What the wizard's last step sends. */
export function finishRequest(rows: readonly ChoiceRow[], timeZone: string, defaultPolicy: string): FinishRequest {
  return {
    time_zone: timeZone.trim() || null,
    default_policy: defaultPolicy || null,
    rooms: rows.map((r) => ({
      resource_id: r.resource.id,
      mailbox: r.mailbox.trim() || null,
      time_zone: r.timeZone.trim() || null,
      policy: r.policy || null,
    })),
  };
}

/** Why the room step cannot be finished yet, or null. */
export function roomsProblem(rows: readonly ChoiceRow[], timeZone: string, zones: readonly string[]): string | null {
  if (!rows.some((r) => r.mailbox.trim())) return t('setup.rooms_none_chosen');
  const twice = duplicateMailboxes(rows);
  if (twice.size > 0) return tn('setup.rooms_mailbox_twice', twice.size, { mailboxes: listFormat([...twice]) });
  for (const z of [timeZone, ...rows.map((r) => r.timeZone)]) {
    if (z.trim() && !isTimeZone(z, zones)) return t('setup.rooms_bad_zone', { zone: z.trim() });
  }
  return null;
}

/** How a suggestion was found, in words. */
export function matchLabel(by: MatchedBy | null): string {
  return t(`setup.match_${by ?? 'none'}`);
}

/** IANA zone names this browser knows (Europe/Oslo always included). */
export function knownTimeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const zones = intl.supportedValuesOf?.('timeZone') ?? [];
  return zones.includes('Europe/Oslo') ? zones : ['Europe/Oslo', ...zones];
}

export function isTimeZone(zone: string, zones: readonly string[]): boolean {
  const z = zone.trim();
  return zones.includes(z) || z === 'UTC';
}

/** A date as `YYYY-MM-DD` in this computer's time zone (what a date input holds). */
export function localDate(at: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

/** What is wrong with the client secret's expiry date (`YYYY-MM-DD`, optional), or null. */
export function secretExpiryProblem(value: string | undefined, today: string): string | null {
  const v = (value ?? '').trim();
  if (!v) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!date || date.toISOString().slice(0, 10) !== v) {
    return t('setup.expiry_not_a_date');
  }
  if (v < today) return t('setup.expiry_past', { date: v });
  return null;
}

/**
 * What the Microsoft 365 form still needs before it can be tested, or null. `today` is the
 * local date (`YYYY-MM-DD`) the secret's expiry date is checked against.
 */
export function tenantFormProblem(
  form: TenantForm,
  secretStored: boolean,
  useCertificate: boolean,
  today: string = localDate(),
): string | null {
  if (!form.tenant_id.trim()) return t('setup.need_tenant_id');
  if (!form.client_id.trim()) return t('setup.need_client_id');
  if (useCertificate) {
    const hex = (form.certificate_thumbprint ?? '').replace(/[:\s]/g, '');
    if (!/^[0-9a-fA-F]{40}$/.test(hex)) return t('setup.bad_thumbprint');
    if (!form.certificate_path?.trim() && !secretStored) return t('setup.need_certificate_path');
  } else if (!form.client_secret?.trim() && !secretStored) {
    return t('setup.need_client_secret');
  } else {
    const expiry = secretExpiryProblem(form.client_secret_expires ?? undefined, today);
    if (expiry) return expiry;
  }
  const web = (address: string | null | undefined) => !address?.trim() || /^https?:\/\/\S+$/.test(address.trim());
  if (!web(form.graph_base)) return t('setup.graph_base_not_https');
  if (!web(form.token_url)) return t('setup.token_url_not_https');
  return null;
}

/**
 * What a Microsoft 365 test sends: the fields of the chosen way of signing in only (an empty
 * secret or key file: the one in the keyring).
 */
export function tenantRequest(form: TenantForm, useCertificate: boolean): TenantForm {
  return useCertificate
    ? { ...form, client_secret: '', client_secret_expires: '' }
    : { ...form, certificate_path: '', certificate_thumbprint: '' };
}

/**
 * The booking systems the wizard connects, as the booking step offers them; `key` names their
 * label (`setup.system_{key}`) and hint (`setup.system_{key}_hint`).
 */
export const BOOKING_SYSTEMS: readonly { id: BookingSystem; key: 'api' | 'portico' }[] = [
  { id: 'roombridge-api', key: 'api' },
  { id: 'porticoestate', key: 'portico' },
];

/** The booking step's fields as typed, for either kind of booking system. */
export interface BookingFields {
  system: BookingSystem;
  url: string;
  apiKey: string;
  login: string;
  password: string;
}

/** What the booking step's test sends: the chosen system's fields only. */
export function bookingForm(f: BookingFields): BookingForm {
  return f.system === 'porticoestate'
    ? { system: f.system, url: f.url.trim(), login: f.login.trim(), password: f.password || null }
    : { system: f.system, url: f.url.trim(), api_key: f.apiKey || null };
}

/** What the booking step still needs before it can be tested, or null. */
export function bookingFormProblem(f: BookingFields, keyStored: boolean, passwordStored: boolean): string | null {
  if (f.system === 'porticoestate') {
    if (!f.url.trim()) return t('setup.need_portico_url');
    if (!f.login.trim()) return t('setup.need_login');
    if (!f.password.trim() && !passwordStored) return t('setup.need_password');
    return null;
  }
  if (!f.url.trim()) return t('setup.need_api_url');
  if (!f.apiKey.trim() && !keyStored) return t('setup.need_api_key');
  return null;
}

/** A field of the booking step. */
export type BookingField = 'url' | 'api_key' | 'login' | 'password';

/** The fields a failed test is about: marked invalid and described by the test's result. */
export function problemFields(system: BookingSystem, problem: Problem | null | undefined): BookingField[] {
  switch (problem) {
    case 'credentials':
      return system === 'porticoestate' ? ['login', 'password'] : ['api_key'];
    case 'permission':
      return system === 'porticoestate' ? ['login'] : ['api_key'];
    case 'unreachable':
    case 'address':
      return ['url'];
    default:
      return [];
  }
}

/** The first full sync's progress: rooms whose first cycle ended, out of all. */
export interface SyncProgress {
  done: number;
  total: number;
  /** Rooms whose cycle failed (they count as done: they need a person, not more waiting). */
  failing: number;
  percent: number;
  complete: boolean;
}

export function syncProgress(rooms: readonly RoomView[]): SyncProgress {
  const total = rooms.length;
  const failing = rooms.filter((r) => r.status === 'failing').length;
  const done = rooms.filter((r) => r.last_ok_at !== null || r.status === 'failing').length;
  return {
    done,
    total,
    failing,
    percent: total === 0 ? 0 : Math.round((done / total) * 100),
    complete: total > 0 && done === total,
  };
}
