/**
 * Turns one run into bench/RESULTS.md, its added-cost chart and a console summary. RESULTS.md is
 * a list of sections (SECTIONS below), each a function of the run; a new measurement adds its
 * section function and one line to the list.
 */
import { renderAddedCostSvg, type AddedCostChart } from './chart.js';
import type { BenchConfig } from './config.js';
import type { MachineInfo } from './machine.js';
import type { GuardResult, MemoryResult, TokensResult, TransportsResult } from './results.js';
import {
  addedCost,
  BASELINE,
  capacityRatio,
  redisPerRequest,
  summarize,
  type AdapterRun,
  type Spread,
} from './samples.js';
import { renderScaleSection, type ScaleResult } from './scale-report.js';
import { fmt, ratio } from './stats.js';
import { commandMix, ROUTE, type TargetCheck, type TargetGroup } from './targets.js';

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
  readonly scale?: ScaleResult;
}

const STATUS = {
  met: 'met',
  missed: '**MISSED**',
  'not measured': 'not measured',
  'no target': 'no target',
} as const;

/** The file name of the chart, beside RESULTS.md. */
export const CHART_FILE = 'added-cost.svg';

const ADAPTER_TITLE = { fastify: 'Fastify', express: 'Express' } as const;

const spreadText = (r: Spread | undefined, digits = 1) =>
  r ? `${fmt(r.value, digits)} [${fmt(r.min, digits)}–${fmt(r.max, digits)}]` : '–';

/** The route table of one adapter, as Markdown rows. */
function routeTable(run: AdapterRun): string[] {
  const lines = [
    '| route | CPU µs/req (median [min–max]) | added µs/req (median [per-round range]) | capacity req/s/core | × unguarded | × canonical | × floor | p50 ms | p99 ms | rate achieved | peak req/s | peak CPU µs/req | failed |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const route of run.routes) {
    const s = summarize(run, route);
    const vs = (ref: string) => ratio(capacityRatio(run, route.id, ref)?.value);
    lines.push(
      `| \`${route.id}\` | ${fmt(s.cpuMicros)} [${fmt(s.cpuMin)}–${fmt(s.cpuMax)}] | ${spreadText(addedCost(run, route.id))} | ${fmt(1e6 / s.cpuMicros, 0)} | ${vs(ROUTE.unguarded)} | ${vs(ROUTE.canonical)} | ${vs(ROUTE.floor)} | ${fmt(s.p50Ms, 2)} | ${fmt(s.p99Ms, 2)} | ${fmt(s.achievedRate, 0)} | ${fmt(s.peakRate, 0)} | ${fmt(s.peakCpuMicros)} | ${s.failed} |`,
    );
  }
  return lines;
}

/** The date of a side result, flagged when it predates this run (its script was skipped). */
function when(report: RunReport, date: string): string {
  return Date.parse(date) < report.started.getTime() ? `${date}, **from an earlier run**` : date;
}

type Section = (report: RunReport) => string[];

const header: Section = (report) => [
  '# nestjs-gatehouse benchmark results',
  '',
  `Produced by \`npm run bench\` on ${report.date.toISOString()} in ${Math.round(report.seconds)} s. ` +
    'Do not edit by hand; see bench/README.md for the method and the knobs.',
  '',
];

const machineSection: Section = ({ config, machine, ...report }) => [
  '## Machine and versions',
  '',
  `- CPU: ${machine.cpuModel}, ${machine.cores} cores; memory ${machine.memoryGiB} GiB`,
  `- OS: ${machine.os}`,
  `- Node ${machine.node}, V8 ${machine.v8}, OpenSSL ${machine.openssl}`,
  `- Other load on the machine during the run: ${
    report.otherLoadCores === undefined
      ? 'unknown'
      : `${fmt(report.otherLoadCores, 2)} cores busy with other processes on average`
  }; load average at the end ${report.loadAverage.map((l) => fmt(l, 2)).join(' / ')}`,
  `- Packages: ${Object.entries(report.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')}`,
  `- Settings: ${config.rounds} rounds; fixed rate ${config.rate} req/s for ${config.duration} s per sample; ` +
    `${config.peak ? `unthrottled ${config.peak} s per sample` : 'no unthrottled phase'}; ` +
    `${config.connections} connections; ${config.tokens} distinct credentials per route; ` +
    `warm-up ${config.warmup} s per route, ${config.prewarm} requests before each sample`,
  '',
];

const TARGET_GROUPS: readonly { group: TargetGroup; title: string; intro: string }[] = [
  {
    group: 'issue 14',
    title: '## Targets (issue 14)',
    intro:
      'Same run, Fastify and Express. **Added cost** is a route’s CPU per request minus the ' +
      'unguarded route’s in the same round; an added-cost ratio is the median of the per-round ' +
      '(route − unguarded) / (reference − unguarded). Capacity ratios are CPU(reference) / ' +
      'CPU(route), medians of per-round ratios. Redis round trips are counted as commands, an ' +
      'upper bound (see “Redis commands per request”).',
  },
  {
    group: 'earlier',
    title: '## Earlier targets',
    intro:
      'The targets of issues 6, 10 and 11 that issue 14 did not replace; capacity ratios, which ' +
      'move toward 1× when the machine’s fixed cost per request grows.',
  },
];

