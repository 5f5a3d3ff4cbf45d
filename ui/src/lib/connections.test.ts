import { afterEach, describe, expect, it } from 'vitest';
import type { BookingView, TenantView } from '../backend/types';
import { setLang } from '../i18n/index.svelte';
import {
  bookingChanged,
  bookingFieldsOf,
  dayInWords,
  daysBetween,
  expiryStatus,
  tenantChanged,
  tenantEditOf,
  tenantProblemFields,
  tenantSecretStored,
} from './connections';
import { bookingForm, tenantRequest } from './setup';

const tenant: TenantView = {
  tenant_id: 'contoso.onmicrosoft.com',
  client_id: '11111111-2222-3333-4444-555555555555',
  sign_in: 'client_secret',
  certificate_thumbprint: null,
  client_secret_expires: '2027-03-31',
  graph_base: null,
  token_url: null,
};

const booking: BookingView = { system: 'roombridge-api', url: 'https://booking.example.org/api/v1', login: null };

afterEach(() => setLang('en'));

describe('the Microsoft 365 card', () => {
  it('is filled from the connection in use, with the secret fields empty', () => {
    const edit = tenantEditOf({ ...tenant, graph_base: 'http://127.0.0.1:9000/v1.0' });
    expect(edit.useCertificate).toBe(false);
    expect(edit.form).toEqual({
      tenant_id: 'contoso.onmicrosoft.com',
      client_id: tenant.client_id,
      client_secret: '',
      certificate_path: '',
      certificate_thumbprint: '',
      client_secret_expires: '2027-03-31',
      graph_base: 'http://127.0.0.1:9000/v1.0',
      token_url: '',
    });
    const cert = tenantEditOf({ ...tenant, sign_in: 'certificate', certificate_thumbprint: 'AB'.repeat(20), client_secret_expires: null });
    expect(cert.useCertificate).toBe(true);
    expect(cert.form.certificate_thumbprint).toBe('AB'.repeat(20));
  });

  it('sends only the fields of the chosen way of signing in', () => {
    const { form } = tenantEditOf(tenant);
    form.client_secret = 'new';
    form.certificate_path = '/tmp/key.pem';
    expect(tenantRequest(form, false)).toMatchObject({ client_secret: 'new', certificate_path: '', certificate_thumbprint: '' });
    expect(tenantRequest(form, true)).toMatchObject({ client_secret: '', client_secret_expires: '', certificate_path: '/tmp/key.pem' });
  });

  it('counts the keyring only for the way of signing in in use', () => {
    expect(tenantSecretStored(tenant, false)).toBe(true);
    expect(tenantSecretStored(tenant, true)).toBe(false);
    expect(tenantSecretStored({ ...tenant, sign_in: 'certificate' }, true)).toBe(true);
  });

  it('has changed when a field differs, a secret is typed or the way of signing in changes', () => {
    const edit = tenantEditOf(tenant);
    expect(tenantChanged(edit, tenant)).toBe(false);
    // Spaces around a value are not a change; the server trims them too.
    edit.form.tenant_id = ' contoso.onmicrosoft.com ';
    expect(tenantChanged(edit, tenant)).toBe(false);
    expect(tenantChanged({ ...edit, form: { ...edit.form, client_secret: 'new' } }, tenant)).toBe(true);
    expect(tenantChanged({ ...edit, form: { ...edit.form, client_secret_expires: '2028-01-01' } }, tenant)).toBe(true);
    expect(tenantChanged({ ...edit, form: { ...edit.form, client_secret_expires: '' } }, tenant)).toBe(true);
    expect(tenantChanged({ ...edit, form: { ...edit.form, token_url: 'https://login.example/token' } }, tenant)).toBe(true);
    expect(tenantChanged({ ...edit, useCertificate: true }, tenant)).toBe(true);
  });

  it('points a refused sign-in at the secret or the key file', () => {
    expect(tenantProblemFields(false, 'credentials')).toEqual(['client_secret']);
    expect(tenantProblemFields(true, 'credentials')).toEqual(['certificate_path']);
    expect(tenantProblemFields(false, 'permission')).toEqual([]);
    expect(tenantProblemFields(false, null)).toEqual([]);
  });
});

