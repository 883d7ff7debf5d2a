// A flag set that parses and documents flags as spf13/pflag does (GNU-style long and short flags,
// interspersed arguments, "--" terminator, pflag's error texts and FlagUsagesWrapped layout).
import { formatGoDuration, goQuote, parseGoDuration } from '../text/units.js';

/** One flag's definition. `parse` turns a command-line value into the new stored value. */
export interface FlagDef {
  name: string;
  short?: string;
  /** Type name shown in help ("string", "list", "duration"...); "bool" shows none. */
  type: string;
  usage: string;
  /** The value before parsing. */
  initial?: unknown;
  /** The "(default ...)" text in help; omit for none. */
  defaultText?: string;
  /**
   * Returns the new value from the text and the current value (`given`: the flag was already given in this
   * parse); throws Error(message) when invalid.
   */
  parse: (text: string, current: unknown, given: boolean) => unknown;
  /** The value a flag given without "=value" takes ("true" for bools). */
  noOptDefVal?: string;
  hidden?: boolean;
  shorthandDeprecated?: string;
  deprecated?: string;
  /** docker annotations ("swarm", "version", ...). */
  annotations?: Record<string, string>;
}

/** A flag parse failure, worded as pflag's. */
export class FlagError extends Error {}

/** The flags of one parse: values by flag name and which were given. */
export class FlagValues {
  private readonly values = new Map<string, unknown>();
  private readonly changedNames = new Set<string>();

  constructor(readonly defs: FlagDef[]) {
    for (const def of defs) this.values.set(def.name, def.initial);
  }

  /** The flag's value (its initial value when not given). */
  get<T>(name: string): T {
    if (!this.values.has(name)) throw new Error(`no such flag -${name}`);
    return this.values.get(name) as T;
  }

  /** True when the flag was given on the command line. */
  changed(name: string): boolean {
    return this.changedNames.has(name);
  }

  /** Sets a flag as if given on the command line (used by pflag's Set and tests). */
  set(name: string, text: string): void {
    const def = this.defs.find((d) => d.name === name);
    if (!def) throw new FlagError(`no such flag -${name}`);
    try {
      this.values.set(name, def.parse(text, this.values.get(name), this.changedNames.has(name)));
    } catch (err) {
      const flagName =
        def.short && !def.shorthandDeprecated ? `-${def.short}, --${def.name}` : `--${def.name}`;
      throw new FlagError(
        `invalid argument ${goQuote(text)} for ${goQuote(flagName)} flag: ${(err as Error).message}`,
      );
    }
    this.changedNames.add(name);
  }
}

/** Messages pflag prints while parsing (deprecations), to go to stderr. */
export type FlagNotice = (message: string) => void;

/** Parses `args` against `defs`; returns the positional arguments. Throws FlagError. */
export function parseFlags(
  values: FlagValues,
  args: string[],
  options: { interspersed?: boolean; notice?: FlagNotice } = {},
): string[] {
  const interspersed = options.interspersed ?? true;
  const byName = new Map(values.defs.map((d) => [d.name, d]));
  const byShort = new Map(values.defs.filter((d) => d.short).map((d) => [d.short!, d]));
  const positional: string[] = [];
  const setValue = (def: FlagDef, text: string) => {
    values.set(def.name, text);
    if (def.deprecated) options.notice?.(`Flag --${def.name} has been deprecated, ${def.deprecated}`);
  };
  const rest = [...args];
  while (rest.length > 0) {
    const arg = rest.shift()!;
    if (arg.length < 2 || arg[0] !== '-') {
      if (!interspersed) return [...positional, arg, ...rest];
      positional.push(arg);
      continue;
    }
    if (arg[1] === '-') {
      if (arg.length === 2) return [...positional, ...rest];
      const body = arg.slice(2);
      if (body[0] === '-' || body[0] === '=') throw new FlagError(`bad flag syntax: ${arg}`);
      const eq = body.indexOf('=');
      const name = eq < 0 ? body : body.slice(0, eq);
      const def = byName.get(name);
      if (!def) throw new FlagError(`unknown flag: --${name}`);
      if (eq >= 0) setValue(def, body.slice(eq + 1));
      else if (def.noOptDefVal !== undefined) setValue(def, def.noOptDefVal);
      else if (rest.length > 0) setValue(def, rest.shift()!);
      else throw new FlagError(`flag needs an argument: ${arg}`);
      continue;
    }
    let shorthands = arg.slice(1);
    while (shorthands.length > 0) {
      const c = shorthands[0]!;
      const def = byShort.get(c);
      if (!def) throw new FlagError(`unknown shorthand flag: '${c}' in -${shorthands}`);
      let value: string;
      if (shorthands.length > 2 && shorthands[1] === '=') {
        value = shorthands.slice(2);
        shorthands = '';
      } else if (def.noOptDefVal !== undefined) {
        value = def.noOptDefVal;
        shorthands = shorthands.slice(1);
      } else if (shorthands.length > 1) {
        value = shorthands.slice(1);
        shorthands = '';
      } else if (rest.length > 0) {
        value = rest.shift()!;
        shorthands = '';
      } else {
        throw new FlagError(`flag needs an argument: '${c}' in -${shorthands}`);
      }
      if (def.shorthandDeprecated) {
        options.notice?.(`Flag shorthand -${def.short} has been deprecated, ${def.shorthandDeprecated}`);
      }
      setValue(def, value);
    }
  }
  return positional;
}

