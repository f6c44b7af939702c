/** What the report records about where and with what it ran. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly openssl: string;
  readonly v8: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    openssl: process.versions.openssl ?? 'unknown',
    v8: process.versions.v8 ?? 'unknown',
  };
}

const PACKAGES = [
  '@nestjs/core',
  '@nestjs/common',
  '@nestjs/platform-express',
  '@nestjs/platform-fastify',
  'express',
  'fastify',
  '@nestjs/passport',
  'passport',
  'passport-jwt',
  'passport-headerapikey',
  'jsonwebtoken',
  '@nestjs/jwt',
  'jose',
  'fast-jwt',
  'ioredis',
  'jwks-rsa',
  'autocannon',
] as const;

/** Installed versions of the packages the benchmark exercises (read from their package.json). */
export function packageVersions(): Record<string, string> {
  const require = createRequire(`${process.cwd()}/package.json`);
  const versions: Record<string, string> = {};
  const self = JSON.parse(readFileSync('package.json', 'utf8')) as {
    name: string;
    version: string;
  };
  versions[self.name] = `${self.version} (${gitRevision()})`;
  for (const name of PACKAGES) {
    versions[name] = installedVersion(require, name);
  }
  return versions;
}

function installedVersion(require: NodeJS.Require, name: string): string {
  // Some packages do not export ./package.json; walk the resolution paths instead.
  for (const base of require.resolve.paths(name) ?? []) {
    try {
      const manifest = JSON.parse(readFileSync(`${base}/${name}/package.json`, 'utf8')) as {
        version?: string;
      };
      if (manifest.version) return manifest.version;
    } catch {
      // not in this node_modules
    }
  }
  return 'not installed';
}

function gitRevision(): string {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bench/src'], {
      encoding: 'utf8',
    }).trim();
    return dirty ? `${rev}, uncommitted changes` : rev;
  } catch {
    return 'no git';
  }
}

/** Machine-wide CPU time from /proc/stat, in µs: busy and total. `undefined` off Linux. */
export function machineCpu(): { busyMicros: number; totalMicros: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields as number[];
    const tick = 1e6 / 100; // USER_HZ is 100 on Linux
    const busy = (user! + nice! + system! + irq! + softirq! + steal!) * tick;
    return { busyMicros: busy, totalMicros: busy + (idle! + iowait!) * tick };
  } catch {
    return undefined;
  }
}
