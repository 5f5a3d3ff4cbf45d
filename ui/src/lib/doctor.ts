import type { DoctorFinding, DoctorFix, DoctorRequest, DoctorView, Severity } from '../backend/types';
import { listFormat, t, tn } from '../i18n/index.svelte';
import type { ChipSpec, Tone } from './format';

const SEVERITY_TONE: Record<Severity, Tone> = { problem: 'danger', warning: 'warn', ok: 'ok' };

/** Label and tone for a finding's severity; an unknown one (a newer backend) shows as-is. */
export function severityChip(severity: Severity | string): ChipSpec {
  const tone = SEVERITY_TONE[severity as Severity];
  return tone ? { label: t(`doctor.severity_${severity as Severity}`), tone } : { label: severity, tone: 'neutral' };
}

/** The report split into what needs attention (problems, then warnings) and what is fine. */
export function splitFindings(view: DoctorView): { attention: DoctorFinding[]; fine: DoctorFinding[] } {
  const rank = (f: DoctorFinding) => (f.severity === 'problem' ? 0 : f.severity === 'warning' ? 1 : 2);
  const attention = view.findings.filter((f) => f.severity !== 'ok');
  // Stable: the order the checks ran in stays within each severity.
  attention.sort((a, b) => rank(a) - rank(b));
  return { attention, fine: view.findings.filter((f) => f.severity === 'ok') };
}

/** One sentence for the top of the report. */
export function summarise(view: DoctorView): string {
  if (view.problems === 0 && view.warnings === 0) return tn('doctor.summary_clean', view.rooms);
  const parts: string[] = [];
  if (view.problems > 0) parts.push(tn('doctor.problems', view.problems));
  if (view.warnings > 0) parts.push(tn('doctor.warnings', view.warnings));
  return t('doctor.summary_found', { findings: listFormat(parts), rooms: tn('common.rooms', view.rooms) });
}

/** What is wrong with the optional colleague's address, or null when it can be sent. */
export function personProblem(text: string): string | null {
  const person = text.trim();
  if (person === '') return null;
  if (!person.includes('@') || /\s/.test(person)) {
    return t('doctor.person_not_an_address');
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
  return t('doctor.progress', { rooms: tn('common.rooms', rooms), seconds: Math.floor(elapsedMs / 1000) });
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
