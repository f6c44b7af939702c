import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * Typechecks the code in the docs (README.md and docs/**.md blocks, JSDoc `@example`s) against
 * the package's public entry points, with one in-process TypeScript Program, so the docs fail the
 * suite as soon as they stop compiling. The conventions are described in docs/architecture.md
 * ("Docs that cannot drift"):
 *
 * - A markdown ```ts (or ```typescript) block is complete as a user would paste it, with its own
 *   imports, unless its info string says `continues` (```ts continues): then it is compiled after
 *   the previous block of the same file, and sees what that block (and its own predecessors)
 *   declared.
 * - A JSDoc `@example` is a sequence of complete statements or declarations. It is compiled after
 *   a prelude that imports every public name of the public entries, the common Nest decorators,
 *   `NestFactory` and `Test`, and the stand-ins below. Names the example declares itself win.
 * - Both may import the stand-ins for the reader's own application (`./accounts.js`,
 *   `./users.js`, `./app.module.js`, `./sql-api-key.store.js`; see {@link STAND_INS}) and
 *   installed packages, nothing else by a relative path, and nothing of src/ but the public
 *   entries.
 */

/** Where a snippet comes from, and what it is allowed to rely on. */
export type SnippetKind = 'markdown' | 'jsdoc';

/** One code block of a markdown file, or one JSDoc `@example`. */
export interface Snippet {
  /** The file it was taken from, relative to the repository root (`README.md`, `src/…`). */
  readonly source: string;
  /** 1-based line, in `source`, of the snippet's first line of code. */
  readonly line: number;
  readonly code: string;
  readonly kind: SnippetKind;
  /** A markdown block marked `continues`: compiled after the previous block of its file. */
  readonly continues: boolean;
}

/** A problem found in one snippet, located in the file the snippet comes from. */
export interface SnippetFailure {
  readonly snippet: Snippet;
  /** 1-based line in `snippet.source`. */
  readonly line: number;
  readonly message: string;
}

/** What {@link DocsChecker.check} found. */
export interface CheckReport {
  readonly checked: readonly Snippet[];
  readonly failures: readonly SnippetFailure[];
  /** Problems of the check itself (compiler options, global types); they fail every snippet. */
  readonly setupErrors: readonly string[];
}

/** A public entry point: its specifier, the source file it resolves to, and its export names. */
export interface PublicEntry {
  readonly specifier: string;
  readonly file: string;
  readonly names: readonly string[];
}

/** The info-string word that makes a markdown block continue the previous one. */
export const CONTINUES = 'continues';

const CODE_LANGUAGES = new Set(['ts', 'typescript']);

/**
 * The reader's own application, which every snippet may import by these relative paths (JSDoc
 * examples get them through the prelude). Declarations only: their implementation is the reader's.
 */
export const STAND_INS: Readonly<Record<string, string>> = {
  'accounts.ts': [
    "import { Module } from '@nestjs/common';",
    '/** One of your accounts, as your database holds it. */',
    'export interface Account { id: string; name: string; roles: string[]; disabled: boolean }',
    '/** Your account store (an abstract class is a Nest DI token). */',
    'export declare abstract class Accounts {',
    '  findById(id: string): Promise<Account | undefined>;',
    '  /** The account these credentials belong to, or undefined. */',
    '  check(username: string, password: string): Promise<Account | undefined>;',
    '}',
    '/** The module that provides `Accounts`. */',
    '@Module({})',
    'export declare class AccountsModule {}',
  ].join('\n'),
  'users.ts': [
    "import { SimpleUser, UserModel } from 'nestjs-gatehouse';",
    '/** Your `UserModel`, over `Accounts`. */',
    'export declare class Users extends UserModel<SimpleUser> {',
    '  loadUser(identity: string): Promise<SimpleUser | null>;',
    '}',
  ].join('\n'),
  'app.module.ts': ['/** Your root module. */', 'export declare class AppModule {}'].join('\n'),
  'sql-api-key.store.ts': [
    "import { ApiKeyStore } from 'nestjs-gatehouse';",
    '/** Your `ApiKeyStore` over your database (a class, for `useClass`). */',
    'export declare const SqlApiKeyStore: new (...deps: never[]) => ApiKeyStore;',
  ].join('\n'),
};

/** What the JSDoc prelude imports besides the public entries and the stand-ins. */
const NEST_PRELUDE: Readonly<Record<string, readonly string[]>> = {
  '@nestjs/common': [
    'Body',
    'Controller',
    'Delete',
    'ForbiddenException',
    'Get',
    'Headers',
    'HttpCode',
    'Inject',
    'Injectable',
    'Module',
    'Param',
    'Patch',
    'Post',
    'Put',
    'Query',
    'Req',
    'Res',
    'UnauthorizedException',
  ],
  '@nestjs/core': ['NestFactory'],
  '@nestjs/testing': ['Test'],
};

/** The ```ts and ```typescript blocks of a markdown file, indented ones included. */
export function markdownSnippets(source: string, text: string): Snippet[] {
  const lines = text.split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent = '', fence = '', language = '', info = ''] = open;
    let end = i + 1;
    while (end < lines.length && !isClosingFence(lines[end]!, fence)) end++;
    if (CODE_LANGUAGES.has(language.toLowerCase())) {
      const body = lines
        .slice(i + 1, end)
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line.trimStart()));
      snippets.push({
        source,
        line: i + 2,
        code: body.join('\n'),
        kind: 'markdown',
        continues: info.trim().split(/\s+/).includes(CONTINUES),
      });
    }
    i = end;
  }
  return snippets;
}

