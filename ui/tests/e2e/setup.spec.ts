// The setup wizard from an empty data folder to the first full sync, against the emulators run
// as separate processes (`roombridge emulate`) and `roombridge serve` on an empty data folder,
// with the real OS keyring (this step runs inside scripts/desktop-session.sh).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { expect, test } from './fixtures';
import { startRoombridge, stop } from './processes';

const GRAPH_SECRET = `e2e-graph-${process.pid}-secret`;
const API_KEY = `e2e-booking-${process.pid}-key`;
/** Three months ahead, as a date input holds it (local YYYY-MM-DD). */
const SECRET_EXPIRES = (() => {
  const d = new Date(Date.now() + 90 * 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
})();

let children: ChildProcess[] = [];
let dataDir = '';
let serverUrl = '';
let graph: Record<string, string> = {};
let booking: Record<string, string> = {};

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  const g = await startRoombridge(['emulate', 'graph', '--credential', GRAPH_SECRET], {
    base: /Microsoft Graph emulator at (\S+)/,
    token: /token endpoint: (\S+)/,
    clientId: /client id: (\S+)/,
  });
  const b = await startRoombridge(['emulate', 'booking', '--credential', API_KEY], {
    base: /booking system emulator at (\S+)/,
  });
  dataDir = mkdtempSync(path.join(tmpdir(), 'roombridge-setup-e2e-'));
  const s = await startRoombridge(
    ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--ui-dir', 'dist', '--poll', '2'],
    { url: /RoomBridge is running at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/ },
    // Its own keyring service: a real RoomBridge's secrets are never touched.
    { ROOMBRIDGE_KEYRING_SERVICE: `roombridge-e2e-${process.pid}` },
  );
  children = [g.child, b.child, s.child];
  graph = g.found;
  booking = b.found;
  serverUrl = s.found.url!;
});

