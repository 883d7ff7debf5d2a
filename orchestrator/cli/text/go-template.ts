// A reimplementation of the subset of Go's text/template that docker's --format uses: actions, pipelines,
// fields, variables, if/else/range/with/break/continue, the builtin functions and Go's printing rules.
import { formatFloatV, goQuote } from './units.js';

/** A template function: receives evaluated arguments, returns a value (throw to fail the execution). */
export type TemplateFunc = (...args: unknown[]) => unknown;
export type FuncMap = Record<string, TemplateFunc>;

/** Marks a value as a Go struct: field lookups that miss raise Go's "can't evaluate field" error. */
export const goTypeName: unique symbol = Symbol('goTypeName');
/** A struct's embedded value whose fields are promoted (as Go's embedded structs). */
export const goEmbedded: unique symbol = Symbol('goEmbedded');

/** A struct's fields renamed by their JSON tag (Go name -> JSON key). */
export const goJsonNames: unique symbol = Symbol('goJsonNames');

/** A struct's fields tagged `json:",omitempty"` (name -> is a pointer): left out of its JSON when empty. */
export const goOmitEmpty: unique symbol = Symbol('goOmitEmpty');

/**
 * A typed Go nil: a nil pointer ("*swarm.UpdateStatus"), map ("map[string]string") or slice ("[]string").
 * Prints as Go does (<nil>, map[], []), is false, encodes as null; a field of a nil pointer is an error.
 */
export class GoNil {
  constructor(readonly type: string) {}
  get kind(): 'pointer' | 'map' | 'slice' | 'interface' {
    if (this.type.startsWith('*')) return 'pointer';
    if (this.type.startsWith('map[')) return 'map';
    if (this.type.startsWith('[]')) return 'slice';
    return 'interface';
  }
}

/** A value whose Go zero-ness is not visible to JavaScript (a time.Duration object holding 0). */
export interface GoZeroable {
  goIsZero(): boolean;
}

function isGoZeroable(value: unknown): value is GoZeroable {
  return typeof (value as GoZeroable | null)?.goIsZero === 'function';
}

/** A value printed by Go's fmt through a String() method (time.Duration, time.Time, ...). */
export interface GoStringer {
  goString(): string;
}

/** A Go float64: printed with %v rules even when it holds an integer value (1 -> "1", 1e6 -> "1e+06"). */
export class GoFloat implements GoStringer {
  constructor(readonly value: number) {}
  goString(): string {
    return formatFloatV(this.value);
  }
  toJSON(): number {
    return this.value;
  }
}

/** A parse or execution error, worded as Go's ("template: name:1: ..."). */
export class TemplateError extends Error {}

// ---------------------------------------------------------------------------------------------------------
// Lexing and parsing

type Token =
  | { kind: 'field'; names: string[]; pos: number }
  | { kind: 'dot'; pos: number }
  | { kind: 'variable'; name: string; fields: string[]; pos: number }
  | { kind: 'ident'; name: string; pos: number }
  | { kind: 'string'; value: string; text: string; pos: number }
  | { kind: 'number'; value: number; isFloat: boolean; text: string; pos: number }
  | { kind: 'bool'; value: boolean; pos: number }
  | { kind: 'nil'; pos: number }
  | { kind: 'pipe' | 'lparen' | 'declare' | 'assign' | 'comma'; pos: number }
  | { kind: 'rparen'; fields: string[]; pos: number }
  | { kind: 'space'; pos: number };

type Arg =
  | { type: 'field'; names: string[]; pos: number }
  | { type: 'dot'; pos: number }
  | { type: 'variable'; name: string; fields: string[]; pos: number }
  | { type: 'ident'; name: string; pos: number }
  | { type: 'literal'; value: unknown; text: string; pos: number }
  | { type: 'nil'; pos: number }
  | { type: 'pipeline'; pipe: Pipeline; fields: string[]; pos: number };

interface Command {
  args: Arg[];
  pos: number;
}

interface Pipeline {
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
  pos: number;
}

type Node =
  | { type: 'text'; text: string }
  | { type: 'action'; pipe: Pipeline; pos: number }
  | { type: 'if' | 'with'; pipe: Pipeline; list: Node[]; elseList: Node[] | undefined; pos: number }
  | { type: 'range'; pipe: Pipeline; list: Node[]; elseList: Node[] | undefined; pos: number }
  | { type: 'break' | 'continue'; pos: number }
  | { type: 'template'; name: string; pipe: Pipeline | undefined; pos: number };