function isClosingFence(line: string, fence: string): boolean {
  const trimmed = line.trim();
  return trimmed.length >= fence.length && [...trimmed].every((c) => c === fence[0]);
}

/**
 * The JSDoc and TSDoc block tags that end an example. Any other `@` at the start of a line
 * (`@Injectable()`, an SQL parameter) stays in the example and is compiled with it, so nothing
 * an example holds goes unchecked.
 */
const BLOCK_TAG =
  /^\s*@(?:param|returns?|throws|see|remarks|privateRemarks|deprecated|default|defaultValue|example|since|typeParam|template|internal|beta|alpha|experimental|public|override|virtual|sealed|readonly|inheritDoc|label|packageDocumentation|module)\b/;

/**
 * The `@example`s of every JSDoc comment in a source file. An example runs from the line after
 * `@example` (text on that line is a caption) to the next block tag ({@link BLOCK_TAG}) or the end
 * of the comment. A ```ts fence around the example is allowed and dropped.
 */
export function jsdocSnippets(source: string, text: string): Snippet[] {
  const snippets: Snippet[] = [];
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const firstLine = text.slice(0, comment.index).split('\n').length;
    const lines = comment[0]
      .replace(/^\/\*\*/, '')
      .replace(/\*\/$/, '')
      .split('\n')
      .map((line) => line.replace(/^\s*\* ?/, ''));
    for (let i = 0; i < lines.length; i++) {
      if (!/^\s*@example\b/.test(lines[i]!)) continue;
      let start = i + 1;
      let end = start;
      while (end < lines.length && !BLOCK_TAG.test(lines[end]!)) end++;
      while (start < end && lines[start]!.trim() === '') start++;
      let last = end;
      while (last > start && lines[last - 1]!.trim() === '') last--;
      if (last - start >= 2 && /^```/.test(lines[start]!) && /^```\s*$/.test(lines[last - 1]!)) {
        start++;
        last--;
      }
      snippets.push({
        source,
        line: firstLine + (start < last ? start : i),
        code: lines.slice(start, last).join('\n'),
        kind: 'jsdoc',
        continues: false,
      });
      i = end - 1;
    }
  }
  return snippets;
}

