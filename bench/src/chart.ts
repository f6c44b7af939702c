/**
 * The added-cost chart of RESULTS.md (bench/added-cost.svg), drawn as plain SVG text: one panel
 * per adapter, one horizontal bar per route (the median added CPU per request over the unguarded
 * route), a whisker over the per-round range, and the unguarded route as the zero line. No
 * charting dependency: the picture is a few rectangles and lines, and text is escaped here.
 */

/** One route's bar. */
export interface ChartBar {
  readonly label: string;
  /** Colours the bar; the legend names each group that appears. */
  readonly group: string;
  /** Median added cost, µs; min and max are the per-round range. */
  readonly value: number;
  readonly min: number;
  readonly max: number;
}

export interface ChartPanel {
  readonly title: string;
  readonly bars: readonly ChartBar[];
}

export interface AddedCostChart {
  readonly title: string;
  readonly subtitle: string;
  readonly panels: readonly ChartPanel[];
  /**
   * The axis ends here even when some bars go further: those are drawn to the end with a break
   * mark and their value in figures, so a few very slow recipes do not squeeze every other bar
   * into a sliver. Default: the axis covers every whisker.
   */
  readonly clipAt?: number;
}

const COLOURS: Readonly<Record<string, string>> = {
  library: '#2b6cb0',
  recipe: '#dd6b20',
  floor: '#4a5568',
};
const OTHER_COLOUR = '#805ad5';
const GROUP_NAMES: Readonly<Record<string, string>> = {
  library: 'nestjs-gatehouse',
  recipe: 'NestJS recipe',
  floor: 'hand-written floor guard',
};

const WIDTH = 960;
const ROW = 20;
const BAR = 12;
const MARGIN = 16;
const CHAR = 7.2; // width of one 12px monospace character, near enough for layout

/** Escapes text for an SVG text node or an attribute value. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A tick step of 1, 2 or 5 times a power of ten giving about `count` ticks over `span`. */
export function tickStep(span: number, count = 6): number {
  if (!(span > 0)) return 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].find((m) => m * power >= raw)! * power;
  return step;
}

const num = (n: number) => (Math.round(n * 10) / 10).toString();
const figure = (n: number) => n.toFixed(1);
const valueText = (b: ChartBar) => `${figure(b.value)} µs [${figure(b.min)}–${figure(b.max)}]`;