const keywords = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  'continue',
]);

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function unquoteGo(text: string, fail: (msg: string) => never): string {
  const body = text.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[++i];
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
      '\\': '\\',
      '"': '"',
      "'": "'",
    };
    if (next !== undefined && next in simple) out += simple[next];
    else if (next === 'x') {
      out += String.fromCharCode(Number.parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (next === 'u' || next === 'U') {
      const len = next === 'u' ? 4 : 8;
      out += String.fromCodePoint(Number.parseInt(body.slice(i + 1, i + 1 + len), 16));
      i += len;
    } else if (next !== undefined && /[0-7]/.test(next)) {
      out += String.fromCharCode(Number.parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else fail(`invalid syntax: ${text}`);
  }
  return out;
}

class Parser {
  private pos = 0;
  private lineBase = 0;
  constructor(
    private readonly source: string,
    private readonly name: string,
    private readonly funcs: FuncMap,
  ) {}

  private line(pos: number): number {
    let line = 1;
    for (let i = 0; i < pos && i < this.source.length; i++) if (this.source[i] === '\n') line++;
    return line;
  }

  fail(message: string, pos = this.lineBase): never {
    throw new TemplateError(`template: ${this.name}:${this.line(pos)}: ${message}`);
  }

  parse(): Node[] {
    const [nodes, end] = this.parseList(true);
    if (end !== 'eof') this.fail(`unexpected {{${end}}}`);
    return nodes;
  }

  /** Parses nodes up to {{end}}, {{else}} or EOF; returns which one stopped it. */
  private parseList(top: boolean): [Node[], 'eof' | 'end' | 'else' | 'else-if' | 'else-with', Pipeline?] {
    const nodes: Node[] = [];
    for (;;) {
      const open = this.source.indexOf('{{', this.pos);
      let text = open < 0 ? this.source.slice(this.pos) : this.source.slice(this.pos, open);
      if (open < 0) {
        if (text) nodes.push({ type: 'text', text });
        this.pos = this.source.length;
        if (!top) this.fail('unexpected EOF', this.source.length);
        return [nodes, 'eof'];
      }
      let cursor = open + 2;
      const trimLeft = this.source[cursor] === '-' && isSpace(this.source[cursor + 1]);
      if (trimLeft) {
        text = text.replace(/[ \t\r\n]+$/, '');
        cursor += 1;
      }
      if (text) nodes.push({ type: 'text', text });
      this.lineBase = open;
      // Comments.
      const afterSpace = trimLeft ? cursor + 1 : cursor;
      if (this.source.startsWith('/*', afterSpace)) {
        const close = this.source.indexOf('*/', afterSpace + 2);
        if (close < 0) this.fail('unclosed comment', open);
        let after = close + 2;
        let trimRight = false;
        if (this.source[after] === ' ' && this.source.startsWith('-}}', after + 1)) {
          trimRight = true;
          after += 1;
        }
        if (!this.source.startsWith(trimRight ? '-}}' : '}}', after))
          this.fail('comment ends before closing delimiter', open);
        this.pos = after + (trimRight ? 3 : 2);
        if (trimRight) this.skipSpaceAfter();
        continue;
      }
      const { tokens, end, trimRight } = this.lexAction(cursor);
      this.pos = end;
      if (trimRight) this.skipSpaceAfter();
      const significant = tokens.filter((t) => t.kind !== 'space');
      const first = significant[0];
      if (!first) this.fail('missing value for command', open);
      if (first.kind === 'ident' && keywords.has(first.name)) {
        const rest = tokens.slice(tokens.indexOf(first) + 1);
        switch (first.name) {
          case 'end':
            if (rest.some((t) => t.kind !== 'space')) this.fail('unexpected tokens after end', open);
            if (top) this.fail('unexpected {{end}}', open);
            return [nodes, 'end'];
          case 'else': {
            const next = rest.find((t) => t.kind !== 'space');
            if (top) this.fail('unexpected {{else}}', open);
            if (next && next.kind === 'ident' && (next.name === 'if' || next.name === 'with')) {
              const pipe = this.parsePipeline(rest.slice(rest.indexOf(next) + 1), next.name, open);
              return [nodes, next.name === 'if' ? 'else-if' : 'else-with', pipe];
            }
            if (next) this.fail(`unexpected ${this.describe(next)} in else`, open);
            return [nodes, 'else'];
          }
          case 'if':
          case 'with':
          case 'range':
            nodes.push(this.parseControl(first.name, this.parsePipeline(rest, first.name, open), open));
            break;
          case 'break':
          case 'continue':
            nodes.push({ type: first.name, pos: first.pos });
            break;
          case 'template': {
            const nameToken = rest.find((t) => t.kind !== 'space');
            if (nameToken?.kind !== 'string') this.fail('unexpected token in template clause', open);
            const after = rest.slice(rest.indexOf(nameToken) + 1);
            const pipe = after.some((t) => t.kind !== 'space')
              ? this.parsePipeline(after, 'template', open)
              : undefined;
            nodes.push({ type: 'template', name: nameToken.value, pipe, pos: first.pos });
            break;
          }
          default:
            this.fail(`{{${first.name}}} is not supported`, open);
        }
        continue;
      }
      nodes.push({ type: 'action', pipe: this.parsePipeline(tokens, 'command', open), pos: first.pos });
    }
  }

  private skipSpaceAfter(): void {
    while (isSpace(this.source[this.pos])) this.pos++;
  }

  private parseControl(kind: 'if' | 'with' | 'range', pipe: Pipeline, pos: number): Node {
    const [list, end, elsePipe] = this.parseList(false);
    let elseList: Node[] | undefined;
    if (end === 'else') {
      const [elseNodes, elseEnd] = this.parseList(false);
      if (elseEnd !== 'end') this.fail('expected end; found else', pos);
      elseList = elseNodes;
    } else if (end === 'else-if' || end === 'else-with') {
      // {{else if x}} is {{else}}{{if x}}...{{end}}{{end}} sharing the final {{end}}.
      elseList = [this.parseControl(end === 'else-if' ? 'if' : 'with', elsePipe!, pos)];
    }
    if (kind === 'range') return { type: 'range', pipe, list, elseList, pos };
    return { type: kind, pipe, list, elseList, pos };
  }

  private describe(token: Token): string {
    switch (token.kind) {
      case 'ident':
        return `<${token.name}>`;
      case 'string':
        return `quoted string`;
      default:
        return `<${token.kind}>`;
    }
  }

  private lexAction(start: number): { tokens: Token[]; end: number; trimRight: boolean } {
    const src = this.source;
    const tokens: Token[] = [];
    let i = start;
    let depth = 0;
    const identChars = /[A-Za-z0-9_]/;
    // Go reports a field chain (.A.B, $x.A, (pipe).A) at the position of its first chained field.
    let positions: number[] = [];
    const readFields = (): string[] => {
      const fields: string[] = [];
      positions = [];
      while (src[i] === '.' && /[A-Za-z_]/.test(src[i + 1] ?? '')) {
        positions.push(i);
        let j = i + 1;
        while (j < src.length && identChars.test(src[j]!)) j++;
        fields.push(src.slice(i + 1, j));
        i = j;
      }
      return fields;
    };
    for (;;) {
      if (i >= src.length) this.fail('unclosed action', start);
      const ch = src[i]!;
      if (ch === '-' && src.startsWith('-}}', i) && isSpace(src[i - 1])) {
        if (depth > 0) this.fail('unclosed left paren', start);
        return { tokens, end: i + 3, trimRight: true };
      }
      if (src.startsWith('}}', i)) {
        if (depth > 0) this.fail('unclosed left paren', start);
        return { tokens, end: i + 2, trimRight: false };
      }
      const pos = i;
      if (isSpace(ch)) {
        if (ch === '\n' && depth === 0) {
          // Go allows newlines inside actions since 1.16; keep lexing.
        }
        while (isSpace(src[i])) i++;
        tokens.push({ kind: 'space', pos });
        continue;
      }
      if (ch === '|') {
        tokens.push({ kind: 'pipe', pos });
        i++;
      } else if (ch === '(') {
        depth++;
        tokens.push({ kind: 'lparen', pos });
        i++;
      } else if (ch === ')') {
        depth--;
        if (depth < 0) this.fail(`unexpected right paren`, start);
        i++;
        tokens.push({ kind: 'rparen', fields: readFields(), pos });
      } else if (ch === ',') {
        tokens.push({ kind: 'comma', pos });
        i++;
      } else if (ch === ':' && src[i + 1] === '=') {
        tokens.push({ kind: 'declare', pos });
        i += 2;
      } else if (ch === '=') {
        tokens.push({ kind: 'assign', pos });
        i++;
      } else if (ch === '"') {
        let j = i + 1;
        while (j < src.length && src[j] !== '"') {
          if (src[j] === '\\') j++;
          if (src[j] === '\n') this.fail('unterminated quoted string', start);
          j++;
        }
        if (j >= src.length) this.fail('unterminated quoted string', start);
        const text = src.slice(i, j + 1);
        tokens.push({ kind: 'string', value: unquoteGo(text, (m) => this.fail(m, start)), text, pos });
        i = j + 1;
      } else if (ch === '`') {
        const j = src.indexOf('`', i + 1);
        if (j < 0) this.fail('unterminated raw quoted string', start);
        const text = src.slice(i, j + 1);
        tokens.push({ kind: 'string', value: src.slice(i + 1, j), text, pos });
        i = j + 1;
      } else if (ch === "'") {
        let j = i + 1;
        if (src[j] === '\\') j++;
        j++;
        while (j < src.length && src[j] !== "'") j++;
        const text = src.slice(i, j + 1);
        const value = unquoteGo(`"${text.slice(1, -1)}"`, (m) => this.fail(m, start));
        tokens.push({ kind: 'number', value: value.codePointAt(0) ?? 0, isFloat: false, text, pos });
        i = j + 1;
      } else if (ch === '.' && !/[0-9]/.test(src[i + 1] ?? '')) {
        const fields = readFields();
        if (fields.length === 0) {
          i++;
          tokens.push({ kind: 'dot', pos });
        } else tokens.push({ kind: 'field', names: fields, pos: positions[1] ?? pos });
      } else if (ch === '$') {
        let j = i + 1;
        while (j < src.length && identChars.test(src[j]!)) j++;
        const name = src.slice(i, j);
        i = j;
        const fields = readFields();
        tokens.push({ kind: 'variable', name, fields, pos: positions[0] ?? pos });
      } else if (/[0-9+\-.]/.test(ch)) {
        const match =
          /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(\d[\d_]*)?\.?\d*([eE][+-]?\d+)?)/.exec(
            src.slice(i),
          );
        const text = match?.[0] ?? '';
        if (!text || text === '+' || text === '-' || text === '.')
          this.fail(`bad number syntax: "${ch}"`, start);
        const clean = text.replaceAll('_', '');
        const isFloat = /[.eE]/.test(clean) && !/^[+-]?0[xX]/.test(clean);
        const value = isFloat ? Number.parseFloat(clean) : Number(clean);
        if (Number.isNaN(value)) this.fail(`bad number syntax: "${text}"`, start);
        tokens.push({ kind: 'number', value, isFloat, text, pos });
        i += text.length;
      } else if (/[A-Za-z_]/.test(ch)) {
        let j = i;
        while (j < src.length && identChars.test(src[j]!)) j++;
        const name = src.slice(i, j);
        i = j;
        if (name === 'true' || name === 'false') tokens.push({ kind: 'bool', value: name === 'true', pos });
        else if (name === 'nil') tokens.push({ kind: 'nil', pos });
        else tokens.push({ kind: 'ident', name, pos });
      } else {
        this.fail(
          `unrecognized character in action: U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} '${ch}'`,
          start,
        );
      }
    }
  }

  private parsePipeline(tokens: Token[], context: string, actionPos: number): Pipeline {
    let toks = tokens.filter((t) => t.kind !== 'space' || true);
    // Declarations: $x := / $x, $y := / $x =
    const decl: string[] = [];
    let isAssign = false;
    const significant = toks.filter((t) => t.kind !== 'space');
    const declIndex = significant.findIndex((t) => t.kind === 'declare' || t.kind === 'assign');
    if (declIndex > 0) {
      const head = significant.slice(0, declIndex);
      const valid =
        (head.length === 1 && head[0]!.kind === 'variable') ||
        (head.length === 3 &&
          head[0]!.kind === 'variable' &&
          head[1]!.kind === 'comma' &&
          head[2]!.kind === 'variable' &&
          context === 'range');
      if (valid && head.every((t) => t.kind !== 'variable' || t.fields.length === 0)) {
        for (const t of head) if (t.kind === 'variable') decl.push(t.name);
        isAssign = significant[declIndex]!.kind === 'assign';
        toks = toks.slice(toks.indexOf(significant[declIndex]!) + 1);
      }
    }
    const pos = toks.find((t) => t.kind !== 'space')?.pos ?? actionPos;
    const cmds = this.parseCommands(toks, actionPos);
    if (cmds.length === 0) this.fail(`missing value for ${context}`, actionPos);
    return { decl, isAssign, cmds, pos };
  }

  private parseCommands(tokens: Token[], actionPos: number): Command[] {
    const cmds: Command[] = [];
    let args: Arg[] = [];
    let cmdPos = -1;
    let i = 0;
    const finish = () => {
      if (args.length === 0) this.fail('missing value for command', actionPos);
      cmds.push({ args, pos: cmdPos });
      args = [];
      cmdPos = -1;
    };
    while (i < tokens.length) {
      const t = tokens[i]!;
      if (t.kind === 'space') {
        i++;
        continue;
      }
      if (t.kind === 'pipe') {
        finish();
        i++;
        continue;
      }
      if (cmdPos < 0) cmdPos = t.pos;
      // An operand must be separated from the previous one by space (Go: "missing space?").
      const prev = tokens[i - 1];
      if (args.length > 0 && prev && prev.kind !== 'space' && prev.kind !== 'lparen') {
        this.fail(`unexpected ${this.describe(t)} in operand`, actionPos);
      }
      switch (t.kind) {
        case 'lparen': {
          let depth = 1;
          let j = i + 1;
          while (j < tokens.length && depth > 0) {
            const k = tokens[j]!.kind;
            if (k === 'lparen') depth++;
            if (k === 'rparen') depth--;
            j++;
          }
          const close = tokens[j - 1] as Extract<Token, { kind: 'rparen' }>;
          const inner = tokens.slice(i + 1, j - 1);
          const pipe = this.parsePipeline(inner, 'parenthesized pipeline', actionPos);
          args.push({ type: 'pipeline', pipe, fields: close.fields, pos: t.pos });
          i = j;
          continue;
        }
        case 'field':
          args.push({ type: 'field', names: t.names, pos: t.pos });
          break;
        case 'dot':
          args.push({ type: 'dot', pos: t.pos });
          break;
        case 'variable':
          args.push({ type: 'variable', name: t.name, fields: t.fields, pos: t.pos });
          break;
        case 'ident':
          if (keywords.has(t.name)) this.fail(`unexpected <${t.name}> in command`, actionPos);
          if (!(t.name in this.funcs) && !(t.name in builtins)) {
            this.fail(`function "${t.name}" not defined`, actionPos);
          }
          args.push({ type: 'ident', name: t.name, pos: t.pos });
          break;
        case 'string':
          args.push({ type: 'literal', value: t.value, text: t.text, pos: t.pos });
          break;
        case 'number':
          args.push({
            type: 'literal',
            value: t.isFloat ? new GoFloat(t.value) : t.value,
            text: t.text,
            pos: t.pos,
          });
          break;
        case 'bool':
          args.push({ type: 'literal', value: t.value, text: String(t.value), pos: t.pos });
          break;
        case 'nil':
          args.push({ type: 'nil', pos: t.pos });
          break;
        default:
          this.fail(`unexpected "${this.source.slice(t.pos, t.pos + 1)}" in operand`, actionPos);
      }
      i++;
    }
    if (args.length > 0) finish();
    return cmds;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Values

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isStruct(value: unknown): value is Record<PropertyKey, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !isPlainObject(value) &&
    !(value instanceof GoNil)
  );
}

/** The Go type name used in error messages. */
export function goTypeOf(value: unknown): string {
  if (value === undefined) return '<nil>';
  if (value === null) return 'interface {}';
  if (value instanceof GoNil) return value.type;
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float64';
  if (value instanceof GoFloat) return 'float64';
  if (Array.isArray(value)) return '[]interface {}';
  if (isStruct(value)) return String((value as Record<symbol, unknown>)[goTypeName] ?? 'struct');
  if (typeof value === 'function') return 'func';
  return 'map[string]interface {}';
}

/** Go's template truth: false, 0, nil, and empty strings, slices and maps are false. */
export function isTrue(value: unknown): boolean {
  if (value === undefined || value === null || value instanceof GoNil) return false;
  if (isGoZeroable(value)) return !value.goIsZero();
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') return value.length > 0;
  if (value instanceof GoFloat) return value.value !== 0;
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return true;
}

function formatNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return value.toFixed(0);
  return formatFloatV(value);
}

