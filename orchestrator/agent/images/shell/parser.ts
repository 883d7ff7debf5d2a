/**
 * The built-in `sh`'s parser: a POSIX shell subset (the part busybox ash users type in containers). Simple
 * commands with assignments and redirections, pipelines, `&&`/`||`, `;`/`&`/newlines, `( )`, `{ }`, `if`,
 * `while`/`until`, `for`, single/double quotes, backslashes, `$VAR`/`${VAR...}`, `$(...)` and backquotes.
 */

/** A piece of a word. `quoted` parts are not field-split or globbed after expansion. */
export type WordPart =
  | { kind: 'text'; text: string; quoted: boolean }
  | { kind: 'param'; name: string; op?: string; arg?: Word; quoted: boolean }
  | { kind: 'command'; script: Script; quoted: boolean }
  | { kind: 'arith'; expression: string; quoted: boolean };

export type Word = WordPart[];

export interface Redirect {
  fd: number;
  op: '>' | '>>' | '<' | '>&' | '<&';
  target: Word;
}

export interface SimpleCommand {
  type: 'simple';
  assigns: { name: string; value: Word }[];
  words: Word[];
  redirects: Redirect[];
}

export interface CompoundBase {
  redirects: Redirect[];
}
export interface Subshell extends CompoundBase {
  type: 'subshell';
  body: Script;
}
export interface Group extends CompoundBase {
  type: 'group';
  body: Script;
}
export interface IfCommand extends CompoundBase {
  type: 'if';
  clauses: { condition: Script; body: Script }[];
  otherwise?: Script;
}
export interface LoopCommand extends CompoundBase {
  type: 'while';
  until: boolean;
  condition: Script;
  body: Script;
}
export interface ForCommand extends CompoundBase {
  type: 'for';
  name: string;
  items?: Word[];
  body: Script;
}

export type Command = SimpleCommand | Subshell | Group | IfCommand | LoopCommand | ForCommand;

export interface Pipeline {
  negate: boolean;
  commands: Command[];
}

export interface AndOr {
  first: Pipeline;
  rest: { op: '&&' | '||'; pipeline: Pipeline }[];
}

/** A list of and-or lists, each run in the foreground or (`&`) in the background. */
export interface Script {
  items: { command: AndOr; background: boolean }[];
}

/** A syntax error, with busybox ash's wording. */
export class ShellSyntaxError extends Error {
  override name = 'ShellSyntaxError';
  /** True when more input could complete the script (an open quote, an `if` without `fi`). */
  constructor(
    message: string,
    readonly incomplete = false,
  ) {
    super(message);
  }
}

type Token =
  | { type: 'word'; word: Word; raw: string }
  | { type: 'op'; op: string }
  | { type: 'newline' }
  | { type: 'eof' };

const operators = ['&&', '||', ';;', '>>', '>&', '<&', '>|', ';', '&', '|', '(', ')', '<', '>'];
const nameRe = /^[A-Za-z_][A-Za-z0-9_]*$/;

class Lexer {
  private pos = 0;
  constructor(private readonly src: string) {}

  private peekChar(offset = 0): string {
    return this.src[this.pos + offset] ?? '';
  }

  next(): Token {
    // Blanks, line continuations and comments.
    for (;;) {
      const c = this.peekChar();
      if (c === ' ' || c === '\t' || c === '\r') this.pos++;
      else if (c === '\\' && this.peekChar(1) === '\n') this.pos += 2;
      else if (c === '#') {
        while (this.pos < this.src.length && this.peekChar() !== '\n') this.pos++;
      } else break;
    }
    if (this.pos >= this.src.length) return { type: 'eof' };
    const c = this.peekChar();
    if (c === '\n') {
      this.pos++;
      return { type: 'newline' };
    }
    for (const op of operators) {
      if (this.src.startsWith(op, this.pos)) {
        this.pos += op.length;
        return { type: 'op', op };
      }
    }
    return this.word();
  }