// ---------------------------------------------------------------------------------------------------------
// Help text (pflag's FlagUsagesWrapped)

function wrapN(i: number, slop: number, s: string): [string, string] {
  if (i + slop > s.length) return [s, ''];
  const head = s.slice(0, i);
  const w = Math.max(head.lastIndexOf(' '), head.lastIndexOf('\t'), head.lastIndexOf('\n'));
  if (w <= 0) return [s, ''];
  const nl = head.lastIndexOf('\n');
  if (nl > 0 && nl < w) return [s.slice(0, nl), s.slice(nl + 1)];
  return [s.slice(0, w), s.slice(w + 1)];
}

function wrap(indent: number, width: number, s: string): string {
  if (width === 0) return s.replaceAll('\n', `\n${' '.repeat(indent)}`);
  let wrapWidth = width - indent;
  let result = '';
  if (wrapWidth < 24) {
    indent = 16;
    wrapWidth = width - indent;
    result += `\n${' '.repeat(indent)}`;
  }
  if (wrapWidth < 24) return s.replaceAll('\n', result);
  const slop = 5;
  wrapWidth -= slop;
  let [line, remaining] = wrapN(wrapWidth, slop, s);
  result += line.replaceAll('\n', `\n${' '.repeat(indent)}`);
  while (remaining !== '') {
    [line, remaining] = wrapN(wrapWidth, slop, remaining);
    result += `\n${' '.repeat(indent)}${line.replaceAll('\n', `\n${' '.repeat(indent)}`)}`;
  }
  return result;
}

