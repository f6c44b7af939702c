// Entry point of `npm run bench`: builds the library (the bench imports it by its package name,
// which resolves to dist/ at run time) and the bench itself, then runs one of the compiled
// scripts in a fresh Node process with the flags it needs.
//
//   node bench/run.mjs            HTTP benchmark of every route on Express and Fastify
//   node bench/run.mjs tokens     sign/verify ops per second: jsonwebtoken, jose, fast-jwt, ...
//   node bench/run.mjs memory     resident memory after 1,000,000 requests with distinct tokens
//   node bench/run.mjs guard      in-process cost of the guard itself (ns per call)
//   node bench/run.mjs transports GraphQL query guarded vs unguarded, WebSocket per-message check
//   node bench/run.mjs scale      costs as the work grows: many tokens, full revocation and session stores
//
// Knobs are environment variables; see bench/README.md.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');

const scripts = {
  http: { file: 'run.js', flags: [] },
  tokens: { file: 'tokens.js', flags: [] },
  memory: { file: 'memory.js', flags: ['--expose-gc'] },
  guard: { file: 'guard-overhead.js', flags: ['--expose-gc'] },
  transports: { file: 'transports.js', flags: [] },
  scale: { file: 'scale.js', flags: ['--expose-gc'] },
};
const [name = 'http', ...rest] = process.argv.slice(2);
const script = scripts[name];
if (!script) {
  console.error(`unknown bench "${name}"; one of: ${Object.keys(scripts).join(', ')}`);
  process.exit(2);
}

function step(args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (process.env.BENCH_SKIP_BUILD !== '1') {
  step([tsc, '-p', 'tsconfig.build.json']);
  step([tsc, '-p', 'bench/tsconfig.json']);
}
const run = spawnSync(
  process.execPath,
  [...script.flags, join(here, 'dist', script.file), ...rest],
  { cwd: root, stdio: 'inherit' },
);
process.exit(run.status ?? 1);
