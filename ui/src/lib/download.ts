import type { ExportFile, ExportFormat } from '../backend/types';

const TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv;charset=utf-8',
  jsonl: 'application/jsonl;charset=utf-8',
};

/** The MIME type a saved export gets. */
export function exportType(filename: string): string {
  return filename.endsWith('.jsonl') ? TYPES.jsonl : TYPES.csv;
}

/**
 * Saves text as a file through a Blob and a download link. Works in a browser and in the Tauri
 * webview alike, and needs no file-system permission in the window's capability.
 */
export function saveFile(file: ExportFile, doc: Document = document): void {
  const url = URL.createObjectURL(new Blob([file.text], { type: exportType(file.filename) }));
  const link = doc.createElement('a');
  link.href = url;
  link.download = file.filename;
  link.rel = 'noopener';
  link.style.display = 'none';
  doc.body.append(link);
  link.click();
  link.remove();
  // The click has handed the Blob to the download; free it once the event loop moves on.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