describe('the booking-system card', () => {
  it('is filled from the connection in use, with the key and password empty', () => {
    expect(bookingFieldsOf(booking)).toEqual({ system: 'roombridge-api', url: booking.url, apiKey: '', login: '', password: '' });
    const portico = bookingFieldsOf({ system: 'porticoestate', url: 'https://aktiv.example.no', login: 'roombridge' });
    expect(portico.login).toBe('roombridge');
    // An empty key is sent as none: the one in the keyring.
    expect(bookingForm(bookingFieldsOf(booking))).toEqual({ system: 'roombridge-api', url: booking.url, api_key: null });
  });

  it('has changed when the address, user name, key or password does', () => {
    const fields = bookingFieldsOf(booking);
    expect(bookingChanged(fields, booking)).toBe(false);
    expect(bookingChanged({ ...fields, url: 'https://localhost/api/v1' }, booking)).toBe(true);
    expect(bookingChanged({ ...fields, apiKey: 'key' }, booking)).toBe(true);
    const view: BookingView = { system: 'porticoestate', url: 'https://aktiv.example.no', login: 'roombridge' };
    const portico = bookingFieldsOf(view);
    expect(bookingChanged(portico, view)).toBe(false);
    expect(bookingChanged({ ...portico, login: 'other' }, view)).toBe(true);
    expect(bookingChanged({ ...portico, password: 'secret' }, view)).toBe(true);
  });
});

describe("the client secret's expiry", () => {
  it('counts whole days between dates, across months and years', () => {
    expect(daysBetween('2026-12-07', '2026-12-21')).toBe(14);
    expect(daysBetween('2026-12-31', '2027-01-01')).toBe(1);
    expect(daysBetween('2027-03-01', '2027-02-28')).toBe(-1);
    expect(daysBetween('2026-12-07', '2027-02-30')).toBeNull();
    expect(daysBetween('2026-12-07', 'soon')).toBeNull();
  });

  it('writes the date in the UI language', () => {
    expect(dayInWords('2027-03-31')).toBe('31 March 2027');
    setLang('nb');
    expect(dayInWords('2027-03-31')).toBe('31. mars 2027');
  });

  it('says how long is left, and warns within two weeks', () => {
    const today = '2026-12-07';
    expect(expiryStatus('', today)).toBeNull();
    expect(expiryStatus(null, today)).toBeNull();
    expect(expiryStatus('not a date', today)).toBeNull();

    const far = expiryStatus('2027-03-31', today)!;
    expect(far.tone).toBe('ok');
    expect(far.days).toBe(114);
    expect(far.text).toBe('The client secret expires on 31 March 2027, in 114 days.');

    const soon = expiryStatus('2026-12-21', today)!;
    expect(soon.tone).toBe('soon');
    expect(soon.text).toContain('in 14 days');
    expect(soon.text).toContain('Add a new client secret in Entra ID');
    expect(expiryStatus('2026-12-22', today)!.tone).toBe('ok');
    expect(expiryStatus('2026-12-08', today)!.text).toContain('in 1 day.');

    const todayStatus = expiryStatus(today, today)!;
    expect(todayStatus.tone).toBe('soon');
    expect(todayStatus.text).toContain('expires today (7 December 2026)');
  });

  it('says when it expired', () => {
    const past = expiryStatus('2026-12-05', '2026-12-07')!;
    expect(past.tone).toBe('expired');
    expect(past.days).toBe(-2);
    expect(past.text).toContain('expired on 5 December 2026, 2 days ago');
    expect(expiryStatus('2026-12-06', '2026-12-07')!.text).toContain('1 day ago');
    setLang('nb');
    expect(expiryStatus('2026-12-05', '2026-12-07')!.text).toContain('utløp 5. desember 2026, for 2 dager siden');
    expect(expiryStatus('2026-12-21', '2026-12-07')!.text).toContain('utløper 21. desember 2026, om 14 dager');
  });
});
