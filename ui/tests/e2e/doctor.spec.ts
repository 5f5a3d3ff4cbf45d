import { expect, openScreen, test } from './fixtures';

// The demo's tenant plants two findings: the Library's Reading Hall rewrites subjects and deletes
// descriptions (Exchange's default calendar processing), and the app's scope reaches people's
// mailboxes. The Doctor screen finds both and gives the PowerShell that fixes each.
test('the Doctor screen finds the rewriting room and the too-wide scope, each with a fix to copy', async ({ page }) => {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await openScreen(page, 'doctor');
  await expect(page.getByRole('heading', { name: 'Doctor' })).toBeVisible();

  // A colleague's "address" that is none is explained before anything runs.
  const person = page.getByTestId('doctor-person');
  await person.fill('Kari Nordmann');
  await expect(page.getByTestId('doctor-person-error')).toContainText('e-mail address');
  await expect(page.getByTestId('run-doctor')).toBeDisabled();
  await person.fill('');

  await page.getByTestId('run-doctor').click();
  await expect(page.getByTestId('doctor-progress')).toBeVisible();
  await expect(page.getByTestId('doctor-progress')).toContainText('15 rooms');
  const summary = page.getByTestId('doctor-summary');
  await expect(summary).toBeVisible({ timeout: 40_000 });
  await expect(summary).toHaveAttribute('data-problems', '2');
  await expect(summary).toContainText('2 problems found in Microsoft 365 and 15 rooms.');

  const findings = page.getByTestId('doctor-finding');
  await expect(findings).toHaveCount(2);
  const hall = findings.and(page.locator('[data-id="calendar-processing:res-library-hall"]'));
  await expect(hall).toHaveAttribute('data-severity', 'problem');
  await expect(hall).toContainText('Library, Reading Hall replaces subjects and deletes descriptions');
  await expect(hall).toContainText('became "Library, Reading Hall"');
  const script =
    'Set-CalendarProcessing -Identity library-hall@nordvik.kommune.example -DeleteSubject $false -AddOrganizerToSubject $false -DeleteComments $false';
  await expect(hall.getByTestId('doctor-fix-script')).toHaveText(script);

  const scope = findings.and(page.locator('[data-id="scope"]'));
  await expect(scope).toHaveAttribute('data-severity', 'problem');
  await expect(scope).toContainText("RoomBridge can read people's calendars, not only the rooms");
  await expect(scope).toContainText('RBAC for Applications');
  await expect(scope.getByTestId('doctor-fix-script')).toContainText(
    'New-ManagementScope -Name "RoomBridge rooms" -RecipientRestrictionFilter',
  );
  await expect(scope.getByTestId('doctor-fix-script')).toContainText(
    'New-ManagementRoleAssignment -App 6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f -Role "Application Calendars.ReadWrite"',
  );

  // The fix is copied as it is shown.
  await hall.getByTestId('copy-fix').click();
  await expect(hall.getByTestId('copy-result')).toHaveText('Copied.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(script);

  // Everything else passed, and says so.
  const fine = page.getByTestId('doctor-fine');
  await expect(fine).toContainText('checks passed');
  await fine.locator('summary').click();
  await expect(fine.locator('[data-id="sign-in"]')).toContainText('RoomBridge signs in to Microsoft 365');
  await expect(fine.locator('[data-id="calendar-processing:res-town-hall-b"]')).toContainText(
    'Town Hall, Meeting Room Fjord keeps subjects and descriptions',
  );
});
