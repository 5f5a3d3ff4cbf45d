// Undoing a decision after the sync carried it out, from its history row. The demo's conflicts
// are double bookings; keeping the booking declines the Outlook meeting, which no one can take
// back: the row says so and whom to ask, and nothing changes.

import type { ConflictView, HistoryEntry } from '../../src/backend/types';
import { api, auth, expect, getJson, openScreen, test } from './fixtures';

test('a carried-out decline says why it cannot be undone and whom to ask', async ({ page, request }) => {
  test.setTimeout(90_000);
  const conflicts = await getJson<ConflictView[]>(request, '/conflicts');
  const overlap = conflicts.find((c) => c.kind === 'overlap' && c.calendar?.when.kind === 'timed' && !c.decision);
  expect(overlap, 'a double booking to decide').toBeTruthy();
  const meeting = overlap!.calendar!;

  let res = await request.post(api(`/conflicts/${overlap!.id}/decision`), {
    ...auth(),
    data: { choice: 'keep_booking', reason: 'e2e: undo' },
  });
  expect(res.ok(), await res.text()).toBe(true);
  res = await request.post(api('/conflicts/carry-out'), { ...auth(), data: { ids: [overlap!.id] } });
  expect(res.ok(), await res.text()).toBe(true);
  const title = overlap!.booking!.title;
  await expect
    .poll(
      async () =>
        (await getJson<HistoryEntry[]>(request, '/history', { kind: 'conflict_decided', limit: '50' })).some(
          (e) => e.title === title && e.room_id === overlap!.room_id,
        ),
      { timeout: 30_000, message: 'the decision is carried out' },
    )
    .toBe(true);

  await openScreen(page, 'history');
  const row = page
    .locator('[data-testid="history-row"][data-kind="conflict_decided"]')
    .filter({ hasText: title })
    .first();
  await row.getByTestId('undo-ask').click();
  const message = row.getByTestId('undo-message');
  await expect(message).toHaveAttribute('data-possible', 'false');
  await expect(message).toContainText(`The room declined “${meeting.title}”`);
  await expect(message).toContainText('invite the room again');
  await expect(row.getByTestId('undo-confirm')).toHaveCount(0);
  // Nothing was reopened.
  const after = await getJson<ConflictView[]>(request, '/conflicts');
  expect(after.some((c) => c.id === overlap!.id)).toBe(false);
});
