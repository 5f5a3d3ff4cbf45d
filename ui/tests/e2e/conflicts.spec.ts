import { expect, openScreen, test } from './fixtures';

test('a facility manager keeps the booking for a double booking, with a reason, and it is audited', async ({ page }) => {
  await openScreen(page, 'conflicts');

  // The demo has Outlook meetings that double-book two rooms.
  const cards = page.getByTestId('conflict-card');
  await expect.poll(() => cards.count(), { timeout: 30_000 }).toBeGreaterThan(0);
  const card = cards.first();
  const id = await card.getAttribute('data-conflict-id');
  expect(id).toBeTruthy();

  // Both versions side by side, with the differing rows marked, and only the allowed choices.
  await expect(card.getByRole('columnheader', { name: 'Booking system' })).toBeVisible();
  await expect(card.getByRole('columnheader', { name: 'Outlook calendar' })).toBeVisible();
  await expect(card.getByTestId('choice-keep_booking')).toBeVisible();
  await expect(card.getByTestId('choice-keep_calendar')).toBeVisible();

  const reason = `The club holds this slot (e2e ${Date.now()})`;
  await card.getByTestId('conflict-reason').fill(reason);
  await card.getByTestId('choice-keep_booking').click();

  // The room syncs at once; the decided conflict leaves the inbox.
  await expect(page.locator(`[data-testid="conflict-card"][data-conflict-id="${id}"]`)).toHaveCount(0, {
    timeout: 30_000,
  });

  await page.getByTestId('tab-history').click();
  const decided = page.locator('[data-testid="history-row"][data-kind="conflict_decided"]');
  await expect.poll(() => decided.count(), { timeout: 30_000 }).toBeGreaterThan(0);
  await expect(decided.filter({ hasText: reason })).toHaveCount(1);
});

test('a room can follow its own conflict policy', async ({ page }) => {
  await openScreen(page, 'rooms');
  const select = page.getByTestId('room-policy').first();
  await expect(select).toBeVisible();
  await expect(page.getByTestId('default-policy')).toHaveValue('manual');
  await select.selectOption('latest-wins');
  await page.reload();
  await expect(page.getByTestId('room-policy').first()).toHaveValue('latest-wins');
  await page.getByTestId('room-policy').first().selectOption('');
  await page.reload();
  await expect(page.getByTestId('room-policy').first()).toHaveValue('');
});
