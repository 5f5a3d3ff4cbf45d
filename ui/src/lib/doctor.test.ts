import { afterEach, describe, expect, it } from 'vitest';
import type { DoctorFinding, DoctorView } from '../backend/types';
import { setLang } from '../i18n/index.svelte';
import { doctorRequest, fixText, personProblem, progressText, severityChip, splitFindings, summarise } from './doctor';

const finding = (id: string, severity: DoctorFinding['severity'], patch: Partial<DoctorFinding> = {}): DoctorFinding => ({
  id,
  severity,
  title: `Title ${id}`,
  meaning: `Meaning ${id}`,
  room_id: null,
  fix: null,
  ...patch,
});

const view = (findings: DoctorFinding[], rooms = 15): DoctorView => ({
  checked_at: '2026-11-20T10:00:00Z',
  rooms,
  problems: findings.filter((f) => f.severity === 'problem').length,
  warnings: findings.filter((f) => f.severity === 'warning').length,
  findings,
});

describe('the doctor report', () => {
  it('puts problems, then warnings, before what is fine, keeping the order of the checks', () => {
    const { attention, fine } = splitFindings(
      view([
        finding('sign-in', 'ok'),
        finding('places-permission', 'warning'),
        finding('calendar-processing:hall', 'problem'),
        finding('scope', 'problem'),
        finding('client-secret-expiry', 'ok'),
      ]),
    );
    expect(attention.map((f) => f.id)).toEqual(['calendar-processing:hall', 'scope', 'places-permission']);
    expect(fine.map((f) => f.id)).toEqual(['sign-in', 'client-secret-expiry']);
  });

  it('sums up in one sentence, with singulars where they belong', () => {
    expect(summarise(view([finding('a', 'ok')]))).toBe(
      'Nothing wrong: Microsoft 365 and all 15 rooms are set up the way RoomBridge needs.',
    );
    expect(summarise(view([finding('a', 'problem'), finding('b', 'problem')]))).toBe(
      '2 problems found in Microsoft 365 and 15 rooms.',
    );
    expect(summarise(view([finding('a', 'problem'), finding('b', 'warning')], 1))).toBe(
      '1 problem and 1 warning found in Microsoft 365 and 1 room.',
    );
    expect(summarise(view([finding('a', 'warning')], 1))).toBe('1 warning found in Microsoft 365 and 1 room.');
    expect(summarise(view([finding('a', 'ok')], 1))).toBe(
      'Nothing wrong: Microsoft 365 and 1 room are set up the way RoomBridge needs.',
    );
  });

  it('shows each severity as a chip, and an unknown one as it is', () => {
    expect(severityChip('problem')).toEqual({ label: 'Problem', tone: 'danger' });
    expect(severityChip('warning')).toEqual({ label: 'Warning', tone: 'warn' });
    expect(severityChip('ok')).toEqual({ label: 'OK', tone: 'ok' });
    expect(severityChip('later')).toEqual({ label: 'later', tone: 'neutral' });
  });

  it('copies the PowerShell of a fix, or its steps when it has none', () => {
    expect(fixText({ steps: 'Run this.', powershell: 'Set-CalendarProcessing -Identity x' })).toBe(
      'Set-CalendarProcessing -Identity x',
    );
    expect(fixText({ steps: 'Grant admin consent.', powershell: null })).toBe('Grant admin consent.');
  });

  it('counts the seconds while the check runs', () => {
    expect(progressText(15, 4_300)).toBe('Checking the sign-in, permissions and 15 rooms\u2026 4 s (usually about 10 s)');
    expect(progressText(1, 0)).toContain('and 1 room\u2026 0 s');
  });
});

describe('in bokmål', () => {
  afterEach(() => setLang('en'));

  it('sums up, labels and counts in Norwegian', () => {
    setLang('nb');
    expect(summarise(view([finding('a', 'problem'), finding('b', 'warning'), finding('c', 'warning')]))).toBe(
      'Fant 1 problem og 2 advarsler i Microsoft 365 og 15 rom.',
    );
    expect(summarise(view([finding('a', 'ok')]))).toBe(
      'Ingen feil: Microsoft 365 og alle de 15 rommene er satt opp slik RoomBridge trenger.',
    );
    expect(severityChip('warning')).toEqual({ label: 'Advarsel', tone: 'warn' });
    expect(progressText(1, 2_000)).toBe('Sjekker pålogging, tillatelser og 1 rom… 2 s (tar vanligvis rundt 10 s)');
    expect(personProblem('Kari Nordmann')).toMatch(/e-postadressen/);
  });
});

describe('the colleague to test the scope with', () => {
  it('may be left empty, and is sent trimmed or as null', () => {
    expect(personProblem('')).toBeNull();
    expect(personProblem('  ')).toBeNull();
    expect(personProblem(' kari@nordvik.example ')).toBeNull();
    expect(doctorRequest('  ')).toEqual({ person: null });
    expect(doctorRequest(' kari@nordvik.example ')).toEqual({ person: 'kari@nordvik.example' });
  });

  it('must be an e-mail address', () => {
    expect(personProblem('Kari Nordmann')).toMatch(/e-mail address/);
    expect(personProblem('kari nordmann@x.example')).toMatch(/e-mail address/);
  });
});
