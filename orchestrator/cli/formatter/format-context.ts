// docker's formatter.Context: a --format string ("table ...", "json", a Go template) rendered over a list
// of per-object contexts, tables aligned by a tabwriter (minwidth 10, tabwidth 1, padding 3).
import type { Output } from '../cli-env.js';
import {
  expectInt,
  expectString,
  type FuncMap,
  GoTemplate,
  goEmbedded,
  goJSON,
  goTypeName,
  TemplateError,
} from '../text/go-template.js';
import { alignTable } from '../text/tabwriter.js';

function isSeparator(ch: string): boolean {
  const code = ch.codePointAt(0)!;
  if (code <= 0x7f) {
    if (/[0-9A-Za-z_]/.test(ch)) return false;
    return true;
  }
  if (/\p{L}|\p{Nd}/u.test(ch)) return false;
  return /\s/u.test(ch);
}

/** Go's strings.Title: upper-cases the first letter of every word. */
export function goTitle(text: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of text) {
    out += isSeparator(prev) ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

function expectStrings(value: unknown): string[] {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return expectString(value) as never;
}

/** The functions of every docker template (templates.basicFunctions). */
export const basicFunctions: FuncMap = {
  json: (v) => goJSON(v),
  split: (s, sep) => {
    const text = expectString(s);
    const separator = expectString(sep);
    return separator === '' ? [...text] : text.split(separator);
  },
  join: (list, sep) => expectStrings(list).join(expectString(sep)),
  title: (s) => goTitle(expectString(s)),
  lower: (s) => expectString(s).toLowerCase(),
  upper: (s) => expectString(s).toUpperCase(),
  pad: (s, prefix, suffix) => {
    const text = expectString(s);
    return text === '' ? text : ' '.repeat(expectInt(prefix)) + text + ' '.repeat(expectInt(suffix));
  },
  truncate: (s, length) => {
    const text = expectString(s);
    const n = expectInt(length);
    const bytes = Buffer.from(text);
    return bytes.length < n ? text : bytes.subarray(0, n).toString('utf8');
  },
};

/** The functions used while rendering a table's header row: they leave the column names as they are. */
export const headerFunctions: FuncMap = {
  json: (v) => v,
  split: (v) => v,
  join: (v) => v,
  title: (v) => v,
  lower: (v) => v,
  upper: (v) => v,
  truncate: (v) => v,
};

/** Parses a template with docker's functions; errors read "template parsing error: ...". */
export function parseTemplate(format: string, name = ''): GoTemplate {
  try {
    return GoTemplate.parse(format, { name, funcs: basicFunctions });
  } catch (err) {
    if (err instanceof TemplateError) throw new Error(`template parsing error: ${err.message}`);
    throw err;
  }
}

/** docker's SubHeaderContext: the header labels, plus the Label method templates may call. */
export class HeaderContext {
  readonly [goTypeName] = 'formatter.SubHeaderContext';
  readonly [goEmbedded]: Record<string, string>;

  constructor(labels: Record<string, string>) {
    this[goEmbedded] = labels;
  }

  /** The header of a `.Label "com.example.key"` column: the last dotted part, dashes as spaces. */
  Label(name: string): string {
    const parts = String(name).split('.');
    return parts[parts.length - 1]!.replace(/[-_]/g, ' ');
  }
}

/** A --format value: "table", "table TEMPLATE", "json", "raw", "pretty" or a template. */
export function isTableFormat(format: string): boolean {
  return format.startsWith('table');
}

/** The template actually executed for a --format value (docker's preFormat). */
export function finalFormat(format: string): string {
  let text = format;
  if (isTableFormat(format)) text = text.slice('table'.length);
  else if (format === 'json') text = '{{json .}}';
  text = text.replace(/^ +| +$/g, '');
  return text.replaceAll('\\t', '\t').replaceAll('\\n', '\n');
}

/**
 * Renders `items` (per-object contexts) with `format` to `output`, as formatter.Context.Write: each item's
 * text ends with a newline; a table gets a header row from `header` and is aligned.
 */
export function writeFormatted(
  output: Output,
  format: string,
  header: object,
  items: readonly object[],
): void {
  const template = parseTemplate(finalFormat(format));
  let body = '';
  for (const item of items) {
    try {
      body += template.execute(item);
    } catch (err) {
      if (err instanceof TemplateError) throw new Error(`template parsing error: ${err.message}`);
      throw err;
    }
    body += '\n';
  }
  if (isTableFormat(format)) {
    let headerRow = '';
    try {
      headerRow = template.execute(header, { funcs: headerFunctions });
    } catch {
      // docker ignores header rendering errors.
    }
    output.write(alignTable(`${headerRow}\n${body}`));
  } else {
    output.write(body);
  }
}

/** Collects the zero-argument upper-case methods of a context into a sorted map (formatter.MarshalJSON). */
export function marshalContext(context: object): Record<string, unknown> {
  const names = new Set<string>();
  for (
    let proto = Object.getPrototypeOf(context);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (/^[A-Z]/.test(name) && name !== 'FullHeader') names.add(name);
    }
  }
  const out: Record<string, unknown> = {};
  for (const name of [...names].sort()) {
    const member = (context as Record<string, unknown>)[name];
    if (typeof member === 'function') {
      if (member.length === 0) out[name] = member.call(context);
    } else out[name] = member;
  }
  return out;
}

/** Base of the per-object contexts: `{{json .}}` marshals the context's methods. */
export abstract class SubContext {
  abstract readonly [goTypeName]: string;

  marshalJSON(): Record<string, unknown> {
    return marshalContext(this);
  }
}
