import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserClient } from '../../../test/support/http.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const mainJs = join(root, 'sample-app', 'dist', 'main.js');

let built = false;

/**
 * Compiles the library and the sample app the way `npm start` does (`dist/`, then
 * `sample-app/dist/`), once per test file, so that a spawned process runs the current sources and
 * imports the library by its package name.
 */
export function buildSampleApp(): void {
  if (built) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  for (const project of ['tsconfig.build.json', 'sample-app/tsconfig.json']) {
    const result = spawnSync(process.execPath, [tsc, '-p', project], {
      cwd: root,
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      throw new Error(`tsc -p ${project} failed:\n${result.stdout}${result.stderr}`);
    }
  }
  built = true;
}

/** The sample app running as its own Node process (`node sample-app/dist/main.js`). */
export interface SampleProcess {
  readonly url: string;
  readonly client: BrowserClient;
  readonly pid: number;
  /** Everything the process printed so far (for failure messages). */
  output(): string;
  /** SIGTERM, and waits for the exit. */
  close(): Promise<void>;
}

/**
 * Starts `node sample-app/dist/main.js` with `env` (on top of a minimal environment: no secrets
 * or settings leak in from the test runner's own), on a port the OS picks, and waits until it
 * logs where it listens.
 */
export async function startSampleProcess(
  env: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<SampleProcess> {
  buildSampleApp();
  const child: ChildProcess = spawn(process.execPath, [mainJs], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the sample app did not start in time:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the sample app exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url,
    client: new BrowserClient(url, headers),
    pid: child.pid!,
    output: () => output,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