test.afterAll(async () => {
  await Promise.all(children.map(stop));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('the setup wizard goes from an empty data folder to rooms in sync', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(serverUrl);
  const wizard = page.getByTestId('setup-wizard');
  await expect(wizard).toBeVisible();
  await expect(page.getByTestId('tab-rooms')).toHaveCount(0);

  // Step 1: the tenant. The token URL names the tenant: /{tenant}/oauth2/v2.0/token.
  const tenantId = new URL(graph.token!).pathname.split('/')[1]!;
  await page.getByTestId('tenant-id').fill(tenantId);
  await page.getByTestId('client-id').fill(graph.clientId!);
  await page.getByTestId('advanced').locator('summary').click();
  await page.getByTestId('graph-base').fill(graph.base!);
  await page.getByTestId('token-url').fill(graph.token!);

  // A wrong secret first: refused with a message that says what to fix.
  await page.getByTestId('client-secret').fill('not-the-secret');
  await page.getByTestId('test-tenant').click();
  const tenantCheck = page.getByTestId('check-tenant');
  await expect(tenantCheck).toHaveAttribute('data-ok', 'false');
  await expect(tenantCheck).toContainText('refused the sign-in (401)');
  await expect(page.getByTestId('check-tenant-fix')).toContainText('client secret');
  await expect(page.getByTestId('next-booking')).toBeDisabled();

  await page.getByTestId('client-secret').fill(GRAPH_SECRET);
  // When the secret expires: optional, and a day already past is explained before any test.
  const expires = page.getByTestId('secret-expires');
  await expires.fill('2020-01-31');
  await expect(page.getByTestId('tenant-problem')).toContainText('expired on 2020-01-31');
  await expect(page.getByTestId('test-tenant')).toBeDisabled();
  await expires.fill(SECRET_EXPIRES);
  await expect(page.getByTestId('tenant-problem')).toHaveCount(0);
  await page.getByTestId('test-tenant').click();
  await expect(tenantCheck).toHaveAttribute('data-ok', 'true');
  await expect(tenantCheck).toContainText('room mailboxes');
  // The secret left the page once it was in the keyring.
  await expect(page.getByTestId('client-secret')).toHaveValue('');
  await page.getByTestId('next-booking').click();

  // Step 2: the booking system, with a wrong API key first.
  await page.getByTestId('booking-url').fill(booking.base!);
  await page.getByTestId('api-key').fill('wrong-key');
  await page.getByTestId('test-booking').click();
  const bookingCheck = page.getByTestId('check-booking');
  await expect(bookingCheck).toHaveAttribute('data-ok', 'false');
  await expect(bookingCheck).toContainText('rejected the API key');
  await expect(page.getByTestId('check-booking-fix')).toContainText('API key');

  await page.getByTestId('api-key').fill(API_KEY);
  await page.getByTestId('test-booking').click();
  await expect(bookingCheck).toHaveAttribute('data-ok', 'true');
  await page.getByTestId('next-rooms').click();

  // Step 3: discovered and matched by e-mail; one resource left out, one with its own policy.
  const rows = page.getByTestId('resource-row');
  await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(10);
  await expect(rows.first()).toHaveAttribute('data-matched-by', /email/);
  const total = await rows.count();
  await rows.last().getByTestId('resource-mailbox').selectOption('');
  await rows.first().getByTestId('resource-policy').selectOption('booking-wins');
  // Two resources on one mailbox are refused before anything is sent.
  const firstMailbox = await rows.first().getByTestId('resource-mailbox').inputValue();
  await rows.nth(1).getByTestId('resource-mailbox').selectOption(firstMailbox);
  await expect(page.getByTestId('rooms-problem')).toContainText('more than one resource');
  await expect(page.getByTestId('review-setup')).toBeDisabled();
  await rows.nth(1).getByTestId('resource-mailbox').selectOption('');
  await expect(page.getByTestId('review-setup')).toHaveText(`Review the first sync of ${total - 2} rooms`);
  await page.getByTestId('review-setup').click();

  // Step 4: what the first sync will do, worked out before anything is written. The demo's
  // booking system holds reservations Outlook lacks, and double bookings that wait.
  const review = page.getByTestId('setup-review');
  await expect(review).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('setup-wizard')).toHaveAttribute('data-step', 'review');
  await expect(review.getByTestId('review-room')).toHaveCount(total - 2);
  await expect(review.getByTestId('review-room-error')).toHaveCount(0);
  const toOutlook = review.locator('[data-testid="review-total-action"][data-action="create_event"]');
  const added = Number(await toOutlook.getAttribute('data-count'));
  expect(added).toBeGreaterThan(0);
  await expect(toOutlook).toHaveText(`Adds ${added} reservations to Outlook`);
  const waits = review.getByTestId('review-conflicts');
  const doubleBookings = Number(await waits.getAttribute('data-count'));
  expect(doubleBookings).toBeGreaterThan(0);
  await expect(waits).toContainText(
    `${doubleBookings} double booking${doubleBookings === 1 ? '' : 's'} will wait for your decision on the Conflicts screen.`,
  );
  // A room's writes open to their titles.
  const group = review.locator('[data-testid="review-group"][data-action="create_event"]').first();
  await expect(group.locator('li').first()).toBeHidden();
  await group.locator('summary').click();
  await expect(group.locator('li').first()).toBeVisible();
  // Back to the rooms keeps the choices; reviewing again works the plan out again.
  await review.getByTestId('review-back').click();
  await expect(rows.last().getByTestId('resource-mailbox')).toHaveValue('');
  await page.getByTestId('review-setup').click();
  await expect(page.getByTestId('finish-setup')).toHaveText(`Start syncing ${total - 2} rooms`);
  await page.getByTestId('finish-setup').click();

  // Step 5: the first full sync, from the engine's updates.
  await expect(page.getByTestId('first-sync')).toBeVisible();
  const progress = page.getByTestId('sync-progress-text');
  await expect(progress).toHaveAttribute('data-complete', 'true', { timeout: 60_000 });
  await expect(progress).toContainText(`${total - 2} of ${total - 2} rooms done`);
  await page.getByTestId('go-to-rooms').click();

  const roomRows = page.getByTestId('room-row');
  await expect(roomRows).toHaveCount(total - 2);
  // Synced: in sync, or in sync with the demo's double bookings waiting as conflicts.
  const synced = page.locator(
    '[data-testid="room-row"][data-status="in_sync"], [data-testid="room-row"][data-status="conflicts"]',
  );
  await expect.poll(() => synced.count(), { timeout: 30_000 }).toBe(total - 2);
  await expect(page.locator('[data-testid="room-row"][data-status="in_sync"]').first()).toBeVisible();

  // config.json holds no secret, and the secret's expiry date for the desktop's warning.
  const config = readFileSync(path.join(dataDir, 'config.json'), 'utf8');
  expect(config).toContain(graph.clientId!);
  expect(JSON.parse(config).client_secret_expires).toBe(SECRET_EXPIRES);
  expect(config).not.toContain(GRAPH_SECRET);
  expect(config).not.toContain(API_KEY);
});

