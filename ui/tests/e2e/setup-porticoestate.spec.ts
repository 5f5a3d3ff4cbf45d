// The setup wizard connecting an Aktiv kommune (PorticoEstate) installation: a wrong address, a
// user without the rights to add and edit events, a wrong password, then the right one, each
// with what to fix; then the rooms matched by name and the first full sync. Against the
// emulators run as separate processes (`roombridge emulate graph|porticoestate`) and
// `roombridge serve` on an empty data folder, with the real OS keyring (this step runs inside
// scripts/desktop-session.sh).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { expect, test } from './fixtures';
import { startRoombridge, stop } from './processes';

const GRAPH_SECRET = `e2e-graph-${process.pid}-secret`;
const PASSWORD = `e2e-portico-${process.pid}-password`;

let children: ChildProcess[] = [];
let dataDir = '';
let serverUrl = '';
let graph: Record<string, string> = {};
let portico = '';
let readOnly = '';

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  const g = await startRoombridge(['emulate', 'graph', '--credential', GRAPH_SECRET], {
    base: /Microsoft Graph emulator at (\S+)/,
    token: /token endpoint: (\S+)/,
    clientId: /client id: (\S+)/,
  });
  const p = await startRoombridge(['emulate', 'porticoestate', '--credential', PASSWORD], {
    base: /PorticoEstate emulator at (\S+)/,
  });
  // The same installation's user, without the booking rights to add and edit events.
  const r = await startRoombridge(
    ['emulate', 'porticoestate', '--seed', 'empty', '--credential', PASSWORD, '--deny', 'add', '--deny', 'edit'],
    { base: /PorticoEstate emulator at (\S+)/ },
  );
  dataDir = mkdtempSync(path.join(tmpdir(), 'roombridge-setup-portico-e2e-'));
  const s = await startRoombridge(
    ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--ui-dir', 'dist', '--poll', '2'],
    { url: /RoomBridge is running at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/ },
    // Its own keyring service: a real RoomBridge's secrets are never touched.
    { ROOMBRIDGE_KEYRING_SERVICE: `roombridge-e2e-portico-${process.pid}` },
  );
  children = [g.child, p.child, r.child, s.child];
  graph = g.found;
  portico = p.found.base!;
  readOnly = r.found.base!;
  serverUrl = s.found.url!;
});

test.afterAll(async () => {
  await Promise.all(children.map(stop));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('the setup wizard connects PorticoEstate, saying what to fix, and syncs its rooms', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(serverUrl);
  await expect(page.getByTestId('setup-wizard')).toBeVisible();

  // Step 1: the tenant (as in setup.spec.ts).
  const tenantId = new URL(graph.token!).pathname.split('/')[1]!;
  await page.getByTestId('tenant-id').fill(tenantId);
  await page.getByTestId('client-id').fill(graph.clientId!);
  await page.getByTestId('advanced').locator('summary').click();
  await page.getByTestId('graph-base').fill(graph.base!);
  await page.getByTestId('token-url').fill(graph.token!);
  await page.getByTestId('client-secret').fill(GRAPH_SECRET);
  await page.getByTestId('test-tenant').click();
  await expect(page.getByTestId('check-tenant')).toHaveAttribute('data-ok', 'true');
  await page.getByTestId('next-booking').click();

  // Step 2: Aktiv kommune, chosen by its label.
  await page.getByRole('radio', { name: 'Aktiv kommune (PorticoEstate)', exact: true }).check();
  await expect(page.getByTestId('api-key')).toHaveCount(0);
  const url = page.getByLabel('Address', { exact: true });
  const login = page.getByLabel('User name');
  const password = page.getByLabel('Password');
  await expect(page.getByTestId('booking-problem')).toContainText('address');
  await expect(page.getByTestId('test-booking')).toBeDisabled();
  const check = page.getByTestId('check-booking');
  const fix = page.getByTestId('check-booking-fix');

  // A wrong address: Microsoft Graph's emulator answers, but not as PorticoEstate.
  await url.fill(new URL(graph.base!).origin);
  await login.fill('roombridge');
  await password.fill(PASSWORD);
  await page.getByTestId('test-booking').click();
  await expect(check).toHaveAttribute('data-ok', 'false');
  await expect(check).toHaveAttribute('data-problem', 'address');
  await expect(check).toContainText("not as PorticoEstate's booking API");
  await expect(fix).toContainText('https://aktiv.your-municipality.no');
  await expect(url).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('next-rooms')).toBeDisabled();

  // A user without the rights to add and edit events: which ones, and who grants them.
  await url.fill(readOnly);
  await page.getByTestId('test-booking').click();
  await expect(check).toHaveAttribute('data-problem', 'permission');
  await expect(check).toContainText('may not add events or edit events');
  await expect(fix).toContainText('Ask a PorticoEstate administrator');
  await expect(fix).toContainText('Add and Edit');
  await expect(url).toHaveAttribute('aria-invalid', 'false');
  await expect(login).toHaveAttribute('aria-invalid', 'true');

  // A wrong password.
  await url.fill(portico);
  await password.fill('not-the-password');
  await page.getByTestId('test-booking').click();
  await expect(check).toHaveAttribute('data-problem', 'credentials');
  await expect(check).toContainText('PorticoEstate did not accept the user name or password');
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await expect(password).toHaveAttribute('aria-describedby', 'check-booking');

  // The right one: into the keyring, and out of the page.
  await password.fill(PASSWORD);
  await page.getByTestId('test-booking').click();
  await expect(check).toHaveAttribute('data-ok', 'true');
  await expect(check).toContainText('add and edit events');
  await expect(password).toHaveValue('');
  await expect(password).toHaveAttribute('placeholder', /Stored in the keyring/);
  await page.getByTestId('next-rooms').click();

  // Step 3: PorticoEstate's resources have no e-mail; the rooms match Outlook's by name.
  const rows = page.getByTestId('resource-row');
  await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(10);
  const byName = page.locator('[data-testid="resource-row"][data-matched-by="name"]');
  const matched = await byName.count();
  expect(matched).toBeGreaterThanOrEqual(10);
  await expect(page.getByTestId('review-setup')).toHaveText(`Review the first sync of ${matched} rooms`);
  await page.getByTestId('review-setup').click();

  // Step 4: each room's first sync, read from PorticoEstate and Outlook before anything is written.
  await expect(page.getByTestId('review-room')).toHaveCount(matched, { timeout: 30_000 });
  await expect(page.getByTestId('review-room-error')).toHaveCount(0);
  await expect(page.getByTestId('finish-setup')).toHaveText(`Start syncing ${matched} rooms`);
  await page.getByTestId('finish-setup').click();

  // Step 5: the first full sync reads each room's schedule.
  const progress = page.getByTestId('sync-progress-text');
  await expect(progress).toHaveAttribute('data-complete', 'true', { timeout: 60_000 });
  await expect(progress).toContainText(`${matched} of ${matched} rooms done`);

  // config.json names PorticoEstate and its user; the password is in the keyring only.
  const text = readFileSync(path.join(dataDir, 'config.json'), 'utf8');
  const config = JSON.parse(text);
  expect(config.booking_system).toBe('porticoestate');
  expect(config.booking_login).toBe('roombridge');
  expect(config.booking_url).toBe(portico);
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(GRAPH_SECRET);
});
