// JSON text as Go's encoding/json writes it: json.Indent of raw bytes, and Marshal's HTML-safe escaping.
import { goMarshal } from './go-template.js';

/**
 * Go's json.Indent with an empty prefix: every element on its own line, `indent` per level, "key": value,
 * empty objects and arrays kept as {} and []. Strings and numbers are copied byte for byte.
 */
export function indentJSON(raw: string, indent = '    '): string {
  let out = '';
  let depth = 0;
  let needIndent = false;
  let i = 0;
  const newline = () => `\n${indent.repeat(depth)}`;
  // Leading whitespace is dropped, as Go does.
  while (i < raw.length && /\s/.test(raw[i]!)) i++;
  for (; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') continue;
    if (needIndent && ch !== ']' && ch !== '}') {
      needIndent = false;
      depth++;
      out += newline();
    }
    if (ch === '"') {
      let j = i + 1;
      while (j < raw.length && raw[j] !== '"') j += raw[j] === '\\' ? 2 : 1;
      out += raw.slice(i, j + 1);
      i = j;
      continue;
    }
    switch (ch) {
      case '{':
      case '[':
        needIndent = true;
        out += ch;
        break;
      case ',':
        out += ch + newline();
        break;
      case ':':
        out += ': ';
        break;
      case '}':
      case ']':
        if (needIndent) {
          // An empty object or array stays on one line.
          needIndent = false;
        } else {
          depth--;
          out += newline();
        }
        out += ch;
        break;
      default:
        out += ch;
    }
  }
  return out;
}

/** Escapes as Go's json.Marshal does by default: <, >, & and the line separators as \u escapes. */
export function escapeHTMLInJSON(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Go's json.MarshalIndent(value, "", "    ") of a decoded JSON value or of decoded Go structs. */
export function marshalIndent(value: unknown): string {
  return indentJSON(escapeHTMLInJSON(goMarshal(value, false)));
}
