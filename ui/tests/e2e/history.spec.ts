import { expect, openScreen, test } from './fixtures';

test('History shows created Outlook events and the room filter narrows them', async ({ page }) => {
  await openScreen(page, 'history');

  const rows = page.getByTestId('history-row');
  const created = page.locator('[data-testid="history-row"][data-kind="create_event"]');
  // The demo's first cycles create Outlook events for the booking system's reservations.
  await expect.poll(() => created.count(), { timeout: 30_000 }).toBeGreaterThan(0);
  await expect(created.first()).toContainText('Created the Outlook event');

  // Choose the room of the newest create_event entry.
  const roomId = await created.first().getAttribute('data-room-id');
  expect(roomId).toBeTruthy();
  const allRoomIds = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-room-id')));
  expect(new Set(allRoomIds).size, 'history spans several rooms').toBeGreaterThan(1);
  const before = allRoomIds.length;

  await page.getByTestId('history-room-filter').selectOption(roomId!);

  await expect
    .poll(async () => {
      const ids = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-room-id')));
      return ids.length > 0 && ids.every((id) => id === roomId);
    })
    .toBe(true);
  expect(await rows.count()).toBeLessThan(before);
  await expect(page.locator('[data-testid="history-row"][data-kind="create_event"]').first()).toBeVisible();

  // The text search narrows further on the client.
  await page.getByTestId('history-search').fill('no entry has this text zq');
  await expect(rows).toHaveCount(0);
  await expect(page.getByTestId('history-empty')).toContainText('No entries match');
});