/** The markdown files whose blocks are checked: README.md and everything under docs/. */
export function markdownFiles(root: string): string[] {
  const docs = join(root, 'docs');
  const underDocs = existsSync(docs)
    ? readdirSync(docs, { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('.md'))
        .map((name) => join('docs', name).split(sep).join('/'))
        .sort()
    : [];
  return ['README.md', ...underDocs];
}

/** `file:line (… at line N): message`, as the spec prints failures. */
export function describeFailure(failure: SnippetFailure): string {
  const what = failure.snippet.kind === 'jsdoc' ? 'example' : 'block';
  return `${failure.snippet.source}:${failure.line} (${what} at line ${failure.snippet.line}): ${failure.message}`;
}

interface VirtualFile {
  readonly snippet: Snippet;
  readonly fileName: string;
  /** 0-based line of the virtual file where the snippet's own code starts. */
  readonly codeStart: number;
}

/**
 * Compiles snippets as virtual files inside the repository (so package.json's `"type"`, its
 * `exports` with the `gatehouse-source` condition, and node_modules apply as to any file of the
 * package), with tsconfig.json's compiler options.
 */
export class DocsChecker {
  readonly virtualDir: string;
  private readonly options: ts.CompilerOptions;
  private readonly host: ts.CompilerHost;
  private readonly virtual = new Map<string, string>();
  private readonly parsed = new Map<string, ts.SourceFile>();
  private entryProgram: ts.Program | undefined;
  private entries: PublicEntry[] | undefined;

  constructor(readonly root: string) {
    this.virtualDir = join(root, '.docs-examples');
    const configPath = join(root, 'tsconfig.json');
    const config = ts.readConfigFile(configPath, ts.sys.readFile);
    if (config.error) throw new Error(flatten(config.error));
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, {}, configPath);
    this.options = { ...parsed.options, noEmit: true, incremental: false };
    this.host = this.createHost();
    for (const [name, text] of Object.entries(STAND_INS)) {
      this.virtual.set(join(this.virtualDir, name), text);
    }
  }

  /** The package's entry points (from package.json `exports`), resolved as a snippet would. */
  publicEntries(): readonly PublicEntry[] {
    if (this.entries) return this.entries;
    const pkg = JSON.parse(readFileSync(join(this.root, 'package.json'), 'utf8')) as {
      name: string;
      exports: Record<string, unknown>;
    };
    const from = join(this.virtualDir, 'entry.ts');
    const located = Object.keys(pkg.exports)
      .filter((key) => key !== './package.json')
      .map((key) => {
        const specifier = pkg.name + key.slice(1);
        const resolved = ts.resolveModuleName(
          specifier,
          from,
          this.options,
          this.host,
          undefined,
          undefined,
          ts.ModuleKind.ESNext,
        ).resolvedModule;
        if (!resolved) throw new Error(`${specifier} does not resolve from inside the package`);
        return { specifier, file: resolve(resolved.resolvedFileName) };
      });
    this.entryProgram = ts.createProgram(
      located.map((entry) => entry.file),
      this.options,
      this.host,
    );
    const checker = this.entryProgram.getTypeChecker();
    this.entries = located.map((entry) => {
      const module = checker.getSymbolAtLocation(this.entryProgram!.getSourceFile(entry.file)!);
      const names = module ? checker.getExportsOfModule(module).map((s) => s.name) : [];
      return { ...entry, names: names.sort() };
    });
    return this.entries;
  }

  /** The src/ files that declare something a public entry exports, and the entries themselves. */
  exportingFiles(): readonly string[] {
    const entries = this.publicEntries();
    const program = this.entryProgram!;
    const checker = program.getTypeChecker();
    const files = new Set(entries.map((entry) => entry.file));
    for (const entry of entries) {
      const module = checker.getSymbolAtLocation(program.getSourceFile(entry.file)!);
      for (const symbol of module ? checker.getExportsOfModule(module) : []) {
        const target =
          symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        for (const declaration of target.declarations ?? []) {
          files.add(resolve(declaration.getSourceFile().fileName));
        }
      }
    }
    return [...files]
      .filter((file) => file.startsWith(join(this.root, 'src') + sep))
      .map((file) => relative(this.root, file).split(sep).join('/'))
      .sort();
  }

  /** The JSDoc examples of every file that {@link exportingFiles} names. */
  jsdocExamples(): Snippet[] {
    return this.exportingFiles().flatMap((file) =>
      jsdocSnippets(file, readFileSync(join(this.root, file), 'utf8')),
    );
  }

  /** The prelude a JSDoc example is compiled after, minus the names the example declares. */
  prelude(ownNames: ReadonlySet<string>): string[] {
    const lines: string[] = [];
    const taken = new Set(ownNames);
    const importLine = (names: readonly string[], from: string) => {
      const free = names.filter((name) => !taken.has(name));
      free.forEach((name) => taken.add(name));
      if (free.length > 0) lines.push(`import { ${free.join(', ')} } from '${from}';`);
    };
    for (const entry of this.publicEntries()) importLine(entry.names, entry.specifier);
    for (const [from, names] of Object.entries(NEST_PRELUDE)) importLine(names, from);
    for (const [file, text] of Object.entries(STAND_INS)) {
      importLine(exportedNames(text), `./${file.replace(/\.ts$/, '.js')}`);
    }
    return lines;
  }

  /** Typechecks the snippets together, in one Program. */
  check(snippets: readonly Snippet[]): CheckReport {
    this.publicEntries();
    const files: VirtualFile[] = [];
    const failures: SnippetFailure[] = [];
    const chains = new Map<string, string[]>();
    for (const [index, snippet] of snippets.entries()) {
      const fileName = join(
        this.virtualDir,
        `${slug(snippet.source)}-L${snippet.line}-${index}.ts`,
      );
      let head: string[] = [];
      if (snippet.kind === 'jsdoc') {
        head = this.prelude(declaredNames(snippet.code));
        if (snippet.code.trim() === '') {
          failures.push({ snippet, line: snippet.line, message: 'empty @example' });
        }
      } else if (snippet.continues) {
        const previous = chains.get(snippet.source);
        if (previous) head = previous;
        else {
          failures.push({
            snippet,
            line: snippet.line - 1,
            message: `marked \`${CONTINUES}\`, but no \`ts\` block precedes it in this file`,
          });
        }
      }
      if (snippet.kind === 'markdown') chains.set(snippet.source, [...head, snippet.code]);
      const text = [...head, snippet.code].join('\n');
      this.virtual.set(fileName, text);
      files.push({
        snippet,
        fileName,
        codeStart: text.split('\n').length - snippet.code.split('\n').length,
      });
    }

    const program = ts.createProgram(
      files.map((file) => file.fileName),
      this.options,
      this.host,
      this.entryProgram,
    );
    const standIns = Object.keys(STAND_INS).map((name) =>
      program.getSourceFile(join(this.virtualDir, name)),
    );
    const setupErrors = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...standIns.flatMap((file) => (file ? program.getSemanticDiagnostics(file) : [])),
    ].map((diagnostic) =>
      diagnostic.file
        ? `${relative(this.root, diagnostic.file.fileName)}: ${flatten(diagnostic)}`
        : flatten(diagnostic),
    );
    for (const file of files) {
      const sourceFile = program.getSourceFile(file.fileName)!;
      const at = (position: number | undefined): number | undefined => {
        if (position === undefined) return file.snippet.line;
        const line = sourceFile.getLineAndCharacterOfPosition(position).line;
        if (line >= file.codeStart) return file.snippet.line + line - file.codeStart;
        // The prelude belongs to the example; an earlier block of a chain reports for itself.
        return file.snippet.kind === 'jsdoc' ? file.snippet.line : undefined;
      };
      const diagnostics = [
        ...program.getSyntacticDiagnostics(sourceFile),
        ...program.getSemanticDiagnostics(sourceFile),
      ];
      for (const diagnostic of diagnostics) {
        const line = at(diagnostic.start);
        if (line !== undefined) {
          failures.push({ snippet: file.snippet, line, message: flatten(diagnostic) });
        }
      }
      for (const problem of this.importProblems(program, sourceFile)) {
        const line = at(problem.position);
        if (line !== undefined)
          failures.push({ snippet: file.snippet, line, message: problem.message });
      }
    }
    for (const file of files) this.virtual.delete(file.fileName);
    failures.sort((a, b) => a.snippet.source.localeCompare(b.snippet.source) || a.line - b.line);
    return { checked: snippets, failures, setupErrors };
  }

  /** Imports that reach past the public entries: relative files, or src/ modules. */
  private importProblems(
    program: ts.Program,
    sourceFile: ts.SourceFile,
  ): { position: number; message: string }[] {
    const entryFiles = new Set(this.publicEntries().map((entry) => entry.file));
    const standIns = new Set(
      Object.keys(STAND_INS).map((file) => `./${file.replace(/\.ts$/, '.js')}`),
    );
    const src = join(this.root, 'src') + sep;
    const problems: { position: number; message: string }[] = [];
    const visit = (node: ts.Node): void => {
      const literal = moduleSpecifier(node);
      if (literal) {
        const specifier = literal.text;
        if (/^[./]|^file:/.test(specifier) && !standIns.has(specifier)) {
          problems.push({
            position: literal.getStart(sourceFile),
            message: `imports '${specifier}': snippets import packages (the public entries and installed packages) and the stand-ins ${[...standIns].join(', ')}, not files`,
          });
        } else {
          const mode = program.getModeForUsageLocation(sourceFile, literal);
          const resolved = ts.resolveModuleName(
            specifier,
            sourceFile.fileName,
            this.options,
            this.host,
            undefined,
            undefined,
            mode,
          ).resolvedModule;
          const file = resolved && resolve(resolved.resolvedFileName);
          if (file && file.startsWith(src) && !entryFiles.has(file)) {
            problems.push({
              position: literal.getStart(sourceFile),
              message: `imports '${specifier}', which reaches ${relative(this.root, file)}: only the public entries may be imported`,
            });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
    return problems;
  }

  private createHost(): ts.CompilerHost {
    const host = ts.createCompilerHost(this.options, true);
    // As tsc does: JSDoc is parsed only where it affects types, which saves much of the parse time.
    host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
    const { fileExists, readFile, getSourceFile, directoryExists } = host;
    host.getCurrentDirectory = () => this.root;
    host.fileExists = (name) => this.virtual.has(resolve(name)) || fileExists.call(host, name);
    host.readFile = (name) => this.virtual.get(resolve(name)) ?? readFile.call(host, name);
    host.directoryExists = (name) =>
      resolve(name) === this.virtualDir || (directoryExists?.call(host, name) ?? true);
    host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
      const text = this.virtual.get(resolve(name));
      if (text !== undefined) return ts.createSourceFile(name, text, languageVersion, true);
      // Library and package files are parsed once, for every Program of the run.
      const cached = this.parsed.get(name);
      if (cached) return cached;
      const parsed = getSourceFile.call(host, name, languageVersion, onError, shouldCreate);
      if (parsed) this.parsed.set(name, parsed);
      return parsed;
    };
    return host;
  }
}

function moduleSpecifier(node: ts.Node): ts.StringLiteral | undefined {
  const candidate =
    ts.isImportDeclaration(node) || ts.isExportDeclaration(node)
      ? node.moduleSpecifier
      : ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)
        ? node.argument.literal
        : ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword
          ? node.arguments[0]
          : undefined;
  return candidate && ts.isStringLiteral(candidate) ? candidate : undefined;
}

/** The names a snippet declares or imports at its top level. */
function declaredNames(code: string): Set<string> {
  const file = ts.createSourceFile('snippet.ts', code, ts.ScriptTarget.Latest, true);
  const names = new Set<string>();
  const bind = (name: ts.BindingName | undefined): void => {
    if (!name) return;
    if (ts.isIdentifier(name)) names.add(name.text);
    else
      for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
  };
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement)) {
      statement.declarationList.declarations.forEach((d) => bind(d.name));
    } else if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) names.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings))
        bindings.elements.forEach((e) => names.add(e.name.text));
    } else if (
      'name' in statement &&
      statement.name &&
      ts.isIdentifier(statement.name as ts.Node)
    ) {
      names.add((statement.name as ts.Identifier).text);
    }
  }
  return names;
}

function exportedNames(code: string): string[] {
  const file = ts.createSourceFile('stand-in.ts', code, ts.ScriptTarget.Latest, true);
  const exported = file.statements.filter(
    (statement) =>
      ts.canHaveModifiers(statement) &&
      ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword),
  );
  return [...declaredNames(exported.map((statement) => statement.getText(file)).join('\n'))];
}

function slug(source: string): string {
  return source.replace(/[^A-Za-z0-9]+/g, '_');
}

function flatten(diagnostic: ts.Diagnostic): string {
  return `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
}
