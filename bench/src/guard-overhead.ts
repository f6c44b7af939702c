/**
 * What the library's guard costs per call in-process, per route kind: `canActivate` on pre-built
 * execution contexts, awaited one call at a time, timed in batches, cases interleaved round by
 * round. This resolves differences well below what HTTP-level CPU sampling can, such as what
 * `@HasPermission` adds. The hand-written floor guard runs the same way for comparison.
 *
 * Also a token verified in full on every call (the cache off) against the fair recipe
 * (`@nestjs/passport`'s `AuthGuard` on passport-jwt with a `KeyObject`), the comparison of the
 * HTTP target "JWT, uncached, against the fair recipe" without the HTTP stack's noise.
 *
 *   node bench/run.mjs guard        (GUARD_SECONDS=0.5 per case and round, GUARD_ROUNDS=5)
 */
import 'reflect-metadata';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import { ApiKeyService, TokenService } from 'nestjs-gatehouse';
import { BenchKeys, userId } from './app/bench-keys.js';
import { GatehouseController } from './app/controllers.js';
import { FloorGuard } from './app/floor.guard.js';
import { createGuardHarness, request } from './in-process.js';
import { InProcessModule, InProcessRecipeModule } from './in-process-module.js';
import { ScaleAppModule } from './app/scale.module.js';
import { GatehouseRedisController } from './app/controllers.js';
import { writeResult, type GuardResult } from './results.js';
import { fmt, max, median, min } from './stats.js';

const SECONDS = Number(process.env.GUARD_SECONDS ?? 0.5);
const ROUNDS = Number(process.env.GUARD_ROUNDS ?? 5);
const POOL = 1000;
const UNCACHED = 'JWT, cache off (verifiedTokenCacheSize: 0)';
const RECIPE = 'fair recipe: @nestjs/passport + passport-jwt, KeyObject';

interface Case {
  readonly name: string;
  readonly guard: CanActivate;
  readonly contexts: readonly ExecutionContext[];
}

async function main(): Promise<void> {
  const harness = await createGuardHarness(InProcessModule);
  const uncached = await createGuardHarness(ScaleAppModule.jwt({ verifiedTokenCacheSize: 0 }));
  const recipeApp = await NestFactory.createApplicationContext(InProcessRecipeModule, {
    logger: ['error', 'warn'],
  });
  await recipeApp.init();
  const RecipeGuard = PassportAuthGuard('jwt-keyobject');
  const tokens = harness.app.get(TokenService);
  const apiKeys = harness.app.get(ApiKeyService);
  const recipeTokens = harness.app.get(BenchKeys).mintRecipeTokens(POOL);
  const libraryTokens: string[] = [];
  const keys: string[] = [];
  for (let i = 0; i < POOL; i++) {
    libraryTokens.push(await tokens.issueAccessToken(userId(i)));
    keys.push((await apiKeys.create({ owner: userId(i), name: `bench ${i}` })).key);
  }
  const contexts = (method: string, headers: (i: number) => Record<string, string>) =>
    Array.from({ length: POOL }, (_, i) =>
      harness.context(GatehouseController, method, request(headers(i))),
    );
  const trivial = (i: number) => ({ 'x-bench-user': userId(i) });
  const jwt = (i: number) => ({ authorization: `Bearer ${libraryTokens[i]}` });
  const cases: Case[] = [
    {
      name: 'floor guard (hand-written HS256)',
      guard: harness.app.get(FloorGuard),
      contexts: contexts('jwt', (i) => ({ authorization: `Bearer ${recipeTokens[i]}` })),
    },
    { name: 'trivial backend', guard: harness.guard, contexts: contexts('trivial', trivial) },
    {
      name: "trivial backend + @HasPermission('reports:read')",
      guard: harness.guard,
      contexts: contexts('trivialPermission', trivial),
    },
    { name: 'JWT (cached token)', guard: harness.guard, contexts: contexts('jwt', jwt) },
    {
      name: "JWT (cached token) + @HasPermission('reports:read')",
      guard: harness.guard,
      contexts: contexts('jwtPermission', jwt),
    },
    {
      name: 'API key',
      guard: harness.guard,
      contexts: contexts('apiKey', (i) => ({ 'x-api-key': keys[i]! })),
    },
    {
      name: UNCACHED,
      guard: uncached.guard,
      contexts: Array.from({ length: POOL }, (_, i) =>
        uncached.context(GatehouseRedisController, 'jwtRedis', request(jwt(i))),
      ),
    },
    {
      name: RECIPE,
      guard: new RecipeGuard(),
      contexts: contexts('jwt', (i) => ({ authorization: `Bearer ${recipeTokens[i]}` })),
    },
  ];

  const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  // Interleave the cases round by round, so drift hits them alike; round 0 is warm-up.
  for (let round = 0; round <= ROUNDS; round++) {
    for (const c of cases) {
      let calls = 0;
      const start = process.hrtime.bigint();
      const limit = start + BigInt(Math.round(SECONDS * 1e9));
      let now = start;
      while (now < limit) {
        for (let k = 0; k < POOL; k++, calls++) {
          if (!(await c.guard.canActivate(c.contexts[k]!))) throw new Error(`${c.name} denied`);
        }
        now = process.hrtime.bigint();
      }
      if (round > 0) samples.get(c.name)!.push(Number(now - start) / calls);
    }
  }
  const rows = cases.map((c) => ({ name: c.name, nsPerCall: median(samples.get(c.name)!) }));
  // Each round measures both back to back, so their per-round ratio is a paired comparison.
  const recipe = samples.get(RECIPE)!;
  const ratios = samples.get(UNCACHED)!.map((ns, round) => recipe[round]! / ns);
  const uncachedVsRecipe = { value: median(ratios), min: min(ratios), max: max(ratios) };
  process.stderr.write(
    `guard: fair recipe ÷ cache off ${fmt(uncachedVsRecipe.value, 3)}× ` +
      `[${fmt(uncachedVsRecipe.min, 3)}–${fmt(uncachedVsRecipe.max, 3)}]\n`,
  );
  for (const row of rows) {
    process.stderr.write(`guard: ${row.name.padEnd(56)} ${fmt(row.nsPerCall, 0).padStart(7)} ns\n`);
  }
  await harness.close();
  await uncached.close();
  await recipeApp.close();
  const file = writeResult('guard', {
    date: new Date().toISOString(),
    rows,
    uncachedVsRecipe,
  } satisfies GuardResult);
  process.stderr.write(`guard: wrote ${file}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
