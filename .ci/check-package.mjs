// Packs the package as `npm publish` would (prepack builds dist/), then checks the tarball:
// every export target and source map source ships, the README links only to shipped files or
// absolute URLs, publint and attw find nothing unexpected, and the packed package loads from an
// ES module and, through require(esm), from CommonJS. Exits non-zero on the first problem kind.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Inside the repository, so the unpacked package resolves its dependencies from node_modules.
const work = join(root, '.pack-check');
const problems = [];
const log = (line) => process.stdout.write(`${line}\n`);
const started = Date.now();

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
try {
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  )[0];
  const tarball = join(work, packed.filename);
  const files = new Set(packed.files.map((f) => f.path));
  log(
    `pack: ${packed.filename}, ${files.size} files, ${kB(packed.size)} packed, ${kB(packed.unpackedSize)} unpacked`,
  );

  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const installed = join(work, 'node_modules', manifest.name);
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);

  checkTargets(manifest, files);
  checkSourceMaps(installed, files);
  checkReadmeLinks(files);
  for (const path of files) {
    if (path.endsWith('.spec.ts') || path.startsWith('test/')) problems.push(`ships ${path}`);
  }

  run('publint', ['publint', 'run', tarball, '--strict'], (out) => out.includes('All good'));
  // Settings in .attw.json: ESM only, as NestJS 12 is. From CommonJS, TypeScript's node16 mode
  // reports "ESM (dynamic import only)" (cjs-resolves-to-esm); Node >= 20.19 runs that require
  // through require(esm), checked below. node10 resolution ignores `exports` and cannot find a
  // subpath entry. Any other finding fails.
  run('attw', ['attw', tarball]);

  checkLoads(manifest);
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`package check failed:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
log(`package check: all good (${((Date.now() - started) / 1000).toFixed(1)} s)`);

function kB(bytes) {
  return `${(bytes / 1024).toFixed(1)} kB`;
}

/** Every path `main`, `types` and `exports` name (every condition) is in the tarball. */
function checkTargets(manifest, files) {
  const targets = [manifest.main, manifest.types];
  const walk = (value) => {
    if (typeof value === 'string') targets.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(manifest.exports);
  for (const target of targets.filter(Boolean)) {
    const path = normalize(target).replace(/^\.\//, '');
    if (!files.has(path)) problems.push(`package.json names ${target}, which does not ship`);
  }
}

/** Each source map's sources ship beside it, or are inlined. */
function checkSourceMaps(installed, files) {
  for (const mapPath of [...files].filter((path) => path.endsWith('.map'))) {
    const map = JSON.parse(readFileSync(join(installed, mapPath), 'utf8'));
    map.sources.forEach((source, i) => {
      if (map.sourcesContent?.[i]) return;
      const path = normalize(join(dirname(mapPath), map.sourceRoot ?? '', source));
      if (!files.has(path)) problems.push(`${mapPath} points at ${source}, which does not ship`);
    });
  }
}

/** The README links to absolute URLs, anchors, or files that ship. */
function checkReadmeLinks(files) {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const match of readme.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)|<(\.{0,2}\/[^>\s]+)>/g)) {
    const target = match[1] ?? match[2];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
    const path = normalize(target.split('#')[0]).replace(/^\.\//, '');
    if (!files.has(path)) problems.push(`README.md links ${target}, which does not ship`);
  }
}

/** Runs a check tool from node_modules/.bin; it must exit 0 (and pass `ok` on its output). */
function run(label, [tool, ...args], ok = () => true) {
  const result = spawnSync(join(root, 'node_modules', '.bin', tool), args, {
    cwd: root,
    encoding: 'utf8',
  });
  const output = `${result.stdout}${result.stderr}`;
  log(`${label}:\n${output.trim()}`);
  if (result.status !== 0 || !ok(output)) problems.push(`${label} reported a problem (above)`);
}

/** Every entry loads by its package name, with `import` and with `require` (require(esm)). */
function checkLoads(manifest) {
  const expected = {
    '.': 'AuthModule',
    './redis': 'RedisRevocationStore',
    './testing': 'AuthTesting',
    './swagger': 'createAuthDocument',
    './graphql': 'GraphQLAuth',
    './ws': 'GatehouseWsAdapter',
    './socket.io': 'GatehouseIoAdapter',
  };
  for (const entry of Object.keys(manifest.exports)) {
    if (entry === './package.json') continue;
    const specifier = entry === '.' ? manifest.name : `${manifest.name}/${entry.slice(2)}`;
    const name = expected[entry];
    if (!name) {
      problems.push(`no load check for the entry ${entry}: add one to .ci/check-package.mjs`);
      continue;
    }
    for (const [kind, code] of [
      [
        'import',
        `const m = await import('${specifier}'); if (typeof m.${name} !== 'function') process.exit(3);`,
      ],
      [
        'require',
        `const m = require('${specifier}'); if (typeof m.${name} !== 'function') process.exit(3);`,
      ],
    ]) {
      const result = spawnSync(
        process.execPath,
        kind === 'import'
          ? ['--input-type=module', '-e', code]
          : ['--input-type=commonjs', '-e', code],
        { cwd: work, encoding: 'utf8' },
      );
      const ok = result.status === 0;
      log(`load: ${kind} ${specifier} ${ok ? 'ok' : 'FAILED'}`);
      if (!ok)
        problems.push(`${kind}('${specifier}') failed: ${result.stderr.trim().split('\n')[0]}`);
    }
  }
}
