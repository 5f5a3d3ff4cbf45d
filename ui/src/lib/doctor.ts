import type { DoctorFinding, DoctorFix, DoctorRequest, DoctorView, Severity } from '../backend/types';
import type { ChipSpec } from './format';

const SEVERITY: Record<Severity, ChipSpec> = {
  problem: { label: 'Problem', tone: 'danger' },
  warning: { label: 'Warning', tone: 'warn' },
  ok: { label: 'OK', tone: 'ok' },
};

/** Label and tone for a finding's severity; an unknown one (a newer backend) shows as-is. */
export function severityChip(severity: Severity | string): ChipSpec {
  return SEVERITY[severity as Severity] ?? { label: severity, tone: 'neutral' };
}

/** The report split into what needs attention (problems, then warnings) and what is fine. */
export function splitFindings(view: DoctorView): { attention: DoctorFinding[]; fine: DoctorFinding[] } {
  const rank = (f: DoctorFinding) => (f.severity === 'problem' ? 0 : f.severity === 'warning' ? 1 : 2);
  const attention = view.findings.filter((f) => f.severity !== 'ok');
  // Stable: the order the checks ran in stays within each severity.
  attention.sort((a, b) => rank(a) - rank(b));
  return { attention, fine: view.findings.filter((f) => f.severity === 'ok') };
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** One sentence for the top of the report. */
export function summarise(view: DoctorView): string {
  const rooms = count(view.rooms, 'room', 'rooms');
  if (view.problems === 0 && view.warnings === 0) {
    return `Nothing wrong: Microsoft 365 and all ${rooms} are set up the way RoomBridge needs.`;
  }
  const parts: string[] = [];
  if (view.problems > 0) parts.push(count(view.problems, 'problem', 'problems'));
  if (view.warnings > 0) parts.push(count(view.warnings, 'warning', 'warnings'));
  return `${parts.join(' and ')} found in Microsoft 365 and ${rooms}.`;
}

/** What is wrong with the optional colleague's address, or null when it can be sent. */
export function personProblem(text: string): string | null {
  const person = text.trim();
  if (person === '') return null;
  if (!person.includes('@') || /\s/.test(person)) {
    return 'Give a colleague\u2019s e-mail address, e.g. kari.nordmann@example.org, or leave it empty.';
  }
  return null;
}

/** The request for what was typed in the colleague's address field. */
export function doctorRequest(person: string): DoctorRequest {
  return { person: person.trim() || null };
}

/** What "Copy" puts on the clipboard: the PowerShell, or the steps when there is none. */
export function fixText(fix: DoctorFix): string {
  return fix.powershell ?? fix.steps;
}

/** The line shown while the check runs. */
export function progressText(rooms: number, elapsedMs: number): string {
  const secs = Math.floor(elapsedMs / 1000);
  return `Checking the sign-in, permissions and ${count(rooms, 'room', 'rooms')}\u2026 ${secs} s (usually about 10 s)`;
}

/**
 * Copies `text` to the clipboard: the Clipboard API where the page may use it, else a selected
 * text area and `execCommand('copy')`. Resolves false when neither worked (the text stays
 * selectable on screen).
 */
export async function copyToClipboard(text: string, doc: Document = document): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = doc.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    doc.body.append(area);
    area.select();
    let copied = false;
    try {
      copied = doc.execCommand('copy');
    } catch {
      copied = false;
    }
    area.remove();
    return copied;
  }
}