/** Go's fmt %v of a value inside a composite (nil prints as <nil>). */
function formatInner(value: unknown): string {
  if (value === undefined || value === null) return '<nil>';
  return formatValue(value);
}

/** Go's fmt %v of a value, as text/template prints it. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (value instanceof GoNil) return value.kind === 'map' ? 'map[]' : value.kind === 'slice' ? '[]' : '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `[${value.map(formatInner).join(' ')}]`;
  if (typeof value === 'object' && typeof (value as GoStringer).goString === 'function') {
    return (value as GoStringer).goString();
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${formatInner(value[k])}`).join(' ')}]`;
  }
  if (isStruct(value)) {
    const embedded = (value as Record<symbol, unknown>)[goEmbedded];
    if (embedded !== undefined) return `{${formatInner(embedded)}}`;
    if ((value as Record<symbol, unknown>)[goOmitEmpty]) {
      // A decoded API struct: its fields in order (Go would print nested pointers as addresses).
      return `{${Object.values(value).map(formatInner).join(' ')}}`;
    }
    return '{}';
  }
  return String(value);
}

/**
 * Go's encoding/json of a value with HTML escaping off, as docker's `json` template function; a value with
 * its own marshalJSON (docker's formatter contexts) is marshalled by Go's json.Marshal, which escapes <, >, &.
 */
