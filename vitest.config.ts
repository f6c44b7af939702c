import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Specs import the library by its package name, as users do; these point that name at the
    // TypeScript sources instead of dist/ (tsc does the same through the "gatehouse-source"
    // export condition).
    alias: [
      { find: /^nestjs-gatehouse$/, replacement: source('index.ts') },
      { find: /^nestjs-gatehouse\/redis$/, replacement: source('redis.ts') },
      { find: /^nestjs-gatehouse\/testing$/, replacement: source('testing.ts') },
      { find: /^nestjs-gatehouse\/swagger$/, replacement: source('swagger.ts') },
      { find: /^nestjs-gatehouse\/graphql$/, replacement: source('graphql.ts') },
      { find: /^nestjs-gatehouse\/ws$/, replacement: source('ws.ts') },
      { find: /^nestjs-gatehouse\/socket\.io$/, replacement: source('socket.io.ts') },
    ],
  },
  test: {
    // On CI a JSON report is written too, so .ci/run can print a plain "N passed, N failed" line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: '.vitest-report.json' }]]
      : ['default'],
    include: [
      'src/**/*.spec.ts',
      'test/**/*.spec.ts',
      'sample-app/test/**/*.spec.ts',
      'bench/test/**/*.spec.ts',
    ],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