/** The "Options:" block of a help text, wrapped to `columns` (0: no wrapping), flags sorted by name. */
export function flagUsages(defs: FlagDef[], columns: number): string {
  const visible = defs
    .filter((d) => !d.hidden)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines: string[] = [];
  let maxLen = 0;
  for (const def of visible) {
    let line =
      def.short && !def.shorthandDeprecated ? `  -${def.short}, --${def.name}` : `      --${def.name}`;
    let usage = def.usage;
    let varname = def.type === 'bool' ? '' : def.type;
    const quoted = /`([^`]*)`/.exec(usage);
    if (quoted) {
      varname = quoted[1]!;
      usage = usage.replace(quoted[0], varname);
    }
    if (varname) line += ` ${varname}`;
    if (def.noOptDefVal !== undefined) {
      if (def.type === 'string') line += `[="${def.noOptDefVal}"]`;
      else if (def.type === 'bool') {
        if (def.noOptDefVal !== 'true') line += `[=${def.noOptDefVal}]`;
      } else line += `[=${def.noOptDefVal}]`;
    }
    line += '\0';
    maxLen = Math.max(maxLen, line.length);
    line += usage;
    if (def.defaultText !== undefined) line += ` (default ${def.defaultText})`;
    if (def.deprecated) line += ` (DEPRECATED: ${def.deprecated})`;
    lines.push(line);
  }
  let out = '';
  for (const line of lines) {
    const sidx = line.indexOf('\0');
    const spacing = ' '.repeat(maxLen - sidx);
    out += `${line.slice(0, sidx)} ${spacing} ${wrap(maxLen + 2, columns, line.slice(sidx + 1))}\n`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Value parsers with pflag's and Go's strconv error texts

/** Go's strconv.ParseBool. */
export function parseGoBool(text: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  throw new Error(`strconv.ParseBool: parsing ${goQuote(text)}: invalid syntax`);
}

function parseGoInteger(text: string, fn: string, signed: boolean, bits: number): number {
  const syntax = () => new Error(`strconv.${fn}: parsing ${goQuote(text)}: invalid syntax`);
  const range = () => new Error(`strconv.${fn}: parsing ${goQuote(text)}: value out of range`);
  let body = text;
  let negative = false;
  if (signed && (body[0] === '+' || body[0] === '-')) {
    negative = body[0] === '-';
    body = body.slice(1);
  }
  let base = 10;
  if (/^0[xX]/.test(body)) [base, body] = [16, body.slice(2)];
  else if (/^0[bB]/.test(body)) [base, body] = [2, body.slice(2)];
  else if (/^0[oO]/.test(body)) [base, body] = [8, body.slice(2)];
  else if (/^0\d/.test(body)) [base, body] = [8, body.slice(1)];
  body = body.replace(/(?<=[0-9a-fA-F])_(?=[0-9a-fA-F])/g, '');
  const digits = base === 16 ? /^[0-9a-fA-F]+$/ : base === 8 ? /^[0-7]+$/ : base === 2 ? /^[01]+$/ : /^\d+$/;
  if (!digits.test(body)) throw syntax();
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  let value = BigInt(prefix + body);
  if (negative) value = -value;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  if (value > max || value < min) throw range();
  return Number(value);
}

/** Go's strconv.ParseInt(text, 0, 64). */
export function parseGoInt(text: string, bits = 64): number {
  return parseGoInteger(text, 'ParseInt', true, bits);
}

/** Go's strconv.ParseUint(text, 0, bits). */
export function parseGoUint(text: string, bits = 64): number {
  return parseGoInteger(text, 'ParseUint', false, bits);
}

/** Go's strconv.ParseFloat(text, 64). */
export function parseGoFloat(text: string): number {
  const clean = text.replace(/(?<=\d)_(?=\d)/g, '');
  if (/^[+-]?(inf|infinity)$/i.test(clean)) return clean.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(clean)) return Number.NaN;
  if (
    !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(clean) &&
    !/^[+-]?0[xX][0-9a-fA-F.]+([pP][+-]?\d+)?$/.test(clean)
  ) {
    throw new Error(`strconv.ParseFloat: parsing ${goQuote(text)}: invalid syntax`);
  }
  return Number(clean);
}

/** Go's encoding/csv reading of one line, as pflag's string slices split their values. */
export function readCSVLine(text: string): string[] {
  if (text === '') return [];
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0)
          throw new Error(
            `parse error on line 1, column ${text.length + 1}: extraneous or missing " in quoted-field`,
          );
        field += text.slice(i, quote);
        i = quote + 1;
        if (text[i] === '"') {
          field += '"';
          i++;
          continue;
        }
        break;
      }
      if (i < text.length && text[i] !== ',') {
        throw new Error(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
      }
    } else {
      const comma = text.indexOf(',', i);
      field = comma < 0 ? text.slice(i) : text.slice(i, comma);
      if (field.includes('"'))
        throw new Error(
          `parse error on line 1, column ${i + field.indexOf('"') + 1}: bare " in non-quoted-field`,
        );
      i = comma < 0 ? text.length : comma;
    }
    fields.push(field);
    if (i >= text.length) break;
    i++; // skip comma
    if (i >= text.length) {
      fields.push('');
      break;
    }
  }
  return fields;
}

interface Common {
  short?: string;
  hidden?: boolean;
  shorthandDeprecated?: string;
  annotations?: Record<string, string>;
  deprecated?: string;
}

/** A boolean flag (`--flag`, `--flag=false`). */
export function boolFlag(name: string, usage: string, options: Common & { initial?: boolean } = {}): FlagDef {
  const initial = options.initial ?? false;
  return {
    name,
    type: 'bool',
    usage,
    initial,
    defaultText: initial ? 'true' : undefined,
    noOptDefVal: 'true',
    parse: parseGoBool,
    ...options,
  };
}

/** A string flag. */
export function stringFlag(
  name: string,
  usage: string,
  options: Common & { initial?: string } = {},
): FlagDef {
  const initial = options.initial ?? '';
  return {
    name,
    type: 'string',
    usage,
    initial,
    defaultText: initial ? goQuote(initial) : undefined,
    parse: (text) => text,
    ...options,
  };
}