test('a mapping is added back and removed with what happens explained', async ({ page }) => {
  await page.goto(serverUrl);
  // Set up: the screens open on the Overview; mappings live on Rooms.
  await expect(page.getByTestId('tab-overview')).toHaveAttribute('aria-current', 'page');
  await page.getByTestId('tab-rooms').click();
  await expect(page.getByTestId('room-row').first()).toBeVisible();
  const before = await page.getByTestId('room-row').count();

  await page.getByTestId('add-room').click();
  const form = page.getByTestId('add-room-form');
  const resource = form.getByTestId('add-resource');
  await expect(resource.locator('option:not([disabled])')).toHaveCount(2);
  await resource.selectOption({ index: 1 });
  await expect(form.getByTestId('add-mailbox')).not.toHaveValue('');
  await form.getByTestId('add-name').fill('Added in the browser');
  await form.getByTestId('add-room-submit').click();
  await expect(page.getByTestId('room-row')).toHaveCount(before + 1);
  // Said in a status message, which the next action takes away.
  await expect(page.getByTestId('room-notice')).toContainText('Room added: Added in the browser. It syncs now.');
  const added = page.getByTestId('room-row').filter({ hasText: 'Added in the browser' });
  await expect(added).toHaveAttribute('data-status', /^(in_sync|conflicts)$/, { timeout: 30_000 });

  await added.getByTestId('remove-room').click();
  const panel = page.getByTestId('remove-room-panel');
  await expect(panel).toContainText('Nothing is deleted');
  await expect(page.getByTestId('room-notice')).toHaveCount(0);
  await panel.getByTestId('confirm-remove').click();
  await expect(page.getByTestId('room-row')).toHaveCount(before);
  await expect(page.getByTestId('room-notice')).toContainText(
    'Mapping removed: Added in the browser. RoomBridge no longer syncs it.',
  );
  await expect(page.getByTestId('room-row').filter({ hasText: 'Added in the browser' })).toHaveCount(0);
});