export function goJSON(value: unknown): string {
  return encodeJSON(value, false).replace(/[\u2028\u2029]/g, (ch) =>
    ch === '\u2028' ? '\\u2028' : '\\u2029',
  );
}

function escapeHTML(json: string): string {
  return json.replace(/[<>&]/g, (ch) => `\\u00${ch.charCodeAt(0).toString(16)}`);
}

/** Go's isEmptyValue, which decides what `omitempty` leaves out. */
function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null || value instanceof GoNil) return true;
  if (isGoZeroable(value)) return value.goIsZero();
  if (value === false || value === 0 || value === '') return true;
  if (value instanceof GoFloat) return value.value === 0;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.keys(value).length === 0;
  return false;
}

/** The fields of an object as encoding/json writes them: undefined ones and empty `omitempty` ones left out. */
export function goStructEntries(value: object): Array<[string, unknown]> {
  // Pointer fields (true) are left out only when nil: a pointer to false or 0 is not empty.
  const omitEmpty = (value as Record<symbol, ReadonlyMap<string, boolean> | undefined>)[goOmitEmpty];
  const omitted = (k: string, v: unknown) => {
    const pointer = omitEmpty?.get(k);
    return pointer !== undefined && (pointer ? v instanceof GoNil : isEmptyValue(v));
  };
  const names = (value as Record<symbol, ReadonlyMap<string, string> | undefined>)[goJsonNames];
  return Object.entries(value)
    .filter(([k, v]) => v !== undefined && !omitted(k, v))
    .map(([k, v]) => [names?.get(k) ?? k, v]);
}

