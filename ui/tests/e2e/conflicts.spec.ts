import type { ConflictView, SettingsView } from '../../src/backend/types';
import { api, auth, expect, getJson, openScreen, test } from './fixtures';

// First: the tests after it decide some of the demo's conflicts.
test('conflicts are shown by room, select all takes only those shown, and the bulk bar stays in view', async ({ page }) => {
  const height = 600;
  await page.setViewportSize({ width: 720, height });
  await openScreen(page, 'conflicts');
  const cards = page.getByTestId('conflict-card');
  await expect.poll(() => cards.count(), { timeout: 30_000 }).toBeGreaterThan(0);
  const total = await cards.count();

  // Every room that has conflicts, with its count, after "All rooms".
  const filter = page.getByRole('combobox', { name: 'Room' });
  const options = filter.locator('option');
  await expect(options.first()).toHaveText(`All rooms (${total})`);
  const offered = await options.evaluateAll((els) =>
    els.slice(1).map((el) => ({ value: (el as HTMLOptionElement).value, text: el.textContent ?? '' })),
  );
  expect(offered.length).toBeGreaterThan(0);
  const counted = offered.map((o) => Number(/\((\d+)\)$/.exec(o.text)?.[1]));
  expect(counted.reduce((a, b) => a + b, 0)).toBe(total);

  // One room: only its conflicts, and "select all" selects just those.
  const room = offered[0]!;
  const roomName = room.text.replace(/ \(\d+\)$/, '');
  await filter.selectOption(room.value);
  await expect(cards).toHaveCount(counted[0]!);
  for (const card of await cards.all()) await expect(card).toContainText(roomName);
  const selectAll = page.getByRole('checkbox', { name: `Select all in ${roomName}` });
  await selectAll.check();
  const bar = page.getByTestId('bulk-bar');
  await expect(bar.getByTestId('bulk-count')).toHaveText(counted[0] === 1 ? '1 selected' : `${counted[0]} selected`);
  await selectAll.uncheck();
  await expect(bar.getByTestId('bulk-count')).toHaveText('Select conflicts to decide them together.');

  // All rooms again; a long list scrolls under the bar, which stays in the window.
  await filter.selectOption('');
  await expect(cards).toHaveCount(total);
  await cards.first().getByTestId('conflict-select').check();
  await expect(bar.getByTestId('bulk-count')).toHaveText('1 selected');
  expect(await bar.evaluate((el) => getComputedStyle(el).position)).toBe('sticky');
  const inView = async () => {
    const box = (await bar.boundingBox())!;
    return box.y >= 0 && box.y + box.height <= height;
  };
  await page.evaluate(() => window.scrollTo(0, 0));
  if (total > 1) expect(await page.evaluate(() => document.documentElement.scrollHeight > window.innerHeight)).toBe(true);
  expect(await inView(), 'the bulk bar at the top of the list').toBe(true);
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight / 2));
  expect(await inView(), 'the bulk bar halfway down').toBe(true);
  // At the end of the list it is in the window and covers no card (cards grow as their previews
  // and free times arrive: scrolled to the end until they are all there).
  await expect
    .poll(async () => {
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      const lastCard = (await cards.last().boundingBox())!;
      return (await inView()) && lastCard.y + lastCard.height <= (await bar.boundingBox())!.y;
    }, { message: 'at the bottom the bulk bar is in the window, under the last card' })
    .toBe(true);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(720);
  await cards.first().getByTestId('conflict-select').uncheck();
});

