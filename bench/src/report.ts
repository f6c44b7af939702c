/** Turns one run into bench/RESULTS.md and a console summary. */
import type { BenchConfig } from './config.js';
import type { MachineInfo } from './machine.js';
import type { GuardResult, MemoryResult, TokensResult, TransportsResult } from './results.js';
import { capacityRatio, summarize, type AdapterRun } from './samples.js';
import { fmt, ratio } from './stats.js';
import { ROUTE, type TargetCheck } from './targets.js';

export interface RunReport {
  readonly date: Date;
  /** When this run started; side results older than this come from an earlier run. */
  readonly started: Date;
  readonly seconds: number;
  readonly config: BenchConfig;
  readonly machine: MachineInfo;
  readonly versions: Record<string, string>;
  /** Average CPU cores busy with work other than this benchmark's processes during the run. */
  readonly otherLoadCores: number | undefined;
  readonly loadAverage: readonly number[];
  readonly runs: readonly AdapterRun[];
  readonly checks: readonly TargetCheck[];
  readonly tokens: TokensResult | undefined;
  readonly memory: MemoryResult | undefined;
  readonly guard: GuardResult | undefined;
  readonly transports: TransportsResult | undefined;
}

const STATUS = { met: 'met', missed: '**MISSED**', 'not measured': 'not measured' } as const;

/** The route table of one adapter, as Markdown rows. */
function routeTable(run: AdapterRun): string[] {
  const lines = [
    '| route | CPU µs/req (median [min–max]) | capacity req/s/core | × unguarded | × canonical | × floor | p50 ms | p99 ms | rate achieved | peak req/s | peak CPU µs/req | failed |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const route of run.routes) {
    const s = summarize(run, route);
    const vs = (ref: string) => ratio(capacityRatio(run, route.id, ref)?.value);
    lines.push(
      `| \`${route.id}\` | ${fmt(s.cpuMicros)} [${fmt(s.cpuMin)}–${fmt(s.cpuMax)}] | ${fmt(1e6 / s.cpuMicros, 0)} | ${vs(ROUTE.unguarded)} | ${vs(ROUTE.canonical)} | ${vs(ROUTE.floor)} | ${fmt(s.p50Ms, 2)} | ${fmt(s.p99Ms, 2)} | ${fmt(s.achievedRate, 0)} | ${fmt(s.peakRate, 0)} | ${fmt(s.peakCpuMicros)} | ${s.failed} |`,
    );
  }
  return lines;
}

/** The date of a side result, flagged when it predates this run (its script was skipped). */
function when(report: RunReport, date: string): string {
  return Date.parse(date) < report.started.getTime() ? `${date}, **from an earlier run**` : date;
}

