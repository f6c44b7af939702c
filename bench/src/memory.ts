/**
 * The memory target: 1,000,000 requests, each with a distinct valid JWT, must leave the resident
 * set less than 16 MiB above where it started.
 *
 * It drives the library's guard in-process (see in-process.ts): the real module with the default
 * JwtBackend settings (verified-token cache, in-memory revocation store), Nest's execution
 * context, a fresh request object per call. What can grow with the number of distinct tokens is
 * the library's state (caches, WeakMaps, revocation store, passport adapter), and all of it is
 * here; the HTTP server keeps nothing per token, and over HTTP a million requests would take
 * several minutes on this machine rather than about one. Each token is issued by the library's
 * TokenService just before its request and dropped after it, so the tokens themselves are never
 * held: only what the library keeps is.
 *
 * The start is measured after a warm-up of 20,000 requests and a full GC, the end after a full
 * GC; the peak is sampled every 10,000 requests.
 *
 *   node bench/run.mjs memory        (MEMORY_REQUESTS=1000000)
 */
import 'reflect-metadata';
import { TokenService } from 'nestjs-gatehouse';
import { userId } from './app/bench-keys.js';
import { GatehouseController } from './app/controllers.js';
import { createGuardHarness, request } from './in-process.js';
import { InProcessModule } from './in-process-module.js';
import { writeResult, type MemoryResult } from './results.js';
import { fmt } from './stats.js';

const REQUESTS = Number(process.env.MEMORY_REQUESTS ?? 1_000_000);
const WARMUP = 20_000;
const MiB = 2 ** 20;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('memory.js needs --expose-gc (run it through `node bench/run.mjs memory`)');
  process.exit(2);
}

function settle(): void {
  for (let i = 0; i < 3; i++) gc!();
}

async function main(): Promise<void> {
  const harness = await createGuardHarness(InProcessModule);
  const tokens = harness.app.get(TokenService);
  let failures = 0;

  const one = async (i: number) => {
    const token = await tokens.issueAccessToken(userId(i));
    const context = harness.context(
      GatehouseController,
      'jwt',
      request({ authorization: `Bearer ${token}` }),
    );
    try {
      if (!(await harness.guard.canActivate(context))) failures++;
    } catch {
      failures++;
    }
  };

  for (let i = 0; i < WARMUP; i++) await one(i);
  settle();
  const start = process.memoryUsage();
  let peak = start.rss;
  const began = process.hrtime.bigint();
  for (let i = 0; i < REQUESTS; i++) {
    await one(WARMUP + i);
    if (i % 10_000 === 0) {
      peak = Math.max(peak, process.memoryUsage().rss);
      if (i % 100_000 === 0) {
        process.stderr.write(
          `memory: ${i.toLocaleString('en').padStart(9)} requests, rss ${fmt(process.memoryUsage().rss / MiB)} MiB\n`,
        );
      }
    }
  }
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  settle();
  const end = process.memoryUsage();
  peak = Math.max(peak, end.rss);
  await harness.close();

  const result: MemoryResult = {
    date: new Date().toISOString(),
    target: 'gatehouse JwtBackend, default settings',
    how:
      'In-process: the real AuthModule and guard with Nest’s ExecutionContextHost, one fresh ' +
      'request object per call, each with a new token from TokenService; RSS after a full GC ' +
      `at the start (after ${WARMUP.toLocaleString('en')} warm-up requests) and at the end.`,
    requests: REQUESTS,
    startRssMiB: start.rss / MiB,
    peakRssMiB: peak / MiB,
    endRssMiB: end.rss / MiB,
    growthMiB: (end.rss - start.rss) / MiB,
    heapStartMiB: start.heapUsed / MiB,
    heapEndMiB: end.heapUsed / MiB,
    seconds,
    failures,
  };
  process.stderr.write(
    `memory: ${REQUESTS.toLocaleString('en')} requests in ${fmt(seconds, 0)} s; rss ${fmt(result.startRssMiB)} -> ${fmt(result.endRssMiB)} MiB (peak ${fmt(result.peakRssMiB)}), growth ${fmt(result.growthMiB)} MiB, heap ${fmt(result.heapStartMiB)} -> ${fmt(result.heapEndMiB)} MiB, ${failures} failures\n`,
  );
  const file = writeResult('memory', result);
  process.stderr.write(`memory: wrote ${file}\n`);
  if (failures > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