  private word(): Token {
    const start = this.pos;
    const parts: Word = [];
    const text = (t: string, quoted: boolean) => {
      const last = parts[parts.length - 1];
      if (last && last.kind === 'text' && last.quoted === quoted) last.text += t;
      else parts.push({ kind: 'text', text: t, quoted });
    };
    while (this.pos < this.src.length) {
      const c = this.peekChar();
      if (' \t\r\n;&|()<>'.includes(c)) break;
      if (c === "'") {
        const end = this.src.indexOf("'", this.pos + 1);
        if (end < 0) throw new ShellSyntaxError('syntax error: unterminated quoted string', true);
        text(this.src.slice(this.pos + 1, end), true);
        this.pos = end + 1;
      } else if (c === '"') {
        this.pos++;
        this.doubleQuoted(parts, text);
      } else if (c === '\\') {
        if (this.pos + 1 >= this.src.length) {
          this.pos++;
          text('\\', false);
        } else {
          text(this.peekChar(1), true);
          this.pos += 2;
        }
      } else if (c === '$' || c === '`') {
        const part = this.dollar(false);
        if (part) parts.push(part);
        else {
          text('$', false);
          this.pos++;
        }
      } else {
        text(c, false);
        this.pos++;
      }
    }
    return { type: 'word', word: parts, raw: this.src.slice(start, this.pos) };
  }

  private doubleQuoted(parts: Word, text: (t: string, quoted: boolean) => void): void {
    let any = false;
    for (;;) {
      if (this.pos >= this.src.length)
        throw new ShellSyntaxError('syntax error: unterminated quoted string', true);
      const c = this.peekChar();
      if (c === '"') {
        this.pos++;
        if (!any) text('', true);
        return;
      }
      any = true;
      if (c === '\\' && '$`"\\\n'.includes(this.peekChar(1))) {
        if (this.peekChar(1) !== '\n') text(this.peekChar(1), true);
        this.pos += 2;
      } else if (c === '$' || c === '`') {
        const part = this.dollar(true);
        if (part) parts.push(part);
        else {
          text('$', true);
          this.pos++;
        }
      } else {
        text(c, true);
        this.pos++;
      }
    }
  }

  /** `$name`, `${...}`, `$(...)` or a backquoted command at `pos`; undefined for a lone `$`. */
  private dollar(quoted: boolean): WordPart | undefined {
    if (this.peekChar() === '`') {
      let end = this.pos + 1;
      let body = '';
      while (end < this.src.length && this.src[end] !== '`') {
        if (this.src[end] === '\\' && '$`\\'.includes(this.src[end + 1] ?? '')) {
          body += this.src[end + 1];
          end += 2;
        } else body += this.src[end++];
      }
      if (end >= this.src.length)
        throw new ShellSyntaxError('syntax error: unterminated quoted string', true);
      this.pos = end + 1;
      return { kind: 'command', script: parseScript(body), quoted };
    }
    const next = this.peekChar(1);
    if (next === '(' && this.peekChar(2) === '(') {
      const end = this.src.indexOf('))', this.pos + 3);
      if (end < 0) throw new ShellSyntaxError('syntax error: missing ))', true);
      const expression = this.src.slice(this.pos + 3, end);
      this.pos = end + 2;
      return { kind: 'arith', expression, quoted };
    }
    if (next === '(') {
      const end = this.matchingParen(this.pos + 2);
      const body = this.src.slice(this.pos + 2, end);
      this.pos = end + 1;
      return { kind: 'command', script: parseScript(body), quoted };
    }
    if (next === '{') {
      const end = this.src.indexOf('}', this.pos + 2);
      if (end < 0) throw new ShellSyntaxError('syntax error: missing }', true);
      const inner = this.src.slice(this.pos + 2, end);
      this.pos = end + 1;
      const found = /^(#?)([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[?$#@*!])(?:(:?[-=+?])([\s\S]*))?$/.exec(inner);
      if (!found || (found[1] && found[3])) throw new ShellSyntaxError(`syntax error: bad substitution`);
      if (found[1]) return { kind: 'param', name: found[2], op: '#', quoted };
      const arg = found[3] ? lexWord(found[4]) : undefined;
      return { kind: 'param', name: found[2], op: found[3], arg, quoted };
    }
    const special = /^[?$#@*!0-9]/.exec(next);
    if (special) {
      this.pos += 2;
      return { kind: 'param', name: next, quoted };
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos + 1));
    if (!name) return undefined;
    this.pos += 1 + name[0].length;
    return { kind: 'param', name: name[0], quoted };
  }

  private matchingParen(from: number): number {
    let depth = 1;
    let i = from;
    while (i < this.src.length) {
      const c = this.src[i];
      if (c === "'") {
        const end = this.src.indexOf("'", i + 1);
        if (end < 0) break;
        i = end + 1;
        continue;
      }
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return i;
      i++;
    }
    throw new ShellSyntaxError('syntax error: unterminated $(', true);
  }
}

/** Lexes text as the inside of a double-quoted word would be, for `${VAR:-default words}`. */
function lexWord(text: string): Word {
  const token = new Lexer(`"${text.replace(/(["\\])/g, '\\$1')}"`).next();
  if (token.type !== 'word') return [];
  return token.word.map((part) => ({ ...part, quoted: false }) as WordPart);
}

/** The literal text of a word if it has no quoting or expansion (for reserved words and names). */
function plainText(word: Word): string | undefined {
  if (word.length !== 1) return word.length === 0 ? '' : undefined;
  const part = word[0];
  return part.kind === 'text' && !part.quoted ? part.text : undefined;
}

class Parser {
  private readonly lexer: Lexer;
  private token: Token;

