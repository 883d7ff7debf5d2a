// docker's inspect.Inspect: objects printed as an indented JSON array, compact JSON, or through a
// template; lookup errors collected and reported together after the output (exit status 1).
import type { Output } from '../cli-env.js';
import { StatusError } from '../cobra/command.js';
import { indentJSON, marshalIndent } from '../text/go-json.js';
import { goJSON, TemplateError } from '../text/go-template.js';
import { parseTemplate } from './format-context.js';

/**
 * What a lookup returns: the object and, when docker keeps it, the raw JSON text. `typed` marks a value
 * decoded into Go structs (go-types.ts): templates run on it with Go's default missingkey, and fall back to
 * the raw JSON (with missingkey=error) when they fail, as docker's TemplateInspector. An untyped value is the
 * daemon's JSON standing in for the struct, so it is run with missingkey=error straight away.
 */
export interface Inspected {
  value: unknown;
  raw?: string;
  typed?: boolean;
}

/** Looks one reference up; throws with the message docker prints. */
export type InspectLookup = (ref: string) => Promise<Inspected>;

/** Prints `refs` with `format` ("" for indented JSON, "json", or a template), as docker's inspect.Inspect. */
export async function inspectObjects(
  output: Output,
  refs: string[],
  format: string,
  lookup: InspectLookup,
): Promise<void> {
  let template: ReturnType<typeof parseTemplate> | undefined;
  if (format !== '' && format !== 'json') {
    try {
      template = parseTemplate(format);
    } catch (err) {
      throw new StatusError((err as Error).message, 64);
    }
  }
  const errors: string[] = [];
  const elements: Inspected[] = [];
  let templated = '';
  for (const ref of refs) {
    let element: Inspected;
    try {
      element = await lookup(ref);
    } catch (err) {
      errors.push((err as Error).message);
      continue;
    }
    if (!template) {
      elements.push(element);
      continue;
    }
    try {
      let text: string;
      try {
        text = template.execute(element.value, { missingKey: element.typed ? 'default' : 'error' });
      } catch (err) {
        if (!element.typed || element.raw === undefined) throw err;
        text = template.execute(JSON.parse(element.raw), { missingKey: 'error' });
      }
      templated += `${text}\n`;
    } catch (err) {
      if (err instanceof TemplateError) errors.push(`template parsing error: ${err.message}`);
      else errors.push((err as Error).message);
    }
  }
  if (template) {
    output.write(templated === '' ? '\n' : templated);
  } else if (format === 'json') {
    for (const element of elements) {
      output.write(
        `${element.raw !== undefined ? JSON.stringify(JSON.parse(element.raw)) : goJSON(element.value)}\n`,
      );
    }
  } else if (elements.length === 0) {
    output.write('[]\n');
  } else if (elements.every((e) => e.raw !== undefined)) {
    output.write(`${indentJSON(`[${elements.map((e) => e.raw).join(',')}]`)}\n`);
  } else {
    output.write(`${marshalIndent(elements.map((e) => e.value))}\n`);
  }
  if (errors.length) throw new StatusError(errors.join('\n'), 1);
}
