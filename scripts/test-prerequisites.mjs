// Runs before `npm test` (the "pretest" script): the suites drive a real redis-server (and
// redis-cli, for the Redis Cluster) and a real headless Chromium, from Debian's packages. On a
// fresh machine where we are root with apt-get, this installs what is missing, so the README's
// test command works as it is; elsewhere it says what to install and stops, rather than letting
// the suites fail one by one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needs = [
  {
    name: 'redis-server',
    package: 'redis-server',
    present: () => runs('redis-server', ['--version']),
  },
  // Builds the Redis Cluster of the cluster suites (`redis-cli --cluster create`). Debian's
  // redis-server depends on it, but a redis-server from elsewhere may come without.
  { name: 'redis-cli', package: 'redis-tools', present: () => runs('redis-cli', ['--version']) },
  { name: 'chromium', package: 'chromium', present: () => existsSync('/usr/bin/chromium') },
];

function runs(command, args) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

const missing = needs.filter((need) => !need.present());
if (missing.length === 0) process.exit(0);

const packages = missing.map((need) => need.package);
const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (!root || !runs('apt-get', ['--version'])) {
  console.error(
    `\n  The test suites need ${missing.map((n) => n.name).join(' and ')}, which this machine lacks.\n` +
      `  Install it (Debian: apt-get install -y ${packages.join(' ')}) and run npm test again.\n`,
  );
  process.exit(1);
}

console.error(`test prerequisites: installing ${packages.join(', ')} from Debian's packages`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', ...packages],
]) {
  const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (result.status !== 0) {
    console.error(`test prerequisites: apt-get ${args.join(' ')} failed`);
    process.exit(1);
  }
}
