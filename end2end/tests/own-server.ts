// A Sitrep server of a test's own (a fresh SQLite database with the demo data, on a free
// port), for tests that must stop and restart the server without disturbing the others.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const READY_LINE = /Sitrep is running at (http:\/\/\S+)/;

export class OwnServer {
  private child: ChildProcess | null = null;
  url = '';

  private constructor(
    private readonly dir: string,
    private readonly extraArgs: string[],
  ) {}

  /** `extraArgs` go to `sitrep serve` (e.g. `['--sign-in-limit-per-account', '3']`). */
  static async start(extraArgs: string[] = []): Promise<OwnServer> {
    const server = new OwnServer(fs.mkdtempSync(path.join(os.tmpdir(), 'sitrep-own-')), extraArgs);
    await server.spawn('127.0.0.1:0');
    return server;
  }

  /** Starts again on the same address, with the same data. */
  async restart(): Promise<void> {
    await this.spawn(new URL(this.url).host);
  }

  /** Stops the server (SIGTERM: a graceful shutdown that ends every live stream). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async spawn(addr: string): Promise<void> {
    const bin = process.env.SITREP_BIN || path.join(REPO_ROOT, 'target', 'debug', 'sitrep');
    const siteRoot = process.env.SITREP_SITE_ROOT || path.join(REPO_ROOT, 'target', 'site');
    const log = fs.createWriteStream(path.join(this.dir, 'server.log'), { flags: 'a' });
    const child = spawn(
      bin,
      ['serve', '--addr', addr, '--database-url', `sqlite://${path.join(this.dir, 'db.sqlite')}`, '--seed-demo', '--site-root', siteRoot, ...this.extraArgs],
      { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stderr!.on('data', (chunk: Buffer) => log.write(chunk));
    this.child = child;
    this.url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line from ${bin} within 30 s`)), 30_000);
      readline.createInterface({ input: child.stdout!, crlfDelay: Infinity }).on('line', (line) => {
        log.write(line + '\n');
        const match = READY_LINE.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited during startup (code ${code}); see ${this.dir}/server.log`));
      });
    });
  }
}