const targets: Section = (report) =>
  TARGET_GROUPS.flatMap(({ group, title, intro }) => {
    const checks = report.checks.filter((c) => c.group === group);
    if (checks.length === 0) return [];
    return [
      title,
      '',
      intro,
      '',
      '| measure | adapter | target | value (median [per-round range]) | status | note |',
      '|---|---|---|---|---|---|',
      ...checks.map(
        (c) =>
          `| ${c.measure} | ${c.adapter} | ${c.target} | ${c.value} | ${STATUS[c.status]} | ${c.note ?? ''} |`,
      ),
      '',
    ];
  });

const chartSection: Section = () => [
  '## Added cost per route',
  '',
  `![Added CPU per request over the unguarded route, per adapter, with per-round ranges](${CHART_FILE})`,
  '',
];

const adapters: Section = (report) =>
  report.runs.flatMap((run) => [
    `## ${ADAPTER_TITLE[run.adapter]}`,
    '',
    ...routeTable(run),
    '',
    'Routes:',
    '',
    ...run.routes.map((route) => `- \`${route.id}\`: ${route.label}`),
    '',
  ]);

const redisSection: Section = (report) => {
  const ids = [...new Set(report.runs.flatMap((run) => run.routes.map((r) => r.id)))];
  const counted = report.runs.some((run) => ids.some((id) => redisPerRequest(run, id)));
  if (!counted) return [];
  return [
    '## Redis commands per request',
    '',
    'Commands the bench’s redis-server processed during each fixed-rate window (`INFO ' +
      'commandstats`, before and after), divided by the requests the server received: median ' +
      '[per-round range], and the commands behind it. Pipelined commands count one each, so this ' +
      'is an upper bound on round trips.',
    '',
    `| route | ${report.runs.map((run) => ADAPTER_TITLE[run.adapter]).join(' | ')} |`,
    `|---|${report.runs.map(() => '---|').join('')}`,
    ...ids.map((id) => {
      const cells = report.runs.map((run) => {
        const r = redisPerRequest(run, id);
        if (!r) return '–';
        const mix = commandMix(r.byCommand);
        return `${spreadText(r.total, 2)}${mix === 'none' ? '' : ` (${mix})`}`;
      });
      return `| \`${id}\` | ${cells.join(' | ')} |`;
    }),
    '',
  ];
};

const guardSection: Section = (report) => {
  if (!report.guard) return [];
  return [
    '## The guard in-process (no HTTP)',
    '',
    `From \`node bench/run.mjs guard\` (${when(report, report.guard.date)}): \`AuthGuard.canActivate\` called directly ` +
      'with a Nest `ExecutionContextHost`, median of several timed batches.',
    '',
    '| case | ns per call |',
    '|---|---|',
    ...report.guard.rows.map((row) => `| ${row.name} | ${fmt(row.nsPerCall, 0)} |`),
    '',
  ];
};

const transportsSection: Section = (report) => {
  if (!report.transports) return [];
  const { graphql, wsMessageNs } = report.transports;
  return [
    '## GraphQL and WebSocket in-process',
    '',
    `From \`node bench/run.mjs transports\` (${when(report, report.transports.date)}): CPU time per call, ` +
      'cases alternating in batches, medians of rounds.',
    '',
    '| case | value |',
    '|---|---|',
    `| GraphQL \`{ open }\` (Apollo, no guard) | ${fmt(graphql.openNsPerOperation / 1000, 1)} µs |`,
    `| GraphQL \`{ guarded }\` (Apollo, guard + cached JWT) | ${fmt(graphql.guardedNsPerOperation / 1000, 1)} µs |`,
    `| guarded capacity × open | ${ratio(graphql.ratio)} [${ratio(graphql.ratioMin)}–${ratio(graphql.ratioMax)}] |`,
    `| WebSocket per-message check (guard + cached JWT) | ${fmt(wsMessageNs, 0)} ns |`,
    '',
  ];
};

const tokensSection: Section = (report) => {
  if (!report.tokens) return [];
  return [
    '## Token sign and verify, one process',
    '',
    `From \`node bench/run.mjs tokens\` (${when(report, report.tokens.date)}); HS256 unless the variant says otherwise; ` +
      `median of timed batches, about ${fmt(report.tokens.secondsPerCase, 1)} s per case.`,
    '',
    '| library | variant | sign ops/s | verify ops/s |',
    '|---|---|---|---|',
    ...report.tokens.rows.map(
      (row) =>
        `| ${row.library} | ${row.variant} | ${row.signOps === null ? '–' : fmt(row.signOps, 0)} | ${row.verifyOps === null ? '–' : fmt(row.verifyOps, 0)} |`,
    ),
    '',
  ];
};