/** Go's json.Marshal (html: escape <, > and & as it does by default) of a template value. */
export function goMarshal(value: unknown, html: boolean): string {
  return encodeJSON(value, html);
}

function encodeJSON(value: unknown, html: boolean): string {
  if (value === undefined || value === null || value instanceof GoNil) return 'null';
  if (value instanceof GoFloat) return JSON.stringify(value.value);
  if (typeof value !== 'object') {
    const text = JSON.stringify(value) ?? 'null';
    return html ? escapeHTML(text) : text;
  }
  const custom = (value as { marshalJSON?: () => unknown }).marshalJSON;
  if (typeof custom === 'function') return encodeJSON(custom.call(value), true);
  if (Array.isArray(value)) return `[${value.map((v) => encodeJSON(v, html)).join(',')}]`;
  if (typeof (value as GoStringer).goString === 'function' && !isPlainObject(value)) {
    const json = (value as { toJSON?: () => unknown }).toJSON;
    return encodeJSON(typeof json === 'function' ? json.call(value) : (value as GoStringer).goString(), html);
  }
  const fields = goStructEntries(value).map(([k, v]) => `${encodeJSON(k, html)}:${encodeJSON(v, html)}`);
  return `{${fields.join(',')}}`;
}

// ---------------------------------------------------------------------------------------------------------
// Builtin functions

class ExecError extends Error {}

/** Thrown by a template function given an argument of the wrong type ("wrong type for value; ..."). */
export class ArgTypeError extends Error {}

/** Checks that a template function argument is a string, as Go's reflection-based call would. */
export function expectString(value: unknown): string {
  if (typeof value === 'string') return value;
  throw new ArgTypeError(`wrong type for value; expected string; got ${goTypeOf(value)}`);
}

/** Checks that a template function argument is an integer. */
export function expectInt(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw new ArgTypeError(`wrong type for value; expected int; got ${goTypeOf(value)}`);
}

function goLen(value: unknown): number {
  if (value instanceof GoNil && value.kind !== 'pointer' && value.kind !== 'interface') return 0;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (Array.isArray(value)) return value.length;
  if (isPlainObject(value)) return Object.keys(value).length;
  throw new ExecError(`error calling len: len of type ${goTypeOf(value)}`);
}

function toIndex(value: unknown, name: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw new ExecError(`error calling ${name}: cannot index slice/array with type ${goTypeOf(value)}`);
}

function basicKind(value: unknown): string {
  if (value instanceof GoFloat) return 'float';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (value === null || value === undefined || value instanceof GoNil) return 'nil';
  return 'other';
}

function numeric(value: unknown): number {
  return value instanceof GoFloat ? value.value : (value as number);
}

function goEq(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if ((ka === 'int' || ka === 'float') && (kb === 'int' || kb === 'float')) return numeric(a) === numeric(b);
  if (ka === 'nil' || kb === 'nil') return ka === kb;
  if (ka !== kb) throw new ExecError('error calling eq: incompatible types for comparison');
  if (ka === 'other') throw new ExecError('error calling eq: invalid type for comparison');
  return a === b;
}

function goLess(name: string, a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if ((ka === 'int' || ka === 'float') && (kb === 'int' || kb === 'float')) return numeric(a) < numeric(b);
  if (ka === 'string' && kb === 'string') return (a as string) < (b as string);
  if (ka !== kb) throw new ExecError(`error calling ${name}: incompatible types for comparison`);
  throw new ExecError(`error calling ${name}: invalid type for comparison`);
}

function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((arg, i) => {
    const isString = typeof arg === 'string';
    const prevString = i > 0 && typeof args[i - 1] === 'string';
    if (i > 0 && !isString && !prevString) out += ' ';
    out += formatInner(arg);
  });
  return out;
}

/** Go's fmt.Sprintf for the verbs templates use. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argIndex = 0;
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const match = /^%([-+# 0]*)(\d+|\*)?(?:\.(\d+|\*))?([a-zA-Z%])/.exec(format.slice(i));
    if (!match) {
      out += '%!(NOVERB)';
      break;
    }
    i += match[0].length - 1;
    const flags = match[1]!;
    let width = match[2] === '*' ? Number(args[argIndex++]) : match[2] ? Number(match[2]) : undefined;
    const precision = match[3] === '*' ? Number(args[argIndex++]) : match[3] ? Number(match[3]) : undefined;
    const verb = match[4]!;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argIndex++];
    let text: string;
    switch (verb) {
      case 'v':
      case 's':
        text = formatInner(arg);
        if (precision !== undefined) text = [...text].slice(0, precision).join('');
        break;
      case 'q':
        text = typeof arg === 'string' ? goQuote(arg) : formatInner(arg);
        break;
      case 'd':
        text =
          typeof arg === 'number' ? Math.trunc(arg).toString() : `%!d(${goTypeOf(arg)}=${formatInner(arg)})`;
        break;
      case 'f':
      case 'F':
        text = numeric(arg).toFixed(precision ?? 6);
        break;
      case 'g':
        text = formatFloatV(numeric(arg));
        break;
      case 'x':
      case 'X': {
        text =
          typeof arg === 'string' ? Buffer.from(arg).toString('hex') : Math.trunc(numeric(arg)).toString(16);
        if (verb === 'X') text = text.toUpperCase();
        break;
      }
      case 't':
        text = typeof arg === 'boolean' ? String(arg) : `%!t(${goTypeOf(arg)}=${formatInner(arg)})`;
        break;
      case 'c':
        text = String.fromCodePoint(numeric(arg));
        break;
      default:
        text = `%!${verb}(${goTypeOf(arg)}=${formatInner(arg)})`;
    }
    if (width !== undefined && [...text].length < width) {
      const pad = ' '.repeat(width - [...text].length);
      if (flags.includes('-')) text += pad;
      else if (flags.includes('0') && /^[dfFgxX]$/.test(verb)) text = text.padStart(width, '0');
      else text = pad + text;
    }
    width = undefined;
    out += text;
  }
  if (argIndex < args.length) {
    out += `%!(EXTRA ${args
      .slice(argIndex)
      .map((a) => `${goTypeOf(a)}=${formatInner(a)}`)
      .join(', ')})`;
  }
  return out;
}

function htmlEscape(text: string): string {
  return text.replace(/[<>&'"\0]/g, (ch) =>
    ch === '<'
      ? '&lt;'
      : ch === '>'
        ? '&gt;'
        : ch === '&'
          ? '&amp;'
          : ch === "'"
            ? '&#39;'
            : ch === '"'
              ? '&#34;'
              : '\uFFFD',
  );
}

function jsEscape(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === '<') out += '\\u003C';
    else if (ch === '>') out += '\\u003E';
    else if (ch === '&') out += '\\u0026';
    else if (ch === '=') out += '\\u003D';
    else if (code < 0x20) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** The zero value of a map whose values are `values` (a map[string]string gives ""). */
