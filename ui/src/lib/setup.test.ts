import { afterEach, describe, expect, it } from 'vitest';
import type { DiscoveryView, ResourceMatch } from '../backend/types';
import { setLang } from '../i18n/index.svelte';
import { room } from '../test-fixtures';
import {
  bookingForm,
  bookingFormProblem,
  duplicateMailboxes,
  finishRequest,
  initialRows,
  localDate,
  matchLabel,
  problemFields,
  roomsProblem,
  secretExpiryProblem,
  syncProgress,
  tenantFormProblem,
} from './setup';

function resource(id: string, mailbox: string | null, patch: Partial<ResourceMatch> = {}): ResourceMatch {
  return {
    id,
    name: `Resource ${id}`,
    kind: 'room',
    email: mailbox,
    time_zone: 'Europe/Oslo',
    mailbox,
    matched_by: mailbox ? 'email' : null,
    room_id: null,
    ...patch,
  };
}

const discovery: DiscoveryView = {
  mailboxes: [{ email: 'gym@example.org', name: 'Gym', source: 'places' }],
  resources: [resource('r1', 'gym@example.org'), resource('r2', null)],
};
const ZONES = ['Europe/Oslo', 'Europe/Berlin'];

describe('the room step', () => {
  it('starts each resource on its suggested mailbox, or "don\'t sync" without one', () => {
    const rows = initialRows(discovery);
    expect(rows.map((r) => r.mailbox)).toEqual(['gym@example.org', '']);
    expect(roomsProblem(rows, '', ZONES)).toBeNull();
  });

  it('sends unsynced resources as null mailboxes and empty overrides as defaults', () => {
    const rows = initialRows(discovery);
    rows[0]!.policy = 'booking-wins';
    expect(finishRequest(rows, ' Europe/Oslo ', '')).toEqual({
      time_zone: 'Europe/Oslo',
      default_policy: null,
      rooms: [
        { resource_id: 'r1', mailbox: 'gym@example.org', time_zone: null, policy: 'booking-wins' },
        { resource_id: 'r2', mailbox: null, time_zone: null, policy: null },
      ],
    });
  });

  it('refuses one mailbox for two resources, nothing to sync, and unknown zones', () => {
    const rows = initialRows(discovery);
    rows[1]!.mailbox = 'GYM@example.org ';
    expect([...duplicateMailboxes(rows)]).toEqual(['gym@example.org']);
    expect(roomsProblem(rows, '', ZONES)).toMatch(/more than one resource/);

    rows[0]!.mailbox = '';
    rows[1]!.mailbox = '';
    expect(roomsProblem(rows, '', ZONES)).toMatch(/at least one/);

    rows[0]!.mailbox = 'gym@example.org';
    expect(roomsProblem(rows, 'Oslo', ZONES)).toMatch(/not a time zone/);
    rows[0]!.timeZone = 'Europe/Berlin';
    expect(roomsProblem(rows, 'Europe/Oslo', ZONES)).toBeNull();
  });

  it('names every mailbox chosen twice in one sentence', () => {
    const rows = [...initialRows(discovery), ...initialRows(discovery)];
    rows[1]!.mailbox = rows[3]!.mailbox = 'hall@example.org';
    expect(roomsProblem(rows, '', ZONES)).toBe(
      'gym@example.org and hall@example.org are chosen for more than one resource.',
    );
  });

  it('says how each suggestion was found', () => {
    expect(matchLabel('email')).toBe('Matched by e-mail');
    expect(matchLabel('booking_email')).toMatch(/not in Outlook's room list/);
    expect(matchLabel(null)).toMatch(/^No match/);
  });
});

describe('in bokmål', () => {
  afterEach(() => setLang('en'));

  it('explains what is missing and what is wrong in Norwegian', () => {
    setLang('nb');
    const rows = [...initialRows(discovery), ...initialRows(discovery)];
    rows[1]!.mailbox = rows[3]!.mailbox = 'hall@example.org';
    expect(roomsProblem(rows, '', ZONES)).toBe('gym@example.org og hall@example.org er valgt for mer enn én ressurs.');
    expect(matchLabel('name')).toBe('Funnet etter navn');
    expect(tenantFormProblem({ tenant_id: '', client_id: '' }, false, false)).toBe('Skriv inn leier-ID-en.');
    expect(secretExpiryProblem('2026-11-20', '2026-11-21')).toMatch(/^Klienthemmeligheten utløp 2026-11-20\./);
    expect(bookingFormProblem({ system: 'porticoestate', url: 'https://a', apiKey: '', login: 'x', password: '' }, false, false)).toBe(
      'Skriv inn passordet.',
    );
  });
});

describe('the Microsoft 365 form', () => {
  const form = { tenant_id: 't', client_id: 'c', client_secret: 's' };

  it('needs the ids and a secret, unless one is stored', () => {
    expect(tenantFormProblem(form, false, false)).toBeNull();
    expect(tenantFormProblem({ ...form, tenant_id: ' ' }, false, false)).toMatch(/tenant id/);
    expect(tenantFormProblem({ ...form, client_secret: '' }, false, false)).toMatch(/client secret/);
    expect(tenantFormProblem({ ...form, client_secret: '' }, true, false)).toBeNull();
  });

  it('checks a certificate thumbprint and the advanced addresses', () => {
    const cert = { ...form, certificate_thumbprint: 'AB:CD', certificate_path: '/k.pem' };
    expect(tenantFormProblem(cert, false, true)).toMatch(/40 hex digits/);
    cert.certificate_thumbprint = 'a'.repeat(40);
    expect(tenantFormProblem(cert, false, true)).toBeNull();
    expect(tenantFormProblem({ ...form, graph_base: 'graph.local' }, false, false)).toMatch(/https/);
  });
});

describe("the client secret's expiry date", () => {
  const TODAY = '2026-11-21';

  it('is optional, and a date from today on is fine', () => {
    expect(secretExpiryProblem('', TODAY)).toBeNull();
    expect(secretExpiryProblem(undefined, TODAY)).toBeNull();
    expect(secretExpiryProblem('2027-03-31', TODAY)).toBeNull();
    expect(secretExpiryProblem(TODAY, TODAY)).toBeNull();
  });

  it('refuses what is not a date and a day that has passed, saying what to do', () => {
    for (const v of ['2027-02-30', '31.03.2027', '2027-3-31', 'soon']) {
      expect(secretExpiryProblem(v, TODAY)).toMatch(/not a date.*2027-03-31/);
    }
    expect(secretExpiryProblem('2026-11-20', TODAY)).toMatch(/expired on 2026-11-20.*new one in Entra ID/);
  });

  it('is checked with the client secret only, not with a certificate', () => {
    const form = { tenant_id: 't', client_id: 'c', client_secret: 's', client_secret_expires: '2020-01-01' };
    expect(tenantFormProblem(form, false, false, TODAY)).toMatch(/expired/);
    expect(tenantFormProblem({ ...form, client_secret: '' }, true, false, TODAY)).toMatch(/expired/);
    const cert = { ...form, certificate_thumbprint: 'a'.repeat(40), certificate_path: '/k.pem' };
    expect(tenantFormProblem(cert, false, true, TODAY)).toBeNull();
  });

  it("counts days in this computer's time zone", () => {
    expect(localDate(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
    expect(localDate(new Date(2026, 11, 31, 0, 1))).toBe('2026-12-31');
  });
});

describe('syncProgress', () => {
  it('counts rooms whose first cycle ended, failing ones included', () => {
    const rooms = [
      room('a', { last_ok_at: '2026-11-21T10:00:00Z', status: 'in_sync' }),
      room('b', { status: 'failing', last_error: 'x' }),
      room('c', { status: 'syncing' }),
    ];
    expect(syncProgress(rooms)).toEqual({ done: 2, total: 3, failing: 1, percent: 67, complete: false });
    expect(syncProgress([]).complete).toBe(false);
    expect(syncProgress(rooms.slice(0, 2)).complete).toBe(true);
  });
});

describe('the booking step', () => {
  const contract = { system: 'roombridge-api' as const, url: ' https://b.example/api/v1 ', apiKey: 'k', login: 'x', password: 'p' };
  const portico = { ...contract, system: 'porticoestate' as const, url: 'https://aktiv.example', login: ' roombridge ' };

  it("sends the chosen system's fields only", () => {
    expect(bookingForm(contract)).toEqual({ system: 'roombridge-api', url: 'https://b.example/api/v1', api_key: 'k' });
    expect(bookingForm(portico)).toEqual({
      system: 'porticoestate',
      url: 'https://aktiv.example',
      login: 'roombridge',
      password: 'p',
    });
    // An empty secret field means "the one in the keyring".
    expect(bookingForm({ ...portico, password: '' }).password).toBeNull();
  });

  it('needs an address and a key, or a user name and a password, unless stored', () => {
    expect(bookingFormProblem(contract, false, false)).toBeNull();
    expect(bookingFormProblem({ ...contract, apiKey: '' }, false, false)).toMatch(/API key/);
    expect(bookingFormProblem({ ...contract, apiKey: '' }, true, false)).toBeNull();
    expect(bookingFormProblem(portico, false, false)).toBeNull();
    expect(bookingFormProblem({ ...portico, url: ' ' }, false, false)).toMatch(/address/);
    expect(bookingFormProblem({ ...portico, login: '' }, false, false)).toMatch(/user name/);
    expect(bookingFormProblem({ ...portico, password: '' }, false, false)).toMatch(/password/);
    expect(bookingFormProblem({ ...portico, password: '' }, false, true)).toBeNull();
    // The other system's stored secret does not count.
    expect(bookingFormProblem({ ...portico, password: '' }, true, false)).toMatch(/password/);
  });

  it('points a failed test at the fields to fix', () => {
    expect(problemFields('porticoestate', 'credentials')).toEqual(['login', 'password']);
    expect(problemFields('roombridge-api', 'credentials')).toEqual(['api_key']);
    expect(problemFields('porticoestate', 'permission')).toEqual(['login']);
    expect(problemFields('porticoestate', 'address')).toEqual(['url']);
    expect(problemFields('roombridge-api', 'unreachable')).toEqual(['url']);
    expect(problemFields('porticoestate', 'busy')).toEqual([]);
    expect(problemFields('porticoestate', null)).toEqual([]);
  });
});
