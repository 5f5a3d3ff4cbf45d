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
  await expect(page.getByTestId('finish-setup')).toBeDisabled();
  await rows.nth(1).getByTestId('resource-mailbox').selectOption('');
  await expect(page.getByTestId('finish-setup')).toHaveText(`Start syncing ${total - 2} rooms`);
  await page.getByTestId('finish-setup').click();

  // Step 4: the first full sync, from the engine's updates.
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
  const added = page.getByTestId('room-row').filter({ hasText: 'Added in the browser' });
  await expect(added).toHaveAttribute('data-status', /^(in_sync|conflicts)$/, { timeout: 30_000 });

  await added.getByTestId('remove-room').click();
  const panel = page.getByTestId('remove-room-panel');
  await expect(panel).toContainText('Nothing is deleted');
  await panel.getByTestId('confirm-remove').click();
  await expect(page.getByTestId('room-row')).toHaveCount(before);
  await expect(page.getByTestId('room-row').filter({ hasText: 'Added in the browser' })).toHaveCount(0);
});