function zeroOfElements(values: unknown[]): unknown {
  if (values.length === 0) return '';
  if (values.every((v) => typeof v === 'string')) return '';
  if (values.every((v) => typeof v === 'number')) return 0;
  if (values.every((v) => typeof v === 'boolean')) return false;
  return null;
}

type Builtin = (args: unknown[]) => unknown;

function arity(name: string, args: unknown[], want: number): void {
  if (args.length !== want)
    throw new ExecError(`wrong number of args for ${name}: want ${want} got ${args.length}`);
}

const builtins: Record<string, Builtin> = {
  and: (args) => args.find((a) => !isTrue(a)) ?? args[args.length - 1],
  or: (args) => args.find((a) => isTrue(a)) ?? args[args.length - 1],
  not: (args) => {
    arity('not', args, 1);
    return !isTrue(args[0]);
  },
  len: (args) => {
    arity('len', args, 1);
    return goLen(args[0]);
  },
  index: (args) => {
    if (args.length < 1) throw new ExecError('wrong number of args for index: want at least 1 got 0');
    let item = args[0];
    for (const key of args.slice(1)) {
      if (Array.isArray(item) || typeof item === 'string') {
        const i = toIndex(key, 'index');
        const length = Array.isArray(item) ? item.length : Buffer.byteLength(item);
        if (i < 0 || i >= length) throw new ExecError(`error calling index: index out of range: ${i}`);
        item = Array.isArray(item) ? item[i] : Buffer.from(item)[i];
      } else if (isPlainObject(item)) {
        // A missing key gives the map's zero value; guess its element type from the other values.
        item = Object.hasOwn(item, String(key)) ? item[String(key)] : zeroOfElements(Object.values(item));
      } else if (item instanceof GoNil && item.kind === 'map') {
        item = undefined;
      } else if (item instanceof GoNil && item.kind === 'slice') {
        throw new ExecError(`error calling index: index out of range: ${toIndex(key, 'index')}`);
      } else if (item === null || item === undefined) {
        throw new ExecError('error calling index: index of untyped nil');
      } else {
        throw new ExecError(`error calling index: can't index item of type ${goTypeOf(item)}`);
      }
    }
    return item;
  },
  slice: (args) => {
    const item = args[0];
    const idx = args.slice(1).map((a) => toIndex(a, 'slice'));
    if (typeof item === 'string') return item.slice(idx[0] ?? 0, idx[1] ?? item.length);
    if (Array.isArray(item)) return item.slice(idx[0] ?? 0, idx[1] ?? item.length);
    throw new ExecError(`error calling slice: can't slice item of type ${goTypeOf(item)}`);
  },
  print: (args) => sprint(args),
  println: (args) => `${args.map(formatInner).join(' ')}\n`,
  printf: (args) => sprintf(String(args[0]), args.slice(1)),
  eq: (args) => {
    if (args.length < 2) throw new ExecError('wrong number of args for eq: want at least 1 got 0');
    return args.slice(1).some((b) => goEq(args[0], b));
  },
  ne: (args) => {
    arity('ne', args, 2);
    return !goEq(args[0], args[1]);
  },
  lt: (args) => {
    arity('lt', args, 2);
    return goLess('lt', args[0], args[1]);
  },
  le: (args) => {
    arity('le', args, 2);
    return goLess('le', args[0], args[1]) || goEq(args[0], args[1]);
  },
  gt: (args) => {
    arity('gt', args, 2);
    return !goLess('gt', args[0], args[1]) && !goEq(args[0], args[1]);
  },
  ge: (args) => {
    arity('ge', args, 2);
    return !goLess('ge', args[0], args[1]);
  },
  html: (args) => htmlEscape(sprint(args)),
  js: (args) => jsEscape(sprint(args)),
  urlquery: (args) =>
    encodeURIComponent(sprint(args))
      .replace(/%20/g, '+')
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  call: (args) => {
    const fn = args[0];
    if (typeof fn !== 'function')
      throw new ExecError(`error calling call: non-function of type ${goTypeOf(fn)}`);
    return fn(...args.slice(1));
  },
};

// ---------------------------------------------------------------------------------------------------------
// Execution

class BreakSignal {}
class ContinueSignal {}

interface ExecOptions {
  funcs: FuncMap;
  missingKey: 'default' | 'error';
}

class Executor {
  private out = '';
  private vars: Array<[string, unknown]> = [];

  constructor(
    private readonly source: string,
    private readonly name: string,
    private readonly options: ExecOptions,
    private readonly templates: Map<string, Node[]>,
  ) {}