/** Renders the chart as a standalone SVG document. Bars with no finite value are left out. */
export function renderAddedCostSvg(chart: AddedCostChart): string {
  const panels = chart.panels.map((p) => ({
    title: p.title,
    bars: p.bars
      .filter((b) => [b.value, b.min, b.max].every(Number.isFinite))
      .sort((a, b) => a.value - b.value || a.label.localeCompare(b.label)),
  }));
  const all = panels.flatMap((p) => p.bars);
  const top = Math.max(0, ...all.map((b) => b.max));
  const clip = chart.clipAt !== undefined && chart.clipAt > 0 && chart.clipAt < top;
  const reach = clip ? chart.clipAt! : top;
  const step = tickStep(reach - Math.min(0, ...all.map((b) => b.min)));
  const low = Math.floor(Math.min(0, ...all.map((b) => b.min)) / step) * step;
  const high = Math.max(step, Math.ceil(reach / step) * step);

  const labelWidth = Math.ceil(Math.max(10, ...all.map((b) => b.label.length)) * CHAR) + 12;
  const valueWidth = Math.ceil(Math.max(10, ...all.map((b) => valueText(b).length)) * CHAR) + 16;
  const plotLeft = MARGIN + labelWidth;
  const plotRight = WIDTH - MARGIN - valueWidth;
  const x = (v: number) =>
    plotLeft + ((Math.min(v, high) - low) / (high - low)) * (plotRight - plotLeft);

  const groups = [...new Set(all.map((b) => b.group))];
  const out: string[] = [];
  let y = MARGIN + 18;
  out.push(
    `<text x="${MARGIN}" y="${y}" class="title">${escapeXml(chart.title)}</text>`,
    `<text x="${MARGIN}" y="${y + 18}" class="note">${escapeXml(chart.subtitle)}</text>`,
  );
  y += 36;
  if (all.some((b) => b.max > high)) {
    out.push(
      `<text x="${MARGIN}" y="${y}" class="note">${escapeXml(
        `The axis stops at ${num(high)} µs; bars and whiskers cut there (marked //) go further, see their figures.`,
      )}</text>`,
    );
    y += 18;
  }

  // Legend: one swatch per route group, then the whisker.
  let lx = MARGIN;
  for (const group of groups) {
    const name = GROUP_NAMES[group] ?? group;
    out.push(
      `<rect x="${lx}" y="${y - 10}" width="14" height="10" fill="${colour(group)}"/>`,
      `<text x="${lx + 20}" y="${y}" class="note">${escapeXml(name)}</text>`,
    );
    lx += 20 + name.length * CHAR + 20;
  }
  out.push(
    `<line x1="${lx}" y1="${y - 5}" x2="${lx + 24}" y2="${y - 5}" class="whisker"/>`,
    `<line x1="${lx}" y1="${y - 9}" x2="${lx}" y2="${y - 1}" class="whisker"/>`,
    `<line x1="${lx + 24}" y1="${y - 9}" x2="${lx + 24}" y2="${y - 1}" class="whisker"/>`,
    `<text x="${lx + 30}" y="${y}" class="note">per-round range</text>`,
  );
  y += 16;

  for (const panel of panels) {
    y += 22;
    out.push(`<text x="${MARGIN}" y="${y}" class="panel">${escapeXml(panel.title)}</text>`);
    y += 10;
    const top = y;
    const bottom = top + Math.max(1, panel.bars.length) * ROW;
    for (let t = low; t <= high + step / 100; t += step) {
      out.push(
        `<line x1="${num(x(t))}" y1="${top}" x2="${num(x(t))}" y2="${bottom}" class="${
          Math.abs(t) < step / 2 ? 'zero' : 'grid'
        }"/>`,
        `<text x="${num(x(t))}" y="${bottom + 14}" class="tick">${num(t)}</text>`,
      );
    }
    if (panel.bars.length === 0) {
      out.push(`<text x="${plotLeft + 8}" y="${top + 14}" class="note">no samples</text>`);
    }
    for (const [i, bar] of panel.bars.entries()) {
      const mid = top + i * ROW + ROW / 2;
      const from = x(Math.min(0, bar.value));
      const to = x(Math.max(0, bar.value));
      out.push(
        `<g class="bar" data-route="${escapeXml(bar.label)}">`,
        `<title>${escapeXml(`${bar.label}: ${valueText(bar)}`)}</title>`,
        `<text x="${plotLeft - 8}" y="${mid + 4}" class="label">${escapeXml(bar.label)}</text>`,
        `<rect x="${num(from)}" y="${num(mid - BAR / 2)}" width="${num(Math.max(0.5, to - from))}" height="${BAR}" fill="${colour(bar.group)}"/>`,
        `<line x1="${num(x(bar.min))}" y1="${mid}" x2="${num(x(bar.max))}" y2="${mid}" class="whisker range"/>`,
        `<line x1="${num(x(bar.min))}" y1="${mid - 4}" x2="${num(x(bar.min))}" y2="${mid + 4}" class="whisker"/>`,
        `<line x1="${num(x(bar.max))}" y1="${mid - 4}" x2="${num(x(bar.max))}" y2="${mid + 4}" class="whisker"/>`,
        ...(bar.max > high ? breakMark(plotRight, mid) : []),
        `<text x="${plotRight + 12}" y="${mid + 4}" class="value">${escapeXml(valueText(bar))}</text>`,
        '</g>',
      );
    }
    out.push(
      `<text x="${num(x(0))}" y="${top - 2}" class="tick">unguarded = 0</text>`,
      `<text x="${plotRight}" y="${bottom + 28}" class="axis">added CPU per request, µs</text>`,
    );
    y = bottom + 36;
  }

  const height = y + MARGIN;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeXml(chart.title)}">`,
    '<style>',
    'text { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; fill: #1a202c; }',
    '.title { font-size: 16px; font-weight: bold; }',
    '.panel { font-size: 14px; font-weight: bold; }',
    '.note, .tick, .axis { fill: #4a5568; }',
    '.tick { text-anchor: middle; font-size: 10px; }',
    '.axis { text-anchor: end; }',
    '.label { text-anchor: end; }',
    '.grid { stroke: #e2e8f0; stroke-width: 1; }',
    '.zero { stroke: #1a202c; stroke-width: 1.5; }',
    '.whisker { stroke: #1a202c; stroke-width: 1.2; }',
    '.break { stroke: #ffffff; stroke-width: 2; }',
    '</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

/** Two slanted strokes across the end of a bar that goes past the axis. */
function breakMark(atX: number, mid: number): string[] {
  return [0, 4].map(
    (dx) =>
      `<line x1="${num(atX - 6 + dx)}" y1="${mid + 8}" x2="${num(atX - 2 + dx)}" y2="${mid - 8}" class="break"/>`,
  );
}

function colour(group: string): string {
  return COLOURS[group] ?? OTHER_COLOUR;
}
