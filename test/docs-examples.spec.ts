import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DocsChecker,
  describeFailure,
  jsdocSnippets,
  markdownFiles,
  markdownSnippets,
  type CheckReport,
  type Snippet,
} from './support/docs-examples.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const documents = markdownFiles(root);

// Broken on purpose, and fed through the same Program as the real docs: if the checker stopped
// checking, these would pass too.
const CANARY_MARKDOWN = [
  '# canary',
  '```ts',
  "import { AuthModule, JwtBackend } from 'nestjs-gatehouse';",
  'const secret = process.env.JWT_SECRET!;',
  'AuthModule.forRooot({ backends: [JwtBackend] });', // line 5: no such method
  '```',
  '```ts continues',
  "AuthModule.forRoot({ backends: [JwtBackend], jwt: { algorithms: ['HS256'], secret } });",
  '```',
  '```ts',
  'console.log(secret);', // line 11: not a continuation, so `secret` is unknown
  '```',
  '```typescript',
  "import { JwtSettings } from 'nestjs-gatehouse';", // line 14: not exported
  "import { Clock } from 'nestjs-gatehouse/src/core/clock.js';", // line 15: not an export path
  "import { SystemClock } from '../src/core/clock.js';", // line 16: a file, not a package
  'export type Unused = [JwtSettings, Clock, SystemClock];',
  '```',
].join('\n');

const CANARY_SOURCE = [
  '/**',
  ' * A fake export.',
  ' *',
  ' * @example',
  ' * const clock = new FakeClock(0);', // line 5: the prelude provides FakeClock
  ' * clock.rewind(1000);', // line 6: no such method
  ' *',
  ' * @example',
  ' * @returns nothing', // an empty example
  ' *',
  ' * @example',
  ' * @Injectable()',
  ' * export class Canary {',
  ' *   @unknownDecorator() field = 1;', // line 14: not a JSDoc tag, so it is compiled
  ' * }',
  ' */',
  'export const canary = 1;',
].join('\n');

describe('docs that cannot drift: code in README.md, docs/ and JSDoc typechecks', () => {
  const checker = new DocsChecker(root);
  const blocks = documents.flatMap((file) =>
    markdownSnippets(file, readFileSync(join(root, file), 'utf8')),
  );
  const canaries = [
    ...markdownSnippets('canary.md', CANARY_MARKDOWN),
    ...jsdocSnippets('src/canary.ts', CANARY_SOURCE),
  ];
  let examples: Snippet[] = [];
  let report: CheckReport;

  beforeAll(() => {
    examples = checker.jsdocExamples();
    report = checker.check([...blocks, ...examples, ...canaries]);
  });

  const failuresOf = (source: string) =>
    report.failures.filter((f) => f.snippet.source === source).map(describeFailure);

  // How long the one compile takes is not asserted here (timed tests flake on a loaded machine);
  // it is a few seconds, and reported by vitest.
  it('compiles with no setup error', () => {
    expect(report.setupErrors).toEqual([]);
  });

  it('checks blocks from README.md, from docs/ and from JSDoc', () => {
    const count = (pick: (s: Snippet) => boolean) => report.checked.filter(pick).length;
    expect(count((s) => s.source === 'README.md')).toBeGreaterThan(0);
    expect(count((s) => s.source.startsWith('docs/'))).toBeGreaterThan(0);
    expect(count((s) => s.kind === 'jsdoc' && s.source !== 'src/canary.ts')).toBeGreaterThan(0);
    // The entry points themselves are scanned, and so is what they re-export.
    expect(checker.exportingFiles()).toEqual(
      expect.arrayContaining(['src/index.ts', 'src/testing.ts', 'src/module/auth.module.ts']),
    );
  });

  it.each(documents)('every ts block of %s typechecks', (file) => {
    expect(failuresOf(file)).toEqual([]);
  });

  it('every JSDoc @example of the files the public entries export typechecks', () => {
    const failures = examples.flatMap((example) =>
      report.failures.filter((f) => f.snippet === example).map(describeFailure),
    );
    expect(failures).toEqual([]);
  });

  it('reports a broken markdown block with its file, line and diagnostic', () => {
    const failures = failuresOf('canary.md');
    expect(failures).toEqual([
      expect.stringMatching(/^canary\.md:5 \(block at line 3\): TS2551: .*'forRooot'/),
      expect.stringMatching(/^canary\.md:11 \(block at line 11\): TS2304: .*'secret'/),
      expect.stringMatching(/^canary\.md:14 \(block at line 14\): TS2305: .*'JwtSettings'/),
      expect.stringMatching(/^canary\.md:15 \(block at line 14\): TS2307: .*src\/core\/clock/),
      expect.stringMatching(
        /^canary\.md:16 \(block at line 14\): imports '\.\.\/src\/core\/clock\.js'/,
      ),
    ]);
  });

  it('reports a broken JSDoc example, and an empty one', () => {
    expect(failuresOf('src/canary.ts')).toEqual([
      expect.stringMatching(/^src\/canary\.ts:6 \(example at line 5\): TS2339: .*'rewind'/),
      'src/canary.ts:8 (example at line 8): empty @example',
      expect.stringMatching(
        /^src\/canary\.ts:14 \(example at line 12\): TS2304: .*'unknownDecorator'/,
      ),
    ]);
  });
});
