import { expect, openScreen, serverUrl, test } from './fixtures';

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