  constructor(src: string) {
    this.lexer = new Lexer(src);
    this.token = this.lexer.next();
  }

  private advance(): Token {
    const current = this.token;
    this.token = this.lexer.next();
    return current;
  }

  private isReserved(word: string): boolean {
    return this.token.type === 'word' && plainText(this.token.word) === word;
  }

  /** The current token's type (a method, so narrowing does not outlive the calls that advance). */
  private tokenType(): Token['type'] {
    return this.token.type;
  }

  private isOp(op: string): boolean {
    return this.token.type === 'op' && this.token.op === op;
  }

  private describe(): string {
    const t = this.token;
    if (t.type === 'eof') return 'end of file';
    if (t.type === 'newline') return 'newline';
    if (t.type === 'op') return `"${t.op}"`;
    return `"${t.raw}"`;
  }

  private unexpected(): ShellSyntaxError {
    return new ShellSyntaxError(`syntax error: unexpected ${this.describe()}`, this.token.type === 'eof');
  }

  private skipNewlines(): void {
    while (this.token.type === 'newline') this.advance();
  }

  parseProgram(): Script {
    const script = this.list([]);
    if (this.token.type !== 'eof') throw this.unexpected();
    return script;
  }

  /** A list of and-or lists, stopping before any of the `terminators` reserved words or `)`. */
  private list(terminators: string[]): Script {
    const items: Script['items'] = [];
    for (;;) {
      this.skipNewlines();
      if (this.token.type === 'eof' || this.isOp(')') || terminators.some((t) => this.isReserved(t))) break;
      const command = this.andOr();
      let background = false;
      if (this.isOp('&')) {
        background = true;
        this.advance();
      } else if (this.isOp(';')) this.advance();
      else if (this.tokenType() === 'newline') this.advance();
      else if (
        !(this.tokenType() === 'eof' || this.isOp(')') || terminators.some((t) => this.isReserved(t)))
      ) {
        throw this.unexpected();
      }
      items.push({ command, background });
    }
    return { items };
  }

  private andOr(): AndOr {
    const first = this.pipeline();
    const rest: AndOr['rest'] = [];
    while (this.isOp('&&') || this.isOp('||')) {
      const op = (this.advance() as { op: '&&' | '||' }).op;
      this.skipNewlines();
      rest.push({ op, pipeline: this.pipeline() });
    }
    return { first, rest };
  }

  private pipeline(): Pipeline {
    let negate = false;
    if (this.isReserved('!')) {
      negate = true;
      this.advance();
    }
    const commands = [this.command()];
    while (this.isOp('|')) {
      this.advance();
      this.skipNewlines();
      commands.push(this.command());
    }
    return { negate, commands };
  }

  private expectReserved(word: string): void {
    if (!this.isReserved(word)) throw this.unexpected();
    this.advance();
  }

  private command(): Command {
    let command: Command;
    if (this.isOp('(')) {
      this.advance();
      const body = this.list([]);
      if (!this.isOp(')')) throw this.unexpected();
      this.advance();
      command = { type: 'subshell', body, redirects: [] };
    } else if (this.isReserved('{')) {
      this.advance();
      const body = this.list(['}']);
      this.expectReserved('}');
      command = { type: 'group', body, redirects: [] };
    } else if (this.isReserved('if')) {
      command = this.ifCommand();
    } else if (this.isReserved('while') || this.isReserved('until')) {
      const until = this.isReserved('until');
      this.advance();
      const condition = this.list(['do']);
      this.expectReserved('do');
      const body = this.list(['done']);
      this.expectReserved('done');
      command = { type: 'while', until, condition, body, redirects: [] };
    } else if (this.isReserved('for')) {
      command = this.forCommand();
    } else {
      return this.simple();
    }
    while (this.redirectAhead()) command.redirects.push(this.redirect());
    return command;
  }