const memorySection: Section = (report) => {
  const m = report.memory;
  if (!m) return [];
  return [
    '## Memory',
    '',
    `From \`node bench/run.mjs memory\` (${when(report, m.date)}): ${m.requests.toLocaleString('en')} requests on ${m.target}, ` +
      `each with a distinct valid token, in ${fmt(m.seconds, 0)} s. ${m.how}`,
    '',
    `RSS at start ${fmt(m.startRssMiB)} MiB, peak ${fmt(m.peakRssMiB)} MiB, end ${fmt(m.endRssMiB)} MiB ` +
      `(after GC): **${fmt(m.growthMiB)} MiB above the start**. ` +
      `Heap used ${fmt(m.heapStartMiB)} → ${fmt(m.heapEndMiB)} MiB. Failed requests: ${m.failures}.`,
    '',
  ];
};

const howToRead: Section = () => [
  '## How to read this',
  '',
  '- **CPU µs/req** is the server process’s CPU time (user + system, all threads, so GC and ' +
    'libuv included) over the fixed-rate window, divided by the requests it received. It does not ' +
    'depend on how much CPU other processes leave free, which is why the targets use it and not peak throughput.',
  '- **added µs/req** is the route’s CPU per request minus the unguarded route’s in the same ' +
    'round: what the guard (and, for sessions, its middleware) adds. The median is over rounds, ' +
    'the range is the lowest and highest round. It is the steadier figure: a slower HTTP stack ' +
    'raises every route’s CPU alike and leaves the difference, where it pushes every ratio toward 1×.',
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
];

/** RESULTS.md, top to bottom. */
const SECTIONS: readonly Section[] = [
  header,
  machineSection,
  targets,
  chartSection,
  adapters,
  redisSection,
  guardSection,
  transportsSection,
  tokensSection,
  memorySection,
  (report) => renderScaleSection(report.scale, report.started),
  howToRead,
];

export function renderMarkdown(report: RunReport): string {
  return `${SECTIONS.flatMap((section) => section(report)).join('\n')}\n`;
}

/**
 * The chart's numbers: every route's added cost but the unguarded one's (the zero line). When the
 * slowest recipes cost far more than everything else, the axis stops a little past the library's
 * and floor's ranges so that their differences stay visible.
 */
export function addedCostChart(report: RunReport): AddedCostChart {
  const panels = report.runs.map((run) => ({
    title: ADAPTER_TITLE[run.adapter],
    bars: run.routes
      .filter((route) => route.id !== BASELINE)
      .flatMap((route) => {
        const cost = addedCost(run, route.id);
        return cost ? [{ label: route.id, group: route.group, ...cost }] : [];
      }),
  }));
  const bars = panels.flatMap((p) => p.bars);
  const ours = Math.max(0, ...bars.filter((b) => b.group !== 'recipe').map((b) => b.max));
  const all = Math.max(0, ...bars.map((b) => b.max));
  return {
    clipAt: ours > 0 && all > 2 * ours ? 1.25 * ours : undefined,
    title: `Added CPU per request over the unguarded route, ${report.date.toISOString().slice(0, 10)}`,
    subtitle:
      `Median of ${report.config.rounds} rounds (route − unguarded in the same round), ` +
      'whiskers: lowest and highest round; shorter is better.',
    panels,
  };
}

/** The chart as SVG, for bench/added-cost.svg. */
export function renderChart(report: RunReport): string {
  return renderAddedCostSvg(addedCostChart(report));
}

const SUMMARY_STATUS = {
  met: 'met',
  missed: 'MISSED',
  'not measured': 'n/a',
  'no target': 'shown',
} as const;

/** A compact console version: the route tables and the target checks. */
export function renderSummary(report: RunReport): string {
  const lines: string[] = [];
  for (const run of report.runs) {
    lines.push('', `${run.adapter}`);
    lines.push(
      pad('route', 30) +
        pad('µs/req', 9) +
        pad('added', 8) +
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
      const redis = redisPerRequest(run, route.id);
      lines.push(
        pad(route.id, 30) +
          pad(fmt(s.cpuMicros), 9) +
          pad(fmt(addedCost(run, route.id)?.value), 8) +
          pad(vs(ROUTE.unguarded), 10) +
          pad(vs(ROUTE.canonical), 9) +
          pad(vs(ROUTE.floor), 9) +
          pad(fmt(s.p50Ms, 2), 8) +
          pad(fmt(s.p99Ms, 2), 8) +
          pad(fmt(s.peakRate, 0), 8) +
          (redis ? pad(`redis ${fmt(redis.total.value, 2)}`, 12) : '') +
          (s.failed ? `  ${s.failed} failed!` : ''),
      );
    }
  }
  lines.push('', 'targets');
  for (const c of report.checks) {
    lines.push(
      `  ${pad(SUMMARY_STATUS[c.status], 7)}${pad(c.adapter, 8)}${pad(c.target, 18)}` +
        `${pad(c.value, 24)}${c.measure}` +
        (c.status === 'not measured' && c.note ? `  (${c.note})` : ''),
    );
  }
  return lines.join('\n');
}

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length);
}