test('Settings > Connections renews the expired client secret and moves the booking system, testing each first', async ({
  page,
  request,
}) => {
  test.setTimeout(120_000);
  const configFile = path.join(dataDir, 'config.json');
  const readConfig = () => readFileSync(configFile, 'utf8');
  const renewed = `e2e-graph-${process.pid}-renewed`;
  /** A year ahead, as a date input holds it (local YYYY-MM-DD). */
  const renewedExpires = (() => {
    const d = new Date(Date.now() + 364 * 86_400_000);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  })();

  // In Entra ID: a new client secret for the app registration, and the old one expires.
  const admin = (route: string) => new URL(`/admin/${route}`, new URL(graph.base!).origin).toString();
  const asAdmin = { Authorization: `Bearer ${GRAPH_SECRET}` };
  for (const data of [
    { secret: renewed, expires: new Date(Date.now() + 365 * 86_400_000).toISOString() },
    { secret: GRAPH_SECRET, expires: '2020-01-01T00:00:00Z' },
  ]) {
    const res = await request.post(admin('secrets'), { headers: asAdmin, data });
    expect(res.status(), `POST /admin/secrets: ${await res.text()}`).toBe(204);
  }

  const settings = new URL(serverUrl);
  settings.hash = '/settings';
  await page.goto(settings.toString());
  await expect(page.getByTestId('tab-settings')).toHaveAttribute('aria-current', 'page');
  const section = page.getByTestId('connections');
  await expect(section.getByRole('heading', { name: 'Connections' })).toBeVisible();
  // Live mode: changes are written, so no demo note.
  await expect(page.getByTestId('connections-demo')).toHaveCount(0);

  // Microsoft 365, filled from the connection in use; the secret field is empty and says why.
  const tenant = page.getByTestId('connections-tenant');
  const secret = tenant.getByLabel('Client secret', { exact: true });
  const expires = tenant.getByTestId('secret-expires');
  const check = tenant.getByTestId('conn-check-tenant');
  const fix = tenant.getByTestId('conn-check-tenant-fix');
  await expect(tenant.getByTestId('client-id')).toHaveValue(graph.clientId!);
  await expect(secret).toHaveValue('');
  await expect(tenant.getByTestId('client-secret-keep')).toContainText('Leave empty to keep the client secret in the keyring');
  await expect(expires).toHaveValue(SECRET_EXPIRES);
  await expect(tenant.getByTestId('secret-expiry-status')).toContainText(/expires on .*, in \d+ days\./);

  // The secret in the keyring has expired: the test says so and points at the secret field.
  await tenant.getByTestId('conn-test-tenant').click();
  await expect(check).toHaveAttribute('data-ok', 'false');
  await expect(check).toHaveAttribute('data-problem', 'credentials');
  await expect(check).toContainText('refused the sign-in');
  await expect(fix).toContainText('has expired');
  await expect(secret).toBeFocused();
  await expect(secret).toHaveAttribute('aria-invalid', 'true');
  await expect(secret).toHaveAttribute('aria-describedby', /\bconn-check-tenant\b/);

  // A wrong secret: Save tests it first, keeps nothing, and says what to fix.
  await secret.fill('not-the-renewed-secret');
  const save = tenant.getByTestId('conn-save-tenant');
  await save.click();
  await expect(tenant.getByTestId('conn-tenant-not-saved')).toContainText('Not saved');
  await expect(check).toHaveAttribute('data-ok', 'false');
  await expect(fix).toContainText('client secret');
  await expect(fix).toContainText('is wrong');
  await expect(secret).toBeFocused();
  expect(JSON.parse(readConfig()).client_secret_expires).toBe(SECRET_EXPIRES);

  // The new secret with its expiry date: saved, and out of the page.
  await secret.fill(renewed);
  await expires.fill(renewedExpires);
  await expect(save).toBeEnabled();
  await save.click();
  await expect(tenant.getByTestId('conn-tenant-saved')).toHaveText('Saved. RoomBridge now syncs with the new Microsoft 365 connection.');
  await expect(check).toHaveAttribute('data-ok', 'true');
  await expect(check).toContainText('room mailboxes');
  await expect(secret).toHaveValue('');
  await expect(expires).toHaveValue(renewedExpires);
  await expect(tenant.getByTestId('secret-expiry-status')).toHaveAttribute('data-tone', 'ok');
  await expect(tenant.getByTestId('secret-expiry-status')).toContainText(/in 36\d days/);
  await expect(save).toBeDisabled();
  let config = readConfig();
  expect(JSON.parse(config).client_secret_expires).toBe(renewedExpires);
  for (const secretText of [renewed, GRAPH_SECRET, 'not-the-renewed-secret', API_KEY]) {
    expect(config).not.toContain(secretText);
  }

  // The booking system moves to another address (the same emulator, by name): tested and saved.
  const bookingCard = page.getByTestId('connections-booking');
  await expect(bookingCard.getByTestId('booking-kind')).toHaveText('RoomBridge booking API');
  const url = bookingCard.getByLabel('API address', { exact: true });
  await expect(url).toHaveValue(booking.base!);
  await expect(bookingCard.getByTestId('api-key')).toHaveValue('');
  const moved = booking.base!.replace('127.0.0.1', 'localhost');
  expect(moved).not.toBe(booking.base);
  await url.fill(moved);
  await bookingCard.getByTestId('conn-save-booking').click();
  await expect(bookingCard.getByTestId('conn-booking-saved')).toHaveText('Saved. RoomBridge now syncs with the new booking-system connection.');
  await expect(bookingCard.getByTestId('conn-check-booking')).toHaveAttribute('data-ok', 'true');
  await expect(url).toHaveValue(moved);
  config = readConfig();
  expect(JSON.parse(config).booking_url).toBe(moved);
  expect(config).not.toContain(API_KEY);
  const savedAt = Date.now();

  // Every access token so far is void: the next cycle signs in again, with the renewed secret.
  expect((await request.post(admin('tokens/expire'), { headers: asAdmin })).status()).toBe(204);

  // A room still syncs on the new connections.
  await page.getByTestId('tab-rooms').click();
  const row = page.locator('[data-testid="room-row"][data-status="in_sync"]').first();
  await expect(row).toBeVisible({ timeout: 30_000 });
  const roomId = (await row.getAttribute('data-room-id'))!;
  const target = page.locator(`[data-testid="room-row"][data-room-id="${roomId}"]`);
  await target.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-error')).toHaveCount(0);
  const token = new URL(serverUrl).searchParams.get('token') ?? '';
  const lastOk = async () => {
    const res = await request.get(new URL('/api/rooms', new URL(serverUrl).origin).toString(), {
      headers: { Authorization: `Bearer ${token}` },
    });
    const rooms = (await res.json()) as { id: string; last_ok_at: string | null }[];
    return Date.parse(rooms.find((r) => r.id === roomId)?.last_ok_at ?? '') || 0;
  };
  await expect.poll(lastOk, { timeout: 30_000 }).toBeGreaterThan(savedAt);
  await expect(target).toHaveAttribute('data-status', /^(in_sync|conflicts)$/, { timeout: 30_000 });
});