  private ifCommand(): IfCommand {
    this.advance();
    const clauses: IfCommand['clauses'] = [];
    let otherwise: Script | undefined;
    for (;;) {
      const condition = this.list(['then']);
      this.expectReserved('then');
      const body = this.list(['elif', 'else', 'fi']);
      clauses.push({ condition, body });
      if (this.isReserved('elif')) {
        this.advance();
        continue;
      }
      if (this.isReserved('else')) {
        this.advance();
        otherwise = this.list(['fi']);
      }
      this.expectReserved('fi');
      return { type: 'if', clauses, otherwise, redirects: [] };
    }
  }

  private forCommand(): ForCommand {
    this.advance();
    const nameToken = this.advance();
    const name = nameToken.type === 'word' ? plainText(nameToken.word) : undefined;
    if (!name || !nameRe.test(name)) throw new ShellSyntaxError(`syntax error: bad for loop variable`);
    let items: Word[] | undefined;
    this.skipNewlines();
    if (this.isReserved('in')) {
      this.advance();
      items = [];
      while (this.token.type === 'word') items.push((this.advance() as { word: Word }).word);
      if (this.isOp(';') || this.token.type === 'newline') this.advance();
    } else if (this.isOp(';')) this.advance();
    this.skipNewlines();
    this.expectReserved('do');
    const body = this.list(['done']);
    this.expectReserved('done');
    return { type: 'for', name, items, body, redirects: [] };
  }

  private redirectAhead(): boolean {
    if (this.token.type === 'op') return ['>', '>>', '<', '>&', '<&', '>|'].includes(this.token.op);
    return false;
  }

  private redirect(fd?: number): Redirect {
    const op = (this.advance() as { op: string }).op;
    const target = this.advance();
    if (target.type !== 'word') throw this.unexpected();
    const normalized = (op === '>|' ? '>' : op) as Redirect['op'];
    return { fd: fd ?? (normalized.startsWith('<') ? 0 : 1), op: normalized, target: target.word };
  }

  private simple(): SimpleCommand {
    const command: SimpleCommand = { type: 'simple', assigns: [], words: [], redirects: [] };
    for (;;) {
      if (this.redirectAhead()) {
        command.redirects.push(this.redirect());
        continue;
      }
      if (this.token.type !== 'word') break;
      if (command.words.length === 0 && command.assigns.length === 0 && reservedStart(this.token.word)) {
        throw this.unexpected();
      }
      const token = this.token;
      const raw = token.raw;
      // An IO number: digits directly followed by a redirection operator.
      if (/^\d$/.test(raw)) {
        this.advance();
        if (this.redirectAhead()) {
          command.redirects.push(this.redirect(Number(raw)));
          continue;
        }
        command.words.push(token.word);
        continue;
      }
      const assign = command.words.length === 0 ? assignment(token.word) : undefined;
      this.advance();
      if (assign) command.assigns.push(assign);
      else command.words.push(token.word);
    }
    if (command.words.length === 0 && command.assigns.length === 0 && command.redirects.length === 0) {
      throw this.unexpected();
    }
    return command;
  }
}

function reservedStart(word: Word): boolean {
  const text = plainText(word);
  return text !== undefined && ['then', 'else', 'elif', 'fi', 'do', 'done', '}'].includes(text);
}

/** `NAME=value` at the start of a simple command. */
function assignment(word: Word): { name: string; value: Word } | undefined {
  const first = word[0];
  if (first?.kind !== 'text' || first.quoted) return undefined;
  const eq = first.text.indexOf('=');
  if (eq <= 0 || !nameRe.test(first.text.slice(0, eq))) return undefined;
  const value: Word = [];
  const rest = first.text.slice(eq + 1);
  if (rest) value.push({ kind: 'text', text: rest, quoted: false });
  value.push(...word.slice(1));
  return { name: first.text.slice(0, eq), value };
}

/** Parses a whole script. Throws ShellSyntaxError. */
export function parseScript(source: string): Script {
  return new Parser(source).parseProgram();
}
