import { expect, openScreen, test } from './fixtures';

test('Sync now runs a new cycle for that room', async ({ page }) => {
  await openScreen(page, 'rooms');

  // Wait for a room that has finished a cycle, so a new one is visible as a change.
  const row = page.locator('[data-testid="room-row"][data-status="in_sync"]').first();
  await expect(row).toBeVisible({ timeout: 30_000 });
  const roomId = await row.getAttribute('data-room-id');
  expect(roomId).toBeTruthy();
  const target = page.locator(`[data-testid="room-row"][data-room-id="${roomId}"]`);
  const cycleBefore = await target.getAttribute('data-last-cycle-at');

  const statuses: string[] = [];
  await page.exposeFunction('recordStatus', (s: string) => statuses.push(s));
  await target.evaluate((el) => {
    new MutationObserver(() => {
      (window as unknown as { recordStatus(s: string): void }).recordStatus(el.getAttribute('data-status') ?? '');
    }).observe(el, { attributes: true, attributeFilter: ['data-status'] });
  });

  const accepted = page.waitForResponse(
    (r) => r.request().method() === 'POST' && r.url().includes(`/api/rooms/${encodeURIComponent(roomId!)}/sync`),
  );
  await target.getByTestId('sync-now').click();
  expect((await accepted).ok(), 'the sync request was accepted').toBe(true);
  await expect(page.getByTestId('sync-error')).toHaveCount(0);
  // Said in a status message.
  const name = (await target.getByTestId('edit-room').getAttribute('aria-label'))!.replace('Edit the mapping of ', '');
  const notice = page.getByTestId('room-notice');
  await expect(notice).toContainText(`Sync started for ${name}.`);
  await expect(page.getByTestId('rooms-notice-region')).toHaveAttribute('role', 'status');

  // The room reports the new cycle live: a newer last cycle time or a status change.
  await expect
    .poll(async () => (await target.getAttribute('data-last-cycle-at')) !== cycleBefore || statuses.length > 0, {
      timeout: 30_000,
    })
    .toBe(true);
  await expect(target).toHaveAttribute('data-status', /in_sync|conflicts|syncing/, { timeout: 30_000 });
});

test('the message of "Sync now" goes when the next action starts', async ({ page }) => {
  await openScreen(page, 'rooms');
  const row = page.locator('[data-testid="room-row"]:not([data-status="paused"])').first();
  await expect(row).toBeVisible();
  await row.getByTestId('sync-now').click();
  const notice = page.getByTestId('room-notice');
  await expect(notice).toContainText('Sync started for');
  await row.getByTestId('edit-room').click();
  await expect(notice).toHaveCount(0);
  await page.getByTestId('edit-room-panel').getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('edit-room-panel')).toHaveCount(0);
});
