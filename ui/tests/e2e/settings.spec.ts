import type { HistoryEntry, RoomView, SettingsView } from '../../src/backend/types';
import { api, auth, expect, getJson, openScreen, serverUrl, test } from './fixtures';

// The demo server is shared by every spec: leave the settings as this file found them.
let before: SettingsView | null = null;
test.beforeAll(async ({ request }) => {
  before = await getJson<SettingsView>(request, '/settings');
});
test.afterAll(async ({ request }) => {
  if (!before) return;
  const res = await request.put(api('/settings'), {
    ...auth(),
    data: { privacy: before.privacy },
  });
  expect(res.ok()).toBe(true);
});

test('privacy mode "Reserved": the next sync writes "Reserved" to Outlook instead of the title', async ({ page, request }) => {
  await openScreen(page, 'settings');
  await expect(page.getByTestId('data-dir')).not.toHaveText('');
  // The headless demo writes log files, and says where.
  await expect(page.getByTestId('log-dir')).toContainText('roombridge');
  await expect(page.getByTestId('log-dir')).not.toContainText('standard error');
  await expect(page.getByTestId('privacy-full')).toBeChecked();

  // A poll interval out of bounds is explained next to the field and cannot be saved.
  const poll = page.getByTestId('poll-interval');
  await poll.fill('2');
  await expect(page.getByTestId('poll-error')).toContainText('from 5 (5 seconds) to 3600 (1 hour)');
  await expect(page.getByTestId('save-settings')).toBeDisabled();
  await poll.fill(String(before!.poll_interval_secs));
  await expect(page.getByTestId('poll-error')).toHaveCount(0);

  await page.getByTestId('privacy-reserved').check();
  const saved = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().includes('/api/settings'));
  await page.getByTestId('save-settings').click();
  expect((await saved).ok()).toBe(true);
  await expect(page.getByTestId('settings-saved')).toBeVisible();
  expect((await getJson<SettingsView>(request, '/settings')).privacy).toBe('reserved');

  // Sync the room with the most reservations RoomBridge wrote to Outlook.
  const rooms = await getJson<RoomView[]>(request, '/rooms');
  const room = [...rooms].sort((a, b) => b.counts.links - a.counts.links)[0]!;
  expect(room.counts.links, 'the demo has synced reservations').toBeGreaterThan(0);
  await openScreen(page, 'rooms');
  const row = page.locator(`[data-testid="room-row"][data-room-id="${room.id}"]`);
  await row.getByTestId('sync-now').click();

  // The room's Outlook events are updated to "Reserved": the history of what was written says
  // so, and no booking-system reservation was renamed for it.
  await expect
    .poll(
      async () => {
        const rows = await getJson<HistoryEntry[]>(request, '/history', { room: room.id, kind: 'update_event', limit: '500' });
        return rows.filter((e) => e.outcome === 'ok' && e.title === 'Reserved').length;
      },
      { timeout: 45_000 },
    )
    .toBeGreaterThan(0);
  const renamed = await getJson<HistoryEntry[]>(request, '/history', {
    room: room.id,
    kind: 'update_reservation',
    search: 'Reserved',
    limit: '500',
  });
  expect(renamed.filter((e) => e.title === 'Reserved')).toEqual([]);

  await openScreen(page, 'history');
  await expect(page.getByText('Reserved', { exact: true }).first()).toBeVisible({ timeout: 15_000 });
});

test('the Overview shows every room, the activity chart and the Graph budget', async ({ page, request }) => {
  const rooms = await getJson<RoomView[]>(request, '/rooms');
  await page.goto(serverUrl());
  // The Overview is the first screen.
  await expect(page.getByTestId('tab-overview')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('overview-room')).toHaveCount(rooms.length);
  for (const r of rooms) {
    await expect(page.locator(`[data-testid="overview-room"][data-room-id="${r.id}"]`)).toContainText(r.name);
  }
  await expect(page.getByTestId('overview-lag').first()).not.toHaveText('');

  const chart = page.getByTestId('activity-chart');
  await expect(chart).toBeVisible();
  await expect(chart).toHaveAttribute('data-buckets', '24');
  await expect(chart.getByTestId('activity-bar')).toHaveCount(24);
  // The demo has synced: the current hour holds what it wrote.
  const last = chart.getByTestId('activity-bar').last();
  expect(Number(await last.getAttribute('data-total'))).toBeGreaterThan(0);
  await page.getByTestId('span-14d').click();
  await expect(chart.getByTestId('activity-bar')).toHaveCount(14);

  const budget = page.getByTestId('budget-row');
  for (const r of rooms) {
    await expect(budget.and(page.locator(`[data-mailbox="${r.mailbox.toLowerCase()}"]`))).toHaveCount(1);
  }
  const used = await budget.evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-used'))));
  expect(used.some((n) => n > 0), `requests per mailbox: ${used}`).toBe(true);
});

test('start at login belongs to the desktop app: in the browser the switch is off and disabled, and says why', async ({
  page,
}) => {
  await openScreen(page, 'settings');
  const autostart = page.getByRole('checkbox', { name: 'Start RoomBridge when I log in' });
  await expect(page.getByTestId('autostart-unavailable')).toHaveText(
    'Only the desktop app can start when you log in; it does not apply in a browser.',
  );
  await expect(autostart).toBeDisabled();
  await expect(autostart).not.toBeChecked();
  await expect(autostart).toHaveAccessibleDescription(/Only the desktop app can start when you log in/);
  await expect(page.getByTestId('autostart-error')).toHaveCount(0);
});
