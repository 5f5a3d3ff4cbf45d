// A room's own page, as a facility manager reaches it from the Rooms screen: the week of a
// double booking with both meetings side by side, where each piece comes from and how it stands,
// the list view, what the next sync would do, the room's conflicts and its latest syncs.

import type { ConflictView } from '../../src/backend/types';
import { addDays, weekStart, zoned } from '../../src/lib/roomcalendar';
import { expect, getJson, openScreen, test } from './fixtures';

test("a room's page shows its week with a double booking side by side, the next sync and its history", async ({
  page,
  request,
}) => {
  const conflicts = await getJson<ConflictView[]>(request, '/conflicts');
  const overlap = conflicts.find((c) => c.kind === 'overlap' && c.calendar?.when.kind === 'timed' && !c.decision);
  expect(overlap, 'the demo seeds double bookings by timed Outlook meetings').toBeTruthy();
  const meeting = overlap!.calendar!;
  const reservation = overlap!.booking!;
  const zone = 'Europe/Oslo';

  await openScreen(page, 'rooms');
  await page.locator(`[data-testid="room-row"][data-room-id="${overlap!.room_id}"]`).getByTestId('room-open').click();
  await expect(page.getByTestId('room-page')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(overlap!.room_name);
  expect(new URL(page.url()).hash).toBe(`#/rooms/${encodeURIComponent(overlap!.room_id)}`);

  // To the week of the double booking.
  const today = weekStart(zoned(new Date().toISOString(), zone).date);
  const target = weekStart(zoned(meeting.when.start, zone).date);
  let week = today;
  while (week < target) {
    await page.getByTestId('week-next').click();
    week = addDays(week, 7);
  }
  while (week > target) {
    await page.getByTestId('week-previous').click();
    week = addDays(week, -7);
  }
  const day = page.locator(`[data-testid="room-day"][data-date="${zoned(meeting.when.start, zone).date}"]`);
  await expect(day).toBeVisible();

  // Side by side: the meeting and the reservation each take one of two lanes.
  const item = (title: string) => day.locator('[data-testid="room-item"]').filter({ hasText: title });
  const inOutlook = item(meeting.title);
  const booked = item(reservation.title);
  await expect(inOutlook).toHaveAttribute('data-lanes', '2');
  await expect(booked).toHaveAttribute('data-lanes', '2');
  expect(await inOutlook.getAttribute('data-lane')).not.toBe(await booked.getAttribute('data-lane'));
  await expect(inOutlook).toHaveClass(/twice/);
  await expect(inOutlook).toHaveAttribute('aria-label', new RegExp(`^\\d\\d:\\d\\d–\\d\\d:\\d\\d ${meeting.title}, Outlook meeting, .*Double booked`));
  await expect(booked).toHaveAttribute('aria-label', /in the booking system, In Outlook, Double booked/);

  // Where it comes from and how it stands.
  await inOutlook.click();
  const details = page.getByTestId('room-item-details');
  await expect(details).toContainText(meeting.title);
  await expect(details.getByTestId('detail-state')).toContainText('Waits for your decision');
  await expect(details.getByTestId('detail-reservation')).toHaveCount(0);
  await booked.click();
  await expect(details).toContainText(reservation.title);
  await expect(details.getByTestId('detail-reservation')).toContainText('Reservation');
  await expect(details.getByTestId('detail-state')).toContainText('In Outlook');

  // The list: the same pieces by day, the double booking marked.
  await page.getByText('List', { exact: true }).click();
  const rows = page
    .getByTestId('room-list')
    .locator(`tbody[data-date="${zoned(meeting.when.start, zone).date}"] [data-testid="room-row"]`);
  await expect(rows.filter({ hasText: meeting.title })).toContainText('Double booked');
  await expect(rows.filter({ hasText: reservation.title }).and(page.locator('.twice'))).toContainText('In Outlook');

  // The next sync leaves the waiting conflict alone; the conflicts and the history are the room's.
  await expect(page.getByTestId('room-plan').getByTestId('plan-held')).toBeVisible();
  await expect(page.getByTestId('room-conflicts')).toContainText(meeting.title);
  await expect.poll(() => page.getByTestId('room-history-row').count()).toBeGreaterThan(0);

  // To this room's conflicts only.
  await page.getByTestId('room-conflicts-go').click();
  await expect(page.getByTestId('tab-conflicts')).toHaveAttribute('aria-current', 'page');
  const cards = page.getByTestId('conflict-card');
  await expect(cards.first()).toBeVisible();
  for (const card of await cards.all()) await expect(card).toContainText(overlap!.room_name);

  // Back to all rooms.
  await page.goBack();
  await page.getByRole('link', { name: /All rooms/ }).click();
  await expect(page.getByTestId('room-row').first()).toBeVisible();
});

test('a room that is not there says so', async ({ page }) => {
  await openScreen(page, 'rooms');
  await page.goto(page.url().replace(/#.*$/, '#/rooms/no-such-room'));
  await expect(page.getByTestId('room-page')).toContainText('There is no room no-such-room');
});