test('when the booking system goes down, one banner says so and since when, and rooms stay failing', async ({
  page,
}) => {
  test.setTimeout(90_000);
  // The booking system's server stops answering (its process ends).
  await stop(children[1]);
  await page.goto(serverUrl);
  await page.getByTestId('tab-rooms').click();

  const banner = page.getByTestId('outage-booking');
  await expect(banner).toBeVisible({ timeout: 60_000 });
  await expect(banner).toContainText('The booking system cannot be reached.');
  await expect(banner).toContainText('Since');
  await expect(banner).toContainText('nothing is lost');
  // The same failure in every room is told once, with the rooms it concerns.
  const group = page.getByTestId('error-group').first();
  await expect(group).toContainText('Could not reach the booking system');
  // Every room fails, and stays failing while RoomBridge retries (every 2 s here): no
  // flapping back to "Syncing" between the retries.
  const statuses = page.getByTestId('room-status');
  const all = () => statuses.evaluateAll((els) => els.map((el) => el.getAttribute('data-status')));
  await expect.poll(async () => (await all()).every((s) => s === 'failing'), { timeout: 60_000 }).toBe(true);
  for (let i = 0; i < 5; i++) {
    await page.waitForTimeout(1_000);
    expect(await all()).toEqual((await all()).map(() => 'failing'));
  }
});