  private location(pos: number): string {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < pos; i++) {
      if (this.source[i] === '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    return `${this.name}:${line}:${pos - lineStart}`;
  }

  private fail(pos: number, nodeText: string, message: string): never {
    throw new TemplateError(
      `template: ${this.location(pos)}: executing "${this.name}" at <${nodeText}>: ${message}`,
    );
  }

  run(nodes: Node[], dot: unknown): string {
    this.vars = [['$', dot]];
    this.walkList(nodes, dot);
    return this.out;
  }

  private walkList(nodes: Node[], dot: unknown): void {
    for (const node of nodes) this.walk(node, dot);
  }

  private walk(node: Node, dot: unknown): void {
    switch (node.type) {
      case 'text':
        this.out += node.text;
        return;
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.out += this.printable(value, node.pipe);
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        const value = this.evalPipeline(dot, node.pipe);
        if (isTrue(value)) this.walkList(node.list, node.type === 'with' ? value : dot);
        else if (node.elseList) this.walkList(node.elseList, dot);
        this.vars.length = mark;
        return;
      }
      case 'range':
        this.walkRange(node, dot);
        return;
      case 'break':
        throw new BreakSignal();
      case 'continue':
        throw new ContinueSignal();
      case 'template': {
        const body = this.templates.get(node.name);
        if (!body) this.fail(node.pos, `template "${node.name}"`, `no such template "${node.name}"`);
        const value = node.pipe ? this.evalPipeline(dot, node.pipe) : undefined;
        const saved = this.vars;
        this.vars = [['$', value]];
        this.walkList(body, value);
        this.vars = saved;
        return;
      }
    }
  }

  private printable(value: unknown, pipe: Pipeline): string {
    if (typeof value === 'function') {
      this.fail(pipe.pos, this.pipeText(pipe), `can't print ${'func'} of type func`);
    }
    return formatValue(value);
  }

  private walkRange(node: Extract<Node, { type: 'range' }>, dot: unknown): void {
    const mark = this.vars.length;
    const value = this.evalPipeline(dot, node.pipe);
    this.vars.length = mark;
    const entries: Array<[unknown, unknown]> = [];
    if (Array.isArray(value)) for (const [i, v] of value.entries()) entries.push([i, v]);
    else if (isPlainObject(value)) for (const k of Object.keys(value).sort()) entries.push([k, value[k]]);
    else if (typeof value === 'number' && Number.isInteger(value))
      for (let i = 0; i < value; i++) entries.push([i, i]);
    else if (value === null || (value instanceof GoNil && value.kind !== 'pointer')) {
      // A nil slice or map ranges over nothing.
    } else {
      this.fail(node.pos, this.pipeText(node.pipe), `range can't iterate over ${formatValue(value)}`);
    }
    if (entries.length === 0) {
      if (node.elseList) this.walkList(node.elseList, dot);
      return;
    }
    for (const [key, elem] of entries) {
      const decl = node.pipe.decl;
      if (decl.length === 1) this.vars.push([decl[0]!, elem]);
      else if (decl.length === 2) {
        this.vars.push([decl[0]!, key]);
        this.vars.push([decl[1]!, elem]);
      }
      try {
        this.walkList(node.list, elem);
      } catch (signal) {
        if (signal instanceof BreakSignal) {
          this.vars.length = mark;
          break;
        }
        if (!(signal instanceof ContinueSignal)) throw signal;
      }
      this.vars.length = mark;
    }
  }

  private pipeText(pipe: Pipeline): string {
    return pipe.cmds.map((c) => c.args.map((a) => this.argText(a)).join(' ')).join(' | ');
  }

  private argText(arg: Arg): string {
    switch (arg.type) {
      case 'field':
        return `.${arg.names.join('.')}`;
      case 'dot':
        return '.';
      case 'variable':
        return arg.name + arg.fields.map((f) => `.${f}`).join('');
      case 'ident':
        return arg.name;
      case 'literal':
        return arg.text;
      case 'nil':
        return 'nil';
      case 'pipeline':
        return `(${this.pipeText(arg.pipe)})${arg.fields.map((f) => `.${f}`).join('')}`;
    }
  }

