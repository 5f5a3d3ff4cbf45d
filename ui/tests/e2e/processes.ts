// Starts RoomBridge processes for a spec of its own (the shared demo server comes from
// global-setup): reads their output until it has printed what the spec needs, and stops them.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

const UI_ROOT = path.resolve(import.meta.dirname, '../..');

export function roombridgeBin(): string {
  return path.resolve(UI_ROOT, process.env.ROOMBRIDGE_BIN ?? '../target/debug/roombridge');
}

export interface Started {
  child: ChildProcess;
  /** The first capture group of each pattern, by pattern name. */
  found: Record<string, string>;
}

/** Runs `roombridge args…` and waits until every pattern has matched a line of its output. */
export function startRoombridge(
  args: string[],
  patterns: Record<string, RegExp>,
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<Started> {
  const child = spawn(roombridgeBin(), args, {
    cwd: UI_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  const recent: string[] = [];
  const found: Record<string, string> = {};
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`roombridge ${args.join(' ')}: ${why}\n--- last output ---\n${recent.join('\n')}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${timeoutMs / 1000} s`), timeoutMs);
    const onLine = (line: string) => {
      recent.push(line);
      if (recent.length > 40) recent.shift();
      for (const [name, re] of Object.entries(patterns)) {
        const m = re.exec(line);
        if (m?.[1] && !(name in found)) found[name] = m[1];
      }
      if (Object.keys(patterns).every((k) => k in found)) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve({ child, found });
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', (l) => {
      recent.push(l);
      if (recent.length > 40) recent.shift();
    });
    const onExit = (code: number | null) => fail(`exited early (code ${code})`);
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL after five seconds. */
export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
