/**
 * What the library's guard costs per call in-process, per route kind: `canActivate` on a
 * pre-built execution context, awaited one call at a time, timed in batches. This resolves
 * differences well below what HTTP-level CPU sampling can, such as what `@HasPermission` adds.
 *
 *   node bench/run.mjs guard        (GUARD_SECONDS=0.5 per case and round, GUARD_ROUNDS=5)
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { AuthModule } from 'nestjs-gatehouse';
import { GatehouseTrivialController } from './app/controllers.js';
import { BENCH_ROLES, BenchUsers, TrivialBackend } from './app/gatehouse-core.js';
import { userId } from './app/bench-keys.js';
import { createGuardHarness, request } from './in-process.js';
import { writeResult, type GuardResult } from './results.js';
import { fmt, median } from './stats.js';

const SECONDS = Number(process.env.GUARD_SECONDS ?? 0.5);
const ROUNDS = Number(process.env.GUARD_ROUNDS ?? 5);

@Module({
  imports: [
    AuthModule.forRoot({
      backends: [TrivialBackend],
      userModel: BenchUsers,
      roles: BENCH_ROLES,
      globalGuard: false,
    }),
  ],
  controllers: [GatehouseTrivialController],
})
class GuardBenchModule {}

async function main(): Promise<void> {
  const harness = await createGuardHarness(GuardBenchModule);
  const cases: { name: string; method: string; headers: (i: number) => Record<string, string> }[] =
    [
      {
        name: 'trivial backend',
        method: 'trivial',
        headers: (i) => ({ 'x-bench-user': userId(i) }),
      },
      {
        name: "trivial backend + @HasPermission('reports:read')",
        method: 'trivialPermission',
        headers: (i) => ({ 'x-bench-user': userId(i) }),
      },
    ];
  const rows: GuardResult['rows'][number][] = [];
  const perCase = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  // Interleave the cases round by round, so drift hits them alike.
  for (let round = 0; round <= ROUNDS; round++) {
    for (const c of cases) {
      const contexts = Array.from({ length: 1000 }, (_, i) =>
        harness.context(GatehouseTrivialController, c.method, request(c.headers(i))),
      );
      let calls = 0;
      const start = process.hrtime.bigint();
      const limit = start + BigInt(Math.round(SECONDS * 1e9));
      let now = start;
      while (now < limit) {
        for (let k = 0; k < 1000; k++, calls++) {
          if (!(await harness.guard.canActivate(contexts[k]!))) throw new Error('denied');
        }
        now = process.hrtime.bigint();
      }
      if (round > 0) perCase.get(c.name)!.push(Number(now - start) / calls);
    }
  }
  for (const c of cases) {
    const ns = median(perCase.get(c.name)!);
    rows.push({ name: c.name, nsPerCall: ns });
    process.stderr.write(`guard: ${c.name.padEnd(50)} ${fmt(ns, 0).padStart(7)} ns/call\n`);
  }
  await harness.close();
  const file = writeResult('guard', { date: new Date().toISOString(), rows } satisfies GuardResult);
  process.stderr.write(`guard: wrote ${file}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