/** An integer flag of a Go type ("int", "int64", "uint", "uint32", "uint64"). */
export function intFlag(
  name: string,
  usage: string,
  options: Common & { initial?: number; goType?: 'int' | 'int64' | 'uint' | 'uint32' | 'uint64' } = {},
): FlagDef {
  const goType = options.goType ?? 'int';
  const initial = options.initial ?? 0;
  const parse =
    goType === 'uint32'
      ? (t: string) => parseGoUint(t, 32)
      : goType.startsWith('uint')
        ? (t: string) => parseGoUint(t, 64)
        : (t: string) => parseGoInt(t, 64);
  const { goType: _omit, ...rest } = options;
  return {
    name,
    type: goType === 'int64' ? 'int' : goType === 'uint64' ? 'uint' : goType,
    usage,
    initial,
    defaultText: initial !== 0 ? String(initial) : undefined,
    parse,
    ...rest,
  };
}

/** A float64 flag. */
export function floatFlag(name: string, usage: string, options: Common & { initial?: number } = {}): FlagDef {
  const initial = options.initial ?? 0;
  return {
    name,
    type: 'float',
    usage,
    initial,
    defaultText: initial !== 0 ? String(initial) : undefined,
    parse: parseGoFloat,
    ...options,
  };
}

/** A Go time.Duration flag; the value is a bigint of nanoseconds. */
export function durationFlag(
  name: string,
  usage: string,
  options: Common & { initial?: bigint } = {},
): FlagDef {
  const initial = options.initial ?? 0n;
  return {
    name,
    type: 'duration',
    usage,
    initial,
    defaultText: initial !== 0n ? formatGoDuration(initial) : undefined,
    parse: (text) => parseGoDuration(text),
    ...options,
  };
}

/** docker's ListOpts: each use appends one value (after an optional validation). */
export function listFlag(
  name: string,
  usage: string,
  options: Common & { validate?: (value: string) => string; type?: string; defaultText?: string } = {},
): FlagDef {
  const { validate, type, ...rest } = options;
  return {
    name,
    type: type ?? 'list',
    usage,
    initial: [],
    parse: (text, current) => [...(current as string[]), validate ? validate(text) : text],
    ...rest,
  };
}

/** pflag's StringSlice: comma-separated values, the first use replacing the default. */
export function stringsFlag(
  name: string,
  usage: string,
  options: Common & { initial?: string[] } = {},
): FlagDef {
  const initial = options.initial ?? [];
  return {
    name,
    type: 'strings',
    usage,
    initial,
    defaultText: initial.length ? `[${initial.join(',')}]` : undefined,
    parse: (text, current, given) => {
      const values = readCSVLine(text);
      return given ? [...(current as string[]), ...values] : values;
    },
    ...options,
  };
}

/** docker's MapOpts: "key=value" pairs (type "map", default "map[]"). */
export function mapFlag(name: string, usage: string, options: Common = {}): FlagDef {
  return {
    name,
    type: 'map',
    usage,
    initial: {},
    defaultText: 'map[]',
    parse: (text, current) => {
      const eq = text.indexOf('=');
      const key = eq < 0 ? text : text.slice(0, eq);
      return { ...(current as Record<string, string>), [key]: eq < 0 ? '' : text.slice(eq + 1) };
    },
    ...options,
  };
}

/** A filter value: name -> set of values, as docker's filters.Args. */
export type Filters = Record<string, Record<string, boolean>>;

/** docker's FilterOpt: `-f name=value`, repeatable. */
export function filterFlag(name: string, usage: string, options: Common = {}): FlagDef {
  return {
    name,
    type: 'filter',
    usage,
    initial: {},
    parse: (text, current) => {
      if (text === '') return current;
      const trimmed = text.trim();
      const eq = trimmed.indexOf('=');
      if (eq < 0) throw new Error('bad format of filter (expected name=value)');
      const key = trimmed.slice(0, eq).trim().toLowerCase();
      const value = trimmed.slice(eq + 1).trim();
      const filters = structuredClone(current as Filters);
      filters[key] = { ...(filters[key] ?? {}), [value]: true };
      return filters;
    },
    ...options,
  };
}

/** A flag of a docker-specific value type with its own parser. */
export function customFlag(
  name: string,
  type: string,
  usage: string,
  parse: (text: string, current: unknown, given: boolean) => unknown,
  options: Common & { initial?: unknown; defaultText?: string } = {},
): FlagDef {
  return { name, type, usage, parse, ...options };
}
