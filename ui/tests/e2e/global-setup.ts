// Starts `roombridge demo --headless` once for the run and hands its URL to the tests through
// ROOMBRIDGE_URL. The returned function is Playwright's teardown: it stops the server and removes
// its data folder.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const UI_ROOT = path.resolve(import.meta.dirname, '../..');
const READY = /RoomBridge is running at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/;
const START_TIMEOUT_MS = Number(process.env.ROOMBRIDGE_START_TIMEOUT_MS ?? 90_000);
const verbose = !!process.env.ROOMBRIDGE_E2E_VERBOSE;

export default async function globalSetup(): Promise<() => Promise<void>> {
  const bin = path.resolve(UI_ROOT, process.env.ROOMBRIDGE_BIN ?? '../target/debug/roombridge');
  if (!existsSync(bin)) {
    throw new Error(`RoomBridge binary not found at ${bin}: build it (cargo build) or set ROOMBRIDGE_BIN.`);
  }
  if (!existsSync(path.join(UI_ROOT, 'dist', 'index.html'))) {
    throw new Error('ui/dist is missing: run `npm run build` before `npm run e2e`.');
  }

  const dataDir = mkdtempSync(path.join(tmpdir(), 'roombridge-e2e-'));
  const child = spawn(
    bin,
    ['demo', '--headless', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--ui-dir', 'dist'],
    { cwd: UI_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );

  const teardown = async () => {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    const url = await waitForUrl(child);
    process.env.ROOMBRIDGE_URL = url;
    return teardown;
  } catch (e) {
    await teardown();
    throw e;
  }
}

/** Reads the server's output until it prints its address; keeps draining afterwards. */
function waitForUrl(child: ChildProcess): Promise<string> {
  const recent: string[] = [];
  const remember = (stream: string) => (line: string) => {
    if (verbose) process.stderr.write(`[roombridge ${stream}] ${line}\n`);
    recent.push(line);
    if (recent.length > 40) recent.shift();
  };
  const stderrLines = createInterface({ input: child.stderr! });
  stderrLines.on('line', remember('err'));
  const stdoutLines = createInterface({ input: child.stdout! });

  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`${why}\n--- last output ---\n${recent.join('\n')}`));
    };
    const timer = setTimeout(
      () => fail(`RoomBridge did not print its address within ${START_TIMEOUT_MS / 1000} s`),
      START_TIMEOUT_MS,
    );
    const onLine = remember('out');
    stdoutLines.on('line', (line) => {
      onLine(line);
      const match = READY.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(match[1]);
      }
    });
    const onExit = (code: number | null, signal: string | null) =>
      fail(`RoomBridge exited before it was ready (code ${code}, signal ${signal})`);
    child.once('exit', onExit);
    child.once('error', (e) => fail(`Could not start RoomBridge: ${e.message}`));
  });
}

/** SIGTERM, then SIGKILL if it has not exited after five seconds. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