test('a double booking shows both meetings on a time line, with where they overlap', async ({ page, request }) => {
  await page.setViewportSize({ width: 720, height: 800 });
  // A double booking of two timed meetings, as the server has it (the demo seeds several).
  const timed = (await getJson<ConflictView[]>(request, '/conflicts')).filter(
    (c) => c.kind === 'overlap' && c.booking?.when.kind === 'timed' && c.calendar?.when.kind === 'timed',
  );
  expect(timed.length, 'a double booking of two timed meetings in the demo').toBeGreaterThan(0);
  await openScreen(page, 'conflicts');
  const cards = page.locator('[data-testid="conflict-card"][data-kind="overlap"]');
  await expect.poll(() => cards.count(), { timeout: 30_000 }).toBeGreaterThan(0);
  const shown = await cards.evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-conflict-id'))));
  const conflict = timed.find((c) => shown.includes(c.id));
  expect(conflict, 'a timed double booking on the screen').toBeTruthy();
  const { booking, calendar } = conflict!;
  const card = page.locator(`[data-testid="conflict-card"][data-conflict-id="${conflict!.id}"]`);

  // The overlap, in the room's zone, as the card should say it.
  const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: booking!.time_zone });
  const start = Math.max(Date.parse(booking!.when.start), Date.parse(calendar!.when.start));
  const end = Math.min(Date.parse(booking!.when.end), Date.parse(calendar!.when.end));
  const overlap = `${clock.format(start)}–${clock.format(end)}`;

  const line = card.getByTestId('overlap-timeline');
  await expect(line).toBeVisible();
  const lanes = line.getByTestId('timeline-lane');
  await expect(lanes).toHaveCount(2);
  const bookingLane = line.locator('[data-testid="timeline-lane"][data-side="booking"]');
  const calendarLane = line.locator('[data-testid="timeline-lane"][data-side="calendar"]');
  await expect(bookingLane).toContainText('Booking system');
  await expect(bookingLane.getByTestId('timeline-text')).toContainText(booking!.title);
  await expect(bookingLane.getByTestId('timeline-text')).toContainText(booking!.organisation);
  await expect(calendarLane).toContainText('Outlook calendar');
  await expect(calendarLane.getByTestId('timeline-text')).toContainText(calendar!.title);
  await expect(calendarLane.getByTestId('timeline-text')).toContainText(calendar!.organisation);
  await expect(line.getByTestId('timeline-bar')).toHaveCount(2);
  await expect(line.getByTestId('timeline-overlap')).toHaveText(`Overlap ${overlap}`);
  await expect(line.getByTestId('timeline-axis')).toHaveText(/^(\s*\d\d:00)+\s*$/);

  // The header says double booking, not how many fields differ; the comparison is folded away.
  await expect(card.getByTestId('double-booking')).toHaveText(`Double booking: both hold the room ${overlap}`);
  await expect(card.getByTestId('fields-differ')).toHaveCount(0);
  await expect(card).not.toContainText(/fields? differs?/);
  await expect(card.getByRole('table')).toBeHidden();
  await card.getByTestId('compare-details').locator('summary').click();
  await expect(card.getByRole('table')).toBeVisible();
  await expect(card.getByRole('columnheader', { name: 'Outlook calendar' })).toBeVisible();

  // It fits the narrowest window: the time line and its words stay inside the card.
  const cardBox = (await card.boundingBox())!;
  for (const part of [line, line.getByTestId('timeline-overlap'), ...(await lanes.all())]) {
    const box = (await part.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(cardBox.x);
    expect(box.x + box.width).toBeLessThanOrEqual(cardBox.x + cardBox.width + 0.5);
  }
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(720);
});

