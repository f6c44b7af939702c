import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromServer, RouteInfo, ServerSnapshot, ToServer } from './protocol.js';

const SERVER = fileURLToPath(new URL('./server.js', import.meta.url));

/** The runner's side of one server process. */
export class ServerHandle {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (m: FromServer) => void; reject: (e: Error) => void }
  >();

  private constructor(
    readonly adapter: 'express' | 'fastify',
    private readonly child: ChildProcess,
    readonly routes: readonly RouteInfo[],
  ) {
    child.on('message', (raw) => {
      const message = raw as FromServer;
      if (!('id' in message) || message.id === undefined) return;
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.type === 'error') waiter.reject(new Error(message.message));
      else waiter.resolve(message);
    });
    child.on('exit', (code) => {
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`${adapter} server exited (${code})`));
      }
      this.pending.clear();
    });
  }

  /** Forks a server for `adapter` and waits until it listens. */
  static async start(
    adapter: 'express' | 'fastify',
    env: Record<string, string> = {},
  ): Promise<ServerHandle> {
    const child = fork(SERVER, [adapter], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [],
      env: { ...process.env, ...env },
    });
    live.add(child);
    child.on('exit', () => live.delete(child));
    const ready = await new Promise<Extract<FromServer, { type: 'ready' }>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${adapter} server: no ready in 60 s`)),
        60_000,
      );
      child.on('message', (raw) => {
        const message = raw as FromServer;
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message);
        } else if (message.type === 'error' && message.id === undefined) {
          clearTimeout(timer);
          reject(new Error(`${adapter} server failed to start:\n${message.message}`));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${adapter} server exited during start (${code})`));
      });
    });
    return new ServerHandle(adapter, child, ready.routes);
  }

  /** The base URL of `route`. */
  urlOf(route: RouteInfo): string {
    return `http://127.0.0.1:${route.port}`;
  }

  /** The server's CPU time and request count right now. */
  async snapshot(): Promise<ServerSnapshot> {
    const reply = await this.ask((id) => ({ type: 'snapshot', id }));
    if (reply.type !== 'snapshot') throw new Error(`unexpected reply ${reply.type}`);
    return reply.snapshot;
  }

  /** `count` distinct sets of request headers that authenticate on `route`. */
  async credentials(route: string, count: number): Promise<readonly Record<string, string>[]> {
    const reply = await this.ask((id) => ({ type: 'credentials', id, route, count }));
    if (reply.type !== 'credentials') throw new Error(`unexpected reply ${reply.type}`);
    return reply.headers;
  }

  /** Asks the server to close, and kills it if it has not exited within 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'stop' } satisfies ToServer);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private ask(build: (id: number) => ToServer): Promise<FromServer> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.adapter} server did not answer in 30 s`));
      }, 30_000);
      this.pending.set(id, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send(build(id));
    });
  }
}

const live = new Set<ChildProcess>();

/** Kills every server still running; for the runner's exit paths. */
export function killAllServers(): void {
  for (const child of live) child.kill('SIGKILL');
}
