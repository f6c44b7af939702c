import { describe, expect, it } from 'vitest';
import { escapeXml, renderAddedCostSvg, tickStep, type AddedCostChart } from '../src/chart.js';

const chart = (overrides: Partial<AddedCostChart> = {}): AddedCostChart => ({
  title: 'Added CPU per request, 2026-12-01',
  subtitle: 'Median of 4 rounds',
  panels: [
    {
      title: 'Fastify',
      bars: [
        { label: 'gatehouse-jwt', group: 'library', value: 6, min: 4, max: 9 },
        { label: 'floor', group: 'floor', value: 13, min: 11, max: 15 },
        { label: 'passport-apikey', group: 'recipe', value: -2, min: -5, max: 1 },
      ],
    },
    {
      title: 'Express',
      bars: [
        { label: 'gatehouse-jwt', group: 'library', value: 20, min: 18, max: 31 },
        { label: 'floor', group: 'floor', value: 25, min: 21, max: 26 },
      ],
    },
  ],
  ...overrides,
});

/** Every element's start tag, in document order: `<rect x="1" …>` becomes its name and attributes. */
function tags(svg: string): { name: string; attributes: Record<string, string> }[] {
  return [...svg.matchAll(/<([a-zA-Z]+)((?:\s+[\w:-]+="[^"]*")*)\s*\/?>/g)].map((m) => ({
    name: m[1]!,
    attributes: Object.fromEntries(
      [...m[2]!.matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!]),
    ),
  }));
}

/** The bar groups of the SVG, each with its route and the x extents of its rect and whisker. */
function bars(svg: string) {
  return [...svg.matchAll(/<g class="bar" data-route="([^"]*)">([\s\S]*?)<\/g>/g)].map((m) => {
    const inner = tags(m[2]!);
    const rect = inner.find((t) => t.name === 'rect')!.attributes;
    const range = inner.find((t) => t.attributes.class === 'whisker range')!.attributes;
    return {
      route: m[1]!,
      rectFrom: Number(rect.x),
      rectTo: Number(rect.x) + Number(rect.width),
      rangeFrom: Number(range.x1),
      rangeTo: Number(range.x2),
      text: m[2]!,
    };
  });
}

/** The x of the zero line (the unguarded route) of the first panel. */
function zeroX(svg: string): number {
  return Number(tags(svg).find((t) => t.attributes.class === 'zero')!.attributes.x1);
}

describe('renderAddedCostSvg', () => {
  it('is one well-formed SVG document: every element opened is closed, in order', () => {
    const svg = renderAddedCostSvg(chart());
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    const stack: string[] = [];
    for (const m of svg.replace(/^<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
      const [, closing, name, selfClosing] = m;
      if (selfClosing) continue;
      if (closing) expect(stack.pop()).toBe(name);
      else stack.push(name!);
    }
    expect(stack).toEqual([]);
    // Nothing but entities may follow an ampersand.
    expect(svg).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
  });

  it('draws one bar per route and panel, cheapest first, with its figures', () => {
    const svg = renderAddedCostSvg(chart());
    const drawn = bars(svg);
    expect(drawn.map((b) => b.route)).toEqual([
      'passport-apikey',
      'gatehouse-jwt',
      'floor',
      'gatehouse-jwt',
      'floor',
    ]);
    expect(drawn[1]!.text).toContain('6.0 µs [4.0–9.0]');
    expect(svg).toContain('>Fastify</text>');
    expect(svg).toContain('>Express</text>');
    expect(svg).toContain('Added CPU per request, 2026-12-01');
  });

  it('starts bars at the unguarded zero line, negative ones to its left', () => {
    const svg = renderAddedCostSvg(chart());
    const zero = zeroX(svg);
    const [negative, positive] = bars(svg);
    expect(negative!.rectTo).toBeCloseTo(zero, 1);
    expect(negative!.rectFrom).toBeLessThan(zero);
    expect(positive!.rectFrom).toBeCloseTo(zero, 1);
    expect(positive!.rectTo).toBeGreaterThan(zero);
    expect(svg).toContain('unguarded = 0');
  });

  it('draws each per-round range as a whisker around the median, on one scale', () => {
    const drawn = bars(renderAddedCostSvg(chart()));
    for (const bar of drawn) {
      expect(bar.rangeFrom).toBeLessThan(bar.rangeTo);
    }
    const jwt = drawn[1]!; // 6 [4–9]
    const floor = drawn[2]!; // 13 [11–15]
    // The median's end of the bar lies inside its whisker.
    expect(jwt.rectTo).toBeGreaterThan(jwt.rangeFrom);
    expect(jwt.rectTo).toBeLessThan(jwt.rangeTo);
    // One µs is as long in every bar: 9 − 4 over 15 − 11.
    expect((jwt.rangeTo - jwt.rangeFrom) / (floor.rangeTo - floor.rangeFrom)).toBeCloseTo(5 / 4, 1);
  });

  it('escapes labels, titles and group names', () => {
    const svg = renderAddedCostSvg(
      chart({
        title: 'costs <b>&</b> "ranges"',
        panels: [
          {
            title: "O'Fastify",
            bars: [{ label: '<script>x</script>', group: 'a&b', value: 1, min: 0, max: 2 }],
          },
        ],
      }),
    );
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(svg).toContain('costs &lt;b&gt;&amp;&lt;/b&gt; &quot;ranges&quot;');
    expect(svg).toContain('O&apos;Fastify');
    expect(svg).toContain('>a&amp;b</text>');
  });

  it('leaves out routes without a finite figure and says so for an empty panel', () => {
    const svg = renderAddedCostSvg(
      chart({
        panels: [
          {
            title: 'Fastify',
            bars: [{ label: 'floor', group: 'floor', value: Number.NaN, min: 1, max: 2 }],
          },
        ],
      }),
    );
    expect(bars(svg)).toEqual([]);
    expect(svg).toContain('no samples');
  });

  it('cuts bars past clipAt at the axis end with a break mark and keeps their figures', () => {
    const base = chart();
    const svg = renderAddedCostSvg({
      ...base,
      clipAt: 40,
      panels: [
        {
          title: 'Fastify',
          bars: [
            ...base.panels[0]!.bars,
            { label: 'passport-jwt', group: 'recipe', value: 380, min: 370, max: 400 },
          ],
        },
      ],
    });
    const drawn = bars(svg);
    const slow = drawn.find((b) => b.route === 'passport-jwt')!;
    const floor = drawn.find((b) => b.route === 'floor')!;
    expect(slow.rectTo).toBeCloseTo(slow.rangeTo, 1);
    expect(slow.rangeFrom).toBeCloseTo(slow.rangeTo, 1);
    expect(slow.text).toContain('class="break"');
    expect(slow.text).toContain('380.0 µs [370.0–400.0]');
    expect(floor.text).not.toContain('class="break"');
    // The floor's 13 µs bar gets a visible share of the axis instead of a sliver of 400 µs.
    expect((floor.rectTo - floor.rectFrom) / (slow.rectTo - zeroX(svg))).toBeGreaterThan(0.2);
    expect(svg).toContain('The axis stops at 40 µs');
  });
});

describe('tickStep', () => {
  it('picks 1, 2 or 5 times a power of ten', () => {
    expect(tickStep(60)).toBe(10);
    expect(tickStep(1300)).toBe(500);
    expect(tickStep(7)).toBe(2);
    expect(tickStep(0)).toBe(1);
  });
});

describe('escapeXml', () => {
  it('replaces the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;',
    );
  });
});