export function renderMarkdown(report: RunReport): string {
  const { config, machine } = report;
  const out: string[] = [];
  out.push('# nestjs-gatehouse benchmark results', '');
  out.push(
    `Produced by \`npm run bench\` on ${report.date.toISOString()} in ${Math.round(report.seconds)} s. ` +
      'Do not edit by hand; see bench/README.md for the method and the knobs.',
    '',
  );
  out.push('## Machine and versions', '');
  out.push(`- CPU: ${machine.cpuModel}, ${machine.cores} cores; memory ${machine.memoryGiB} GiB`);
  out.push(`- OS: ${machine.os}`);
  out.push(`- Node ${machine.node}, V8 ${machine.v8}, OpenSSL ${machine.openssl}`);
  out.push(
    `- Other load on the machine during the run: ${
      report.otherLoadCores === undefined
        ? 'unknown'
        : `${fmt(report.otherLoadCores, 2)} cores busy with other processes on average`
    }; load average at the end ${report.loadAverage.map((l) => fmt(l, 2)).join(' / ')}`,
  );
  out.push(
    `- Packages: ${Object.entries(report.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
  );
  out.push(
    `- Settings: ${config.rounds} rounds; fixed rate ${config.rate} req/s for ${config.duration} s per sample; ` +
      `${config.peak ? `unthrottled ${config.peak} s per sample` : 'no unthrottled phase'}; ` +
      `${config.connections} connections; ${config.tokens} distinct credentials per route; ` +
      `warm-up ${config.warmup} s per route, ${config.prewarm} requests before each sample`,
    '',
  );

  out.push('## Targets', '');
  out.push('| measure | adapter | target | value (median [per-round range]) | status | note |');
  out.push('|---|---|---|---|---|---|');
  for (const c of report.checks) {
    out.push(
      `| ${c.measure} | ${c.adapter} | ${c.target} | ${c.value} | ${STATUS[c.status]} | ${c.note ?? ''} |`,
    );
  }
  out.push('');

  for (const run of report.runs) {
    out.push(`## ${run.adapter === 'fastify' ? 'Fastify' : 'Express'}`, '');
    out.push(...routeTable(run), '');
    out.push('Routes:', '');
    for (const route of run.routes) out.push(`- \`${route.id}\`: ${route.label}`);
    out.push('');
  }

  if (report.guard) {
    out.push('## The guard in-process (no HTTP)', '');
    out.push(
      `From \`node bench/run.mjs guard\` (${when(report, report.guard.date)}): \`AuthGuard.canActivate\` called directly ` +
        'with a Nest `ExecutionContextHost`, median of several timed batches.',
      '',
    );
    out.push('| case | ns per call |', '|---|---|');
    for (const row of report.guard.rows) out.push(`| ${row.name} | ${fmt(row.nsPerCall, 0)} |`);
    out.push('');
  }

  if (report.transports) {
    const { graphql, wsMessageNs } = report.transports;
    out.push('## GraphQL and WebSocket in-process', '');
    out.push(
      `From \`node bench/run.mjs transports\` (${when(report, report.transports.date)}): CPU time per call, ` +
        'cases alternating in batches, medians of rounds.',
      '',
    );
    out.push('| case | value |', '|---|---|');
    out.push(
      `| GraphQL \`{ open }\` (Apollo, no guard) | ${fmt(graphql.openNsPerOperation / 1000, 1)} µs |`,
    );
    out.push(
      `| GraphQL \`{ guarded }\` (Apollo, guard + cached JWT) | ${fmt(graphql.guardedNsPerOperation / 1000, 1)} µs |`,
    );
    out.push(
      `| guarded capacity × open | ${ratio(graphql.ratio)} [${ratio(graphql.ratioMin)}–${ratio(graphql.ratioMax)}] |`,
    );
    out.push(`| WebSocket per-message check (guard + cached JWT) | ${fmt(wsMessageNs, 0)} ns |`);
    out.push('');
  }

  if (report.tokens) {
    out.push('## Token sign and verify, one process', '');
    out.push(
      `From \`node bench/run.mjs tokens\` (${when(report, report.tokens.date)}); HS256 unless the variant says otherwise; ` +
        `median of timed batches, about ${fmt(report.tokens.secondsPerCase, 1)} s per case.`,
      '',
    );
    out.push('| library | variant | sign ops/s | verify ops/s |', '|---|---|---|---|');
    for (const row of report.tokens.rows) {
      out.push(
        `| ${row.library} | ${row.variant} | ${row.signOps === null ? '–' : fmt(row.signOps, 0)} | ${row.verifyOps === null ? '–' : fmt(row.verifyOps, 0)} |`,
      );
    }
    out.push('');
  }

  if (report.memory) {
    const m = report.memory;
    out.push('## Memory', '');
    out.push(
      `From \`node bench/run.mjs memory\` (${when(report, m.date)}): ${m.requests.toLocaleString('en')} requests on ${m.target}, ` +
        `each with a distinct valid token, in ${fmt(m.seconds, 0)} s. ${m.how}`,
      '',
    );
    out.push(
      `RSS at start ${fmt(m.startRssMiB)} MiB, peak ${fmt(m.peakRssMiB)} MiB, end ${fmt(m.endRssMiB)} MiB ` +
        `(after GC): **${fmt(m.growthMiB)} MiB above the start**. ` +
        `Heap used ${fmt(m.heapStartMiB)} → ${fmt(m.heapEndMiB)} MiB. Failed requests: ${m.failures}.`,
      '',
    );
  }

  out.push('## How to read this', '');
  out.push(
    '- **CPU µs/req** is the server process’s CPU time (user + system, all threads, so GC and ' +
      'libuv included) over the fixed-rate window, divided by the requests it received. It does not ' +
      'depend on how much CPU other processes leave free, which is why the targets use it and not peak throughput.',
    '- **capacity** = 1 / CPU per request: requests per second one fully busy core would serve.',
    '- **× unguarded / × canonical / × floor** are capacity ratios: CPU/req of the reference divided ' +
      'by CPU/req of the route, the median of the per-round ratios (each round measures every route ' +
      'back to back). Above 1× means cheaper than the reference.',
    '- **p50 / p99** are response times of the fixed-rate phase, measured by the load generator ' +
      'per response. autocannon’s rate limit lets each connection send its per-second quota back to ' +
      'back, so these are latencies under short bursts of concurrent requests.',
    '- **peak req/s** is throughput unthrottled; it moves with the machine’s other load, so read it ' +
      'as indicative only.',
    '',
  );
  return `${out.join('\n')}\n`;
}

/** A compact console version: the route tables and the target checks. */
export function renderSummary(report: RunReport): string {
  const lines: string[] = [];
  for (const run of report.runs) {
    lines.push('', `${run.adapter}`);
    lines.push(
      pad('route', 30) +
        pad('µs/req', 9) +
        pad('×unguard', 10) +
        pad('×canon', 9) +
        pad('×floor', 9) +
        pad('p50ms', 8) +
        pad('p99ms', 8) +
        pad('peak/s', 8),
    );
    for (const route of run.routes) {
      const s = summarize(run, route);
      const vs = (ref: string) => ratio(capacityRatio(run, route.id, ref)?.value);
      lines.push(
        pad(route.id, 30) +
          pad(fmt(s.cpuMicros), 9) +
          pad(vs(ROUTE.unguarded), 10) +
          pad(vs(ROUTE.canonical), 9) +
          pad(vs(ROUTE.floor), 9) +
          pad(fmt(s.p50Ms, 2), 8) +
          pad(fmt(s.p99Ms, 2), 8) +
          pad(fmt(s.peakRate, 0), 8) +
          (s.failed ? `  ${s.failed} failed!` : ''),
      );
    }
  }
  lines.push('', 'targets');
  for (const c of report.checks) {
    lines.push(
      `  ${pad(c.status === 'met' ? 'met' : c.status === 'missed' ? 'MISSED' : 'n/a', 7)}` +
        `${pad(c.adapter, 8)}${pad(c.measure, 46)}${pad(c.target, 22)}${c.value}` +
        (c.status === 'not measured' && c.note ? `  (${c.note})` : ''),
    );
  }
  return lines.join('\n');
}

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length);
}
