// Starts one Sitrep server for the whole run: a fresh SQLite database with the demo data,
// on a free port, serving the bundle that scripts/build.sh wrote to target/site.
//
// The URL goes to process.env.SITREP_URL, which the test workers (started after global
// setup) inherit and playwright.config.ts turns into `baseURL`. global-teardown.ts stops
// the server and removes the temporary directory.
//
// Environment:
//   SITREP_BIN        the server binary (default: <repo>/target/debug/sitrep)
//   SITREP_SITE_ROOT  the site root (default: <repo>/target/site)
//   SITREP_E2E_KEEP=1 keep the temporary directory (database, server.log) after the run
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';

export const REPO_ROOT = path.resolve(__dirname, '..');
const STARTUP_TIMEOUT_MS = 60_000;
const READY_LINE = /Sitrep is running at (http:\/\/\S+)/;

/** What global-teardown.ts needs; kept in env vars and, as a fallback, in a state file. */
export interface ServerState {
  pid: number;
  tmpDir: string;
  logFile: string;
}

/** The state file of this Playwright runner process (setup and teardown share it). */
export function stateFile(): string {
  return path.join(os.tmpdir(), `sitrep-e2e-runner-${process.pid}.json`);
}

/** The running server, when teardown runs in the same process as setup (it normally does). */
export const serverHandle = globalThis as typeof globalThis & { __sitrepServer?: ChildProcess };

/** The last `n` lines of the server log, for error messages. */
export function logTail(logFile: string, n = 50): string {
  try {
    const lines = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n');
    return lines.slice(-n).join('\n');
  } catch {
    return '(no server output)';
  }
}

function fail(message: string, logFile: string): Error {
  const tail = logTail(logFile);
  return new Error(
    `${message}\n--- last 50 lines of the server log (${logFile}) ---\n${tail}\n--- end of server log ---`,
  );
}

export default async function globalSetup(): Promise<void> {
  const bin = process.env.SITREP_BIN || path.join(REPO_ROOT, 'target', 'debug', 'sitrep');
  const siteRoot = process.env.SITREP_SITE_ROOT || path.join(REPO_ROOT, 'target', 'site');
  if (!fs.existsSync(bin)) {
    throw new Error(`The server binary ${bin} does not exist. Build it first: scripts/build.sh debug`);
  }
  // scripts/build.sh names the bundle by its content (sitrep.<hash>.js).
  const pkg = path.join(siteRoot, 'pkg');
  const bundle = fs.existsSync(pkg) && fs.readdirSync(pkg).some((f) => /^sitrep(\.[\w-]+)?\.js$/.test(f));
  if (!bundle) {
    throw new Error(
      `${siteRoot}/pkg/ holds no sitrep.<hash>.js, so pages would not hydrate. ` +
        'Build the site first: scripts/build.sh debug',
    );
  }

  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sitrep-e2e-'));
  const logFile = path.join(tmpDir, 'server.log');
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  const args = [
    'serve',
    '--addr',
    '127.0.0.1:0',
    '--database-url',
    `sqlite://${path.join(tmpDir, 'e2e.db')}`,
    '--seed-demo',
    '--site-root',
    siteRoot,
  ];
  log.write(`$ ${bin} ${args.join(' ')}\n`);

  const child = spawn(bin, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      RUST_LOG: process.env.RUST_LOG || 'info,sqlx=warn',
      RUST_BACKTRACE: process.env.RUST_BACKTRACE || '1',
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  // Everything the server prints goes to server.log, for the whole run (its log lines go
  // to stdout, errors to stderr). The pipes are drained until the server exits.
  child.stderr!.on('data', (chunk: Buffer) => log.write(chunk));
  const stdoutLines = readline.createInterface({ input: child.stdout!, crlfDelay: Infinity });

  const cleanUp = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (process.env.SITREP_E2E_KEEP !== '1') fs.rmSync(tmpDir, { recursive: true, force: true });
  };

  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        reject(fail(`The server printed no "Sitrep is running at" line within ${STARTUP_TIMEOUT_MS / 1000} s.`, logFile));
      }, STARTUP_TIMEOUT_MS);
      stdoutLines.on('line', (line) => {
        log.write(line + '\n');
        const match = READY_LINE.exec(line);
        if (!ready && match) {
          ready = true;
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`Cannot start ${bin}: ${err.message}`));
      });
      child.once('exit', (code, signal) => {
        if (ready) return;
        clearTimeout(timer);
        // Let the last output reach the log file before reading it.
        setTimeout(() => {
          log.end(() =>
            reject(fail(`The server exited during startup (${signal ?? `exit code ${code}`}).`, logFile)),
          );
        }, 100);
      });
    });
  } catch (err) {
    cleanUp();
    throw err;
  }

  // Never leave the server behind, even if teardown does not run.
  process.once('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  child.unref();

  serverHandle.__sitrepServer = child;
  const state: ServerState = { pid: child.pid!, tmpDir, logFile };
  fs.writeFileSync(stateFile(), JSON.stringify(state));
  process.env.SITREP_URL = url;
  process.env.SITREP_E2E_SERVER_PID = String(child.pid);
  process.env.SITREP_E2E_TMP = tmpDir;
  console.log(`Sitrep e2e server: ${url} (pid ${child.pid}, log ${logFile})`);
}
