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

test('a facility manager keeps both by moving the reservation in the way to a free time', async ({ page }) => {
  await openScreen(page, 'conflicts');
  const cards = page.getByTestId('conflict-card').filter({ has: page.getByTestId('move-fields') });
  await expect.poll(() => cards.count(), { timeout: 30_000 }).toBeGreaterThan(0);

  // The demo's meetings are organised by staff: the room cannot move them for them.
  const first = cards.first();
  await first.getByTestId('move-side-calendar').check();
  await first.getByTestId('choice-move').click();
  await expect(first.getByTestId('conflict-error')).toContainText('only they can move it');

  // Early the same morning is free: move the reservation in the way there. A double booking
  // with two reservations in the way cannot be untangled by moving one, and says so.
  let moved: string | null = null;
  for (let i = 0; i < (await cards.count()) && !moved; i++) {
    const card = cards.nth(i);
    await card.getByTestId('move-side-booking').check();
    const day = (await card.getByTestId('move-start').inputValue()).slice(0, 10);
    await card.getByTestId('move-start').fill(`${day}T06:00`);
    await card.getByTestId('move-end').fill(`${day}T07:30`);
    await card.getByTestId('conflict-reason').fill('Both are needed');
    await card.getByTestId('choice-move').click();
    // Refused at once with a reason, or recorded (pending, or already carried out).
    const id = await card.getAttribute('data-conflict-id');
    const error = card.getByTestId('conflict-error');
    const outcome = async () => {
      if (await error.isVisible()) return 'refused';
      const left = await page.locator(`[data-testid="conflict-card"][data-conflict-id="${id}"]`).count();
      const pending = await page.locator(`[data-conflict-id="${id}"] [data-testid="conflict-pending"]`).count();
      return left === 0 || pending > 0 ? 'recorded' : 'waiting';
    };
    await expect.poll(outcome, { timeout: 10_000 }).not.toBe('waiting');
    if ((await outcome()) === 'refused') {
      await expect(error).toContainText('booking-system reservations hold the room');
      continue;
    }
    moved = id;
  }
  expect(moved, 'a double booking whose reservation could move').toBeTruthy();
  await expect(page.locator(`[data-testid="conflict-card"][data-conflict-id="${moved}"]`)).toHaveCount(0, {
    timeout: 30_000,
  });

  await page.getByTestId('tab-history').click();
  const rows = page.locator('[data-testid="history-row"][data-kind="move_reservation"]');
  await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThan(0);
  await expect(rows.first()).toContainText('06:00–07:30');
});