  private evalPipeline(dot: unknown, pipe: Pipeline): unknown {
    let value: unknown;
    let first = true;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, first ? undefined : { value });
      first = false;
    }
    if (pipe.decl.length > 0) {
      if (pipe.isAssign) {
        const name = pipe.decl[0]!;
        const slot = [...this.vars].reverse().find(([n]) => n === name);
        if (!slot) this.fail(pipe.pos, name, `undefined variable: ${name}`);
        slot[1] = value;
      } else {
        for (const name of pipe.decl) this.vars.push([name, value]);
      }
    }
    return value;
  }

  private evalCommand(dot: unknown, cmd: Command, final: { value: unknown } | undefined): unknown {
    const [head, ...rest] = cmd.args as [Arg, ...Arg[]];
    const args = () => rest.map((a) => this.evalArg(dot, a));
    switch (head.type) {
      case 'field':
        return this.evalFields(dot, dot, head.names, head, args(), final);
      case 'variable': {
        const base = this.lookupVar(head.name, head);
        if (head.fields.length === 0) {
          this.noArgs(head, rest, final);
          return base;
        }
        return this.evalFields(dot, base, head.fields, head, args(), final);
      }
      case 'pipeline': {
        const base = this.evalPipeline(dot, head.pipe);
        if (head.fields.length === 0) {
          this.noArgs(head, rest, final);
          return base;
        }
        return this.evalFields(dot, base, head.fields, head, args(), final);
      }
      case 'ident':
        return this.callFunction(
          head,
          rest.map((a) => this.evalArg(dot, a)),
          final,
        );
      case 'dot':
        this.noArgs(head, rest, final);
        return dot;
      case 'nil':
        this.fail(head.pos, 'nil', 'nil is not a command');
        break;
      case 'literal':
        this.noArgs(head, rest, final);
        return head.value;
    }
  }

  private noArgs(head: Arg, rest: Arg[], final: { value: unknown } | undefined): void {
    if (rest.length > 0 || final) {
      this.fail(head.pos, this.argText(head), `can't give argument to non-function ${this.argText(head)}`);
    }
  }

  private evalArg(dot: unknown, arg: Arg): unknown {
    switch (arg.type) {
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'literal':
        return arg.value;
      case 'field':
        return this.evalFields(dot, dot, arg.names, arg, [], undefined);
      case 'variable': {
        const base = this.lookupVar(arg.name, arg);
        return arg.fields.length ? this.evalFields(dot, base, arg.fields, arg, [], undefined) : base;
      }
      case 'pipeline': {
        const mark = this.vars.length;
        const base = this.evalPipeline(dot, arg.pipe);
        this.vars.length = mark;
        return arg.fields.length ? this.evalFields(dot, base, arg.fields, arg, [], undefined) : base;
      }
      case 'ident': {
        return this.callFunction(arg, [], undefined);
      }
    }
  }

  private lookupVar(name: string, arg: Arg): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]![0] === name) return this.vars[i]![1];
    this.fail(arg.pos, name, `undefined variable: ${name}`);
  }

  private callFunction(
    head: Extract<Arg, { type: 'ident' }>,
    args: unknown[],
    final: { value: unknown } | undefined,
  ) {
    if (final) args.push(final.value);
    const custom = this.options.funcs[head.name];
    try {
      if (custom) return custom(...args);
      const builtin = builtins[head.name];
      if (!builtin) this.fail(head.pos, head.name, `"${head.name}" is not a defined function`);
      return builtin(args);
    } catch (err) {
      if (err instanceof TemplateError) throw err;
      const message = (err as Error).message;
      if (err instanceof ExecError || err instanceof ArgTypeError) this.fail(head.pos, head.name, message);
      this.fail(head.pos, head.name, `error calling ${head.name}: ${message}`);
    }
  }

  private evalFields(
    _dot: unknown,
    receiver: unknown,
    names: string[],
    node: Arg,
    args: unknown[],
    final: { value: unknown } | undefined,
  ): unknown {
    let value = receiver;
    const text = this.argText(node);
    names.forEach((name, i) => {
      const last = i === names.length - 1;
      const callArgs = last ? [...args, ...(final ? [final.value] : [])] : [];
      value = this.evalField(value, name, callArgs, node, text);
    });
    return value;
  }

  private evalField(receiver: unknown, name: string, args: unknown[], node: Arg, text: string): unknown {
    const hasArgs = args.length > 0;
    if (receiver === undefined || receiver === null) {
      this.fail(node.pos, text, `nil pointer evaluating ${goTypeOf(receiver)}.${name}`);
    }
    if (receiver instanceof GoNil) {
      if (receiver.kind === 'map') {
        if (hasArgs) this.fail(node.pos, text, `${name} is not a method but has arguments`);
        if (this.options.missingKey === 'error')
          this.fail(node.pos, text, `map has no entry for key "${name}"`);
        return undefined;
      }
      if (receiver.kind === 'pointer')
        this.fail(node.pos, text, `nil pointer evaluating ${receiver.type}.${name}`);
      this.fail(node.pos, text, `can't evaluate field ${name} in type ${receiver.type}`);
    }
    if (isPlainObject(receiver)) {
      if (hasArgs) this.fail(node.pos, text, `${name} is not a method but has arguments`);
      if (Object.hasOwn(receiver, name)) return receiver[name];
      if (this.options.missingKey === 'error')
        this.fail(node.pos, text, `map has no entry for key "${name}"`);
      return undefined;
    }
    if (isStruct(receiver)) {
      const member = (receiver as Record<string, unknown>)[name];
      if (member !== undefined && name in receiver && /^[A-Z]/.test(name)) {
        if (typeof member === 'function') {
          try {
            return member.apply(receiver, args);
          } catch (err) {
            if (err instanceof TemplateError) throw err;
            this.fail(node.pos, text, `error calling ${name}: ${(err as Error).message}`);
          }
        }
        if (hasArgs) this.fail(node.pos, text, `${name} has arguments but cannot be invoked as function`);
        return member;
      }
      const embedded = (receiver as Record<symbol, unknown>)[goEmbedded];
      if (embedded !== undefined && embedded !== null && typeof embedded === 'object') {
        if (isPlainObject(embedded)) {
          if (hasArgs) this.fail(node.pos, text, `${name} is not a method but has arguments`);
          if (Object.hasOwn(embedded, name)) return embedded[name];
          if (this.options.missingKey === 'error')
            this.fail(node.pos, text, `map has no entry for key "${name}"`);
          return undefined;
        }
        if (isStruct(embedded)) return this.evalField(embedded, name, args, node, text);
      }
      if (member === null) return null;
      this.fail(node.pos, text, `can't evaluate field ${name} in type ${goTypeOf(receiver)}`);
    }
    this.fail(node.pos, text, `can't evaluate field ${name} in type ${goTypeOf(receiver)}`);
  }
}

/** The function names every template knows, besides those in the FuncMap. */
export const builtinFunctionNames: readonly string[] = Object.keys(builtins);

/** A parsed Go template. */
export class GoTemplate {
  private constructor(
    private readonly source: string,
    readonly name: string,
    private readonly nodes: Node[],
    private readonly funcs: FuncMap,
  ) {}

  /** Parses `source`; functions not in `funcs` or the builtins are a parse error, as in Go. */
  static parse(source: string, options: { name?: string; funcs?: FuncMap } = {}): GoTemplate {
    const funcs = options.funcs ?? {};
    const name = options.name ?? '';
    const nodes = new Parser(source, name, funcs).parse();
    return new GoTemplate(source, name, nodes, funcs);
  }

  /** Runs the template on `data`. `funcs` may replace functions of the same names (as Go's Funcs). */
  execute(data: unknown, options: { funcs?: FuncMap; missingKey?: 'default' | 'error' } = {}): string {
    const funcs = { ...this.funcs, ...(options.funcs ?? {}) };
    const executor = new Executor(
      this.source,
      this.name,
      { funcs, missingKey: options.missingKey ?? 'default' },
      new Map(),
    );
    return executor.run(this.nodes, data);
  }
}
