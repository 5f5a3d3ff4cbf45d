import type { RoomView } from '../../src/backend/types';
import { api, auth, expect, getJson, openScreen, serverUrl, test } from './fixtures';

test('the Rooms screen lists the demo rooms and they reach "in sync"', async ({ page }) => {
  await openScreen(page, 'rooms');

  await expect(page.getByTestId('demo-badge')).toBeVisible();
  // The token is taken out of the address bar once read.
  expect(new URL(page.url()).searchParams.has('token')).toBe(false);

  const rows = page.getByTestId('room-row');
  await expect.poll(() => rows.count(), { message: 'at least 12 rooms are listed' }).toBeGreaterThanOrEqual(12);

  // Each row shows the mailbox <-> resource mapping and a status chip.
  const first = rows.first();
  await expect(first).toContainText('@');
  await expect(first.getByTestId('room-status')).toBeVisible();
  await expect(first.getByTestId('sync-now')).toBeEnabled();

  // The demo's rooms finish their first cycle and show "In sync", updated live.
  await expect
    .poll(() => page.locator('[data-testid="room-row"][data-status="in_sync"]').count(), {
      message: 'at least 12 rooms are in sync',
      timeout: 30_000,
    })
    .toBeGreaterThanOrEqual(12);
  await expect(page.locator('[data-testid="room-row"][data-status="in_sync"]').first()).toContainText('In sync');
});

test('a reload keeps working without the token in the address', async ({ page }) => {
  await openScreen(page, 'rooms');
  await expect(page.getByTestId('room-row').first()).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('room-row').first()).toBeVisible();
  await expect(page.getByTestId('fatal')).toHaveCount(0);
});

test('without a token the page explains how to get in', async ({ page }) => {
  const url = new URL(serverUrl());
  url.search = '';
  await page.goto(url.toString());
  await expect(page.getByTestId('fatal')).toBeVisible();
  await expect(page.getByTestId('room-row')).toHaveCount(0);
});

for (const width of [1180, 1360]) {
  test(`at ${width} px every column and action fits without sideways scrolling`, async ({ page }) => {
    await page.setViewportSize({ width, height: 760 });
    await openScreen(page, 'rooms');
    await expect(page.getByTestId('room-row').first()).toBeVisible();

    const table = page.getByTestId('rooms-table');
    const overflow = await table.evaluate((el) => el.parentElement!.scrollWidth - el.parentElement!.clientWidth);
    expect(overflow, 'the table is wider than its card').toBeLessThanOrEqual(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);

    // The last button of the row is inside the window.
    const box = await page.getByTestId('remove-room').first().boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x + box!.width).toBeLessThanOrEqual(width);
  });
}

test('a room is paused and resumed, and so is every room', async ({ page }) => {
  await openScreen(page, 'rooms');
  const rows = page.getByTestId('room-row');
  await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(12);
  const row = rows.last();
  const id = await row.getAttribute('data-room-id');
  const byId = page.locator(`[data-testid="room-row"][data-room-id="${id}"]`);

  await byId.getByTestId('pause-room').click();
  await expect(byId).toHaveAttribute('data-status', 'paused');
  await expect(byId.getByTestId('room-status')).toContainText('Paused');
  await expect(byId.getByTestId('sync-now')).toBeDisabled();
  // The pause is stored: a reload shows it too.
  await page.reload();
  await expect(byId).toHaveAttribute('data-status', 'paused');

  await byId.getByTestId('resume-room').click();
  await expect(byId).not.toHaveAttribute('data-status', 'paused');
  await expect(byId.getByTestId('sync-now')).toBeEnabled();

  await page.getByTestId('pause-all').click();
  await expect.poll(() => page.locator('[data-testid="room-row"][data-status="paused"]').count()).toBe(await rows.count());
  await expect(page.getByTestId('pause-all')).toHaveText('Resume all');
  await page.getByTestId('pause-all').click();
  await expect(page.locator('[data-testid="room-row"][data-status="paused"]')).toHaveCount(0);
  await expect(page.getByTestId('pause-all')).toHaveText('Pause all');
});

