// Stops the server started by global-setup.ts (SIGTERM, then SIGKILL after 10 s) and
// removes its temporary directory (unless SITREP_E2E_KEEP=1).
import * as fs from 'node:fs';
import { logTail, serverHandle, stateFile, type ServerState } from './global-setup';

const STOP_TIMEOUT_MS = 10_000;

function readState(): ServerState | undefined {
  const pid = Number(process.env.SITREP_E2E_SERVER_PID);
  const tmpDir = process.env.SITREP_E2E_TMP;
  if (pid > 0 && tmpDir) return { pid, tmpDir, logFile: `${tmpDir}/server.log` };
  try {
    return JSON.parse(fs.readFileSync(stateFile(), 'utf8')) as ServerState;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves true once `pid` has exited, false after `timeoutMs`. */
async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const child = serverHandle.__sitrepServer;
  if (child && child.pid === pid) {
    if (child.exitCode !== null || child.signalCode !== null) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  return !isAlive(pid);
}

export default async function globalTeardown(): Promise<void> {
  const state = readState();
  if (!state) return; // global setup did not get as far as starting the server
  const { pid, tmpDir, logFile } = state;
  const child = serverHandle.__sitrepServer;
  const problems: string[] = [];

  const alreadyGone = child && child.pid === pid ? child.exitCode !== null || child.signalCode !== null : !isAlive(pid);
  if (alreadyGone) {
    const how = child ? (child.signalCode ?? `exit code ${child.exitCode}`) : 'unknown status';
    problems.push(`The Sitrep server (pid ${pid}) died during the tests (${how}).`);
  } else {
    process.kill(pid, 'SIGTERM');
    if (!(await waitForExit(pid, STOP_TIMEOUT_MS))) {
      problems.push(`The Sitrep server (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM; killed it.`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await waitForExit(pid, 2_000);
    } else if (child && child.pid === pid && child.exitCode !== null && child.exitCode !== 0) {
      problems.push(`The Sitrep server (pid ${pid}) exited with code ${child.exitCode} on SIGTERM.`);
    }
  }

  let message = '';
  if (problems.length > 0) {
    message = `${problems.join('\n')}\n--- last 50 lines of the server log (${logFile}) ---\n${logTail(logFile)}\n--- end of server log ---`;
  }

  fs.rmSync(stateFile(), { force: true });
  if (process.env.SITREP_E2E_KEEP === '1') {
    console.log(`Sitrep e2e: kept ${tmpDir} (SITREP_E2E_KEEP=1)`);
  } else {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
  delete serverHandle.__sitrepServer;

  if (message) throw new Error(message);
}