test('a decision says beforehand what it does, can be undone until a sync carries it out, and both are audited', async ({
  page,
  request,
}) => {
  // An hour between polls while this test runs: only "Carry out now" carries a decision out.
  const before = await getJson<SettingsView>(request, '/settings');
  const slow = await request.put(api('/settings'), { ...auth(), data: { poll_interval_secs: 3600 } });
  expect(slow.ok()).toBe(true);
  try {
    await openScreen(page, 'conflicts');

    // The demo has Outlook meetings that double-book two rooms.
    const cards = page.getByTestId('conflict-card');
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    const card = cards.first();
    const id = await card.getAttribute('data-conflict-id');
    expect(id).toBeTruthy();

    // Both versions side by side, with the differing rows marked, and only the allowed choices. A
    // double booking keeps that comparison behind "Compare details", under its time line.
    const details = card.getByTestId('compare-details');
    if ((await details.count()) > 0) await details.locator('summary').click();
    await expect(card.getByRole('columnheader', { name: 'Booking system' })).toBeVisible();
    await expect(card.getByRole('columnheader', { name: 'Outlook calendar' })).toBeVisible();
    await expect(card.getByTestId('choice-keep_booking')).toBeVisible();
    await expect(card.getByTestId('choice-keep_calendar')).toBeVisible();

    // Before deciding: what each choice does on each side, and who is told what.
    const keepBooking = card.getByTestId('outcome-keep_booking');
    await expect(keepBooking).toContainText('the room declines the meeting');
    await expect(keepBooking).toContainText('who organised it, gets this message:');
    await expect(keepBooking).toContainText('The room declined this meeting because booking-system reservations come first here');
    await expect(card.getByTestId('outcome-keep_calendar')).toContainText('Booking system: the reservation');

    // Decided, then undone: the card asks again, and nothing was carried out.
    await card.getByTestId('choice-keep_booking').click();
    await expect(card.getByTestId('conflict-pending')).toBeVisible();
    await expect(card.getByTestId('conflict-status')).toContainText('until then you can undo it');
    await card.getByTestId('conflict-undo').click();
    await expect(card.getByTestId('conflict-pending')).toHaveCount(0);
    await expect(card.getByTestId('conflict-status')).toContainText('Undone');
    await expect(card.getByTestId('choice-keep_booking')).toBeEnabled();

    // Decided again, with a reason, and carried out now: the conflict leaves the inbox.
    const reason = `The club holds this slot (e2e ${Date.now()})`;
    await card.getByTestId('conflict-reason').fill(reason);
    await card.getByTestId('choice-keep_booking').click();
    await card.getByTestId('conflict-carry-out').click();
    await expect(page.locator(`[data-testid="conflict-card"][data-conflict-id="${id}"]`)).toHaveCount(0, {
      timeout: 30_000,
    });

    // The history has the decision, its withdrawal, and the one carried out with its reason.
    await page.getByTestId('tab-history').click();
    const rows = (kind: string) => page.locator(`[data-testid="history-row"][data-kind="${kind}"]`);
    await expect.poll(() => rows('conflict_decided').filter({ hasText: reason }).count(), { timeout: 30_000 }).toBe(1);
    await expect(rows('decision_withdrawn').first()).toBeVisible();
    await expect.poll(() => rows('decision_recorded').count()).toBeGreaterThanOrEqual(2);
  } finally {
    await request.put(api('/settings'), { ...auth(), data: { poll_interval_secs: before.poll_interval_secs } });
  }
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

test('"Keep both" starts from the nearest free time, and a suggested time is accepted', async ({ page }) => {
  await openScreen(page, 'conflicts');
  const cards = page.getByTestId('conflict-card').filter({ has: page.getByTestId('move-fields') });
  await expect.poll(() => cards.count(), { timeout: 30_000 }).toBeGreaterThan(0);
  const card = cards.first();
  // The reservation in the way moves by default; its nearest free times are offered, the
  // nearest filled in.
  const times = card.getByTestId('free-time');
  await expect(times.first()).toBeVisible({ timeout: 15_000 });
  await times.nth(1).click();
  const start = await card.getByTestId('move-start').inputValue();
  expect(start).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
  await card.getByTestId('choice-move').click();
  const id = await card.getAttribute('data-conflict-id');
  // Accepted: the decision waits for the next sync (or was already carried out), no refusal.
  await expect
    .poll(async () => {
      if (await card.getByTestId('conflict-error').isVisible().catch(() => false)) return 'refused';
      const left = await page.locator(`[data-testid="conflict-card"][data-conflict-id="${id}"]`).count();
      const pending = await page.locator(`[data-conflict-id="${id}"] [data-testid="conflict-pending"]`).count();
      return left === 0 || pending > 0 ? 'recorded' : 'waiting';
    })
    .toBe('recorded');
});
