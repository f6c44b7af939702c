import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layout rule of docs/architecture.md, checked: each folder of src/ has a rank, and a file may
 * import only from its own folder or from a folder of a lower rank. Features of one rank (jwt,
 * sessions, api-keys, login-throttle) never import each other, and a subfolder never imports its parent.
 * Specs are left out: a spec may assemble a whole module to test one unit through it.
 */
const RANKS: Readonly<Record<string, number>> = {
  core: 0,
  http: 1,
  users: 2,
  permissions: 3,
  passport: 4,
  // Compact JWS pieces (parser, signatures, claim checks, cache) shared by jwt and oidc.
  jws: 5,
  'jwt/revocation': 5,
  jwt: 6,
  sessions: 6,
  'api-keys': 6,
  'login-throttle': 6,
  oidc: 6,
  // How the guard reads GraphQL, WebSocket and RPC contexts; no feature depends on it.
  transports: 7,
  routes: 8,
  // Upgrades, connection_init and open connections: they ask the guard.
  connections: 9,
  module: 10,
  testing: 11,
  swagger: 11,
  // The entry files (index.ts, redis.ts, testing.ts, swagger.ts, graphql.ts, ws.ts, socket.io.ts)
  // sit on top.
  '.': 12,
};

const src = dirname(fileURLToPath(import.meta.url));

function folderOf(file: string): string {
  const dir = relative(src, dirname(file)).replaceAll('\\', '/');
  return dir === '' ? '.' : dir;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    found.push(resolve(dirname(file), match[1]!));
  }
  return found;
}

describe('the layout of src/', () => {
  const files = sources(src);

  it('gives every folder a rank', () => {
    const unranked = [...new Set(files.map(folderOf))].filter((f) => RANKS[f] === undefined);
    expect(unranked).toEqual([]);
  });

  it('has no import that runs up, or across between features', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = folderOf(file);
      for (const target of importsOf(file)) {
        const to = folderOf(target);
        if (to === from) continue;
        const ok = RANKS[to]! < RANKS[from]!;
        if (!ok) violations.push(`${relative(src, file)} -> ${relative(src, target)}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps core free of any feature', () => {
    const core = files.filter((f) => folderOf(f) === 'core');
    expect(core.length).toBeGreaterThan(5);
    const reaching = core.flatMap((f) => importsOf(f).filter((t) => folderOf(t) !== 'core'));
    expect(reaching).toEqual([]);
  });
});