test('the search finds rooms by name, mailbox or resource id whatever the case and accents, and the status filter narrows them', async ({
  page,
  request,
}) => {
  const rooms = await getJson<RoomView[]>(request, '/rooms');
  await openScreen(page, 'rooms');
  const rows = page.getByTestId('room-row');
  await expect(rows).toHaveCount(rooms.length);
  const search = page.getByRole('searchbox', { name: 'Search' });
  const showing = page.getByTestId('rooms-showing');
  await expect(showing).toHaveText('');

  // A name with a letter like Å, typed in capitals and without the ring: the room is found.
  const plain = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const room = rooms.find((r) => plain(r.name) !== r.name.toLowerCase()) ?? rooms[0]!;
  const typed = plain(room.name).toUpperCase();
  await search.fill(typed);
  const byId = (id: string) => page.locator(`[data-testid="room-row"][data-room-id="${id}"]`);
  await expect(byId(room.id)).toBeVisible();
  const found = rooms.filter((r) => [r.name, r.mailbox, r.resource_id].some((f) => plain(f).includes(plain(typed))));
  await expect(rows).toHaveCount(found.length);
  await expect(showing).toHaveText(`Showing ${found.length} of ${rooms.length} rooms`);

  // The booking resource id and the mailbox are searched too.
  await search.fill(room.resource_id);
  await expect(byId(room.id)).toBeVisible();
  await search.fill(room.mailbox.toUpperCase());
  await expect(rows).toHaveCount(1);
  await expect(byId(room.id)).toBeVisible();

  // Nothing found says so; one button clears the search.
  await search.fill('no room is called this');
  await expect(rows).toHaveCount(0);
  await expect(page.getByTestId('rooms-no-match')).toContainText('No room matches the search and filter.');
  await expect(showing).toHaveText(`Showing 0 of ${rooms.length} rooms`);
  await page.getByTestId('clear-room-filter').click();
  await expect(search).toHaveValue('');
  await expect(rows).toHaveCount(rooms.length);
  await expect(showing).toHaveText('');

  // The status filter offers the statuses rooms have (with their counts) and shows only those.
  const status = page.getByRole('combobox', { name: 'Status' });
  await expect(status.locator('option').first()).toHaveText(`All (${rooms.length})`);
  await expect.poll(() => page.locator('[data-testid="room-row"][data-status="in_sync"]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
  await status.selectOption('in_sync');
  await expect(showing).toHaveText(new RegExp(`^Showing \\d+ of ${rooms.length} rooms$`));
  const statuses = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-status')));
  expect(statuses.length).toBeGreaterThan(0);
  expect(new Set(statuses)).toEqual(new Set(['in_sync']));
  const offered = await status.locator('option').evaluateAll((els) => els.map((el) => (el as HTMLOptionElement).value));
  for (const value of offered.slice(1)) {
    expect(['failing', 'waiting_for_approval', 'conflicts', 'syncing', 'in_sync', 'idle', 'paused']).toContain(value);
  }
  await page.getByTestId('clear-room-filter').click();
  await expect(status).toHaveValue('all');
  await expect(rows).toHaveCount(rooms.length);
});

test('editing a room says it was saved, and the message goes when the next action starts', async ({ page, request }) => {
  const rooms = await getJson<RoomView[]>(request, '/rooms');
  const room = rooms[rooms.length - 1]!;
  const renamed = `${room.name} (e2e)`;
  await openScreen(page, 'rooms');
  const row = page.locator(`[data-testid="room-row"][data-room-id="${room.id}"]`);
  const notice = page.getByTestId('room-notice');
  try {
    await row.getByTestId('edit-room').click();
    const panel = page.getByTestId('edit-room-panel');
    await panel.getByTestId('edit-name').fill(renamed);
    await panel.getByTestId('save-room').click();
    await expect(notice).toContainText(`Changes saved for ${renamed}.`);
    await expect(page.getByRole('status').filter({ hasText: `Changes saved for ${renamed}.` })).toHaveCount(1);
    await expect(row).toContainText(renamed);

    // Opening the removal is the next action: the message is gone, and "Keep it" keeps the room.
    await row.getByTestId('remove-room').click();
    await expect(notice).toHaveCount(0);
    await page.getByTestId('remove-room-panel').getByRole('button', { name: 'Keep it' }).click();
    await expect(row).toBeVisible();
  } finally {
    // Leave the shared demo as it was.
    const res = await request.patch(api(`/rooms/${encodeURIComponent(room.id)}`), { ...auth(), data: { name: room.name } });
    expect(res.ok(), `PATCH /rooms/${room.id}: HTTP ${res.status()}`).toBe(true);
  }
});
