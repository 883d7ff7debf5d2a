// The `docker secret` subcommands (docker's cli/command/secret).
import { readFileSync } from 'node:fs';
import type { Secret } from '../../api/engine-types.js';
import { encodeFilters } from '../client/engine-client.js';
import { type Invocation, StatusError } from '../cobra/command.js';
import type { Filters } from '../cobra/flags.js';
import { HeaderContext, parseTemplate, SubContext, writeFormatted } from '../formatter/format-context.js';
import { inspectObjects } from '../formatter/inspect.js';
import { goEmbedded, goTypeName, TemplateError } from '../text/go-template.js';
import { goTimeString, humanDuration, naturalCompare, prettyPrint, sinceNanos } from '../text/units.js';
import { kvToMap } from './service-values.js';

const defaultSecretTableFormat = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}';

const secretInspectPrettyTemplate = `ID:              {{.ID}}
Name:              {{.Name}}
{{- if .Labels }}
Labels:
{{- range $k, $v := .Labels }}
 - {{ $k }}{{if $v }}={{ $v }}{{ end }}
{{- end }}{{ end }}
Driver:            {{.Driver}}
Created at:        {{.CreatedAt}}
Updated at:        {{.UpdatedAt}}`;

/** One row of `docker secret ls`. */
export class SecretContext extends SubContext {
  readonly [goTypeName] = '*secret.secretContext';
  constructor(
    private readonly secret: Secret,
    private readonly now = Date.now(),
  ) {
    super();
  }
  ID(): string {
    return this.secret.ID ?? '';
  }
  Name(): string {
    return this.secret.Spec?.Name ?? '';
  }
  CreatedAt(): string {
    return `${humanDuration(sinceNanos(this.secret.CreatedAt, this.now))} ago`;
  }
  Driver(): string {
    return this.secret.Spec?.Driver?.Name ?? '';
  }
  UpdatedAt(): string {
    return `${humanDuration(sinceNanos(this.secret.UpdatedAt, this.now))} ago`;
  }
  Labels(): string {
    const labels = this.secret.Spec?.Labels;
    if (!labels) return '';
    return Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }
  Label(name: string): string {
    return this.secret.Spec?.Labels?.[name] ?? '';
  }
}

class SecretInspectContext extends SubContext {
  readonly [goTypeName] = '*secret.secretInspectContext';
  readonly [goEmbedded]: Secret;
  constructor(private readonly secret: Secret) {
    super();
    this[goEmbedded] = secret;
  }
  ID(): string {
    return this.secret.ID ?? '';
  }
  Name(): string {
    return this.secret.Spec?.Name ?? '';
  }
  Labels(): Record<string, string> {
    return this.secret.Spec?.Labels ?? {};
  }
  Driver(): string {
    return this.secret.Spec?.Driver?.Name ?? '';
  }
  CreatedAt(): string {
    return prettyPrint(goTimeString(this.secret.CreatedAt ?? ''));
  }
  UpdatedAt(): string {
    return prettyPrint(goTimeString(this.secret.UpdatedAt ?? ''));
  }
}

async function readData(file: string, stdin: NodeJS.ReadableStream): Promise<Buffer | undefined> {
  if (file === '') return undefined;
  const source = file === '-' ? 'STDIN' : file;
  let data: Buffer;
  if (file !== '-') {
    try {
      data = readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT'
          ? `open ${file}: no such file or directory`
          : code === 'EISDIR'
            ? `read ${file}: is a directory`
            : code === 'EACCES'
              ? `open ${file}: permission denied`
              : (err as Error).message;
      throw new Error(`error reading from ${source}: ${reason}`);
    }
  } else {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    data = Buffer.concat(chunks);
  }
  if (data.length === 0) throw new Error(`error reading from ${source}: data is empty`);
  return data;
}

/** `docker secret create`. */
export async function runCreate({ args, flags, env }: Invocation): Promise<void> {
  const driver = flags.get<string>('driver');
  const file = args[1] ?? '';
  if (driver && file) throw new Error('When using secret driver secret data must be empty');
  const data = await readData(file, env.streams.stdin);
  const spec: Record<string, unknown> = { Name: args[0], Labels: kvToMap(flags.get<string[]>('label')) };
  if (data !== undefined) spec.Data = data.toString('base64');
  if (driver) spec.Driver = { Name: driver };
  if (flags.get<string>('template-driver')) spec.Templating = { Name: flags.get<string>('template-driver') };
  const response = await env.client().json<{ ID?: string }>('POST', '/secrets/create', { body: spec });
  env.out.write(`${response.ID ?? ''}\n`);
}

/** `docker secret ls`. */
export async function runList({ flags, env }: Invocation): Promise<void> {
  const quiet = flags.get<boolean>('quiet');
  const secrets =
    (await env
      .client()
      .get<Secret[]>('/secrets', { filters: encodeFilters(flags.get<Filters>('filter')) })) ?? [];
  let format = flags.get<string>('format') || env.defaultFormat('secretFormat', quiet);
  if (format === 'table') format = quiet ? '{{.ID}}' : defaultSecretTableFormat;
  const sorted = [...secrets].sort((a, b) => naturalCompare(a.Spec?.Name ?? '', b.Spec?.Name ?? ''));
  const header = new HeaderContext({
    ID: 'ID',
    Name: 'NAME',
    Driver: 'DRIVER',
    CreatedAt: 'CREATED',
    UpdatedAt: 'UPDATED',
    Labels: 'LABELS',
  });
  writeFormatted(
    env.out,
    format,
    header,
    sorted.map((s) => new SecretContext(s)),
  );
}

/** `docker secret inspect`. */
export async function runInspect({ args, flags, env }: Invocation): Promise<void> {
  const client = env.client();
  const pretty = flags.get<boolean>('pretty');
  const format = pretty ? 'pretty' : flags.get<string>('format');
  if (format.startsWith('pretty') && format !== 'pretty') {
    throw new Error('cannot supply extra formatting options to the pretty template');
  }
  if (format !== 'pretty') {
    try {
      await inspectObjects(env.out, args, format, async (ref) => {
        const { value, raw } = await client.getWithRaw<Secret>(`/secrets/${ref}`);
        return { value, raw };
      });
    } catch (err) {
      if (err instanceof StatusError) throw new StatusError(err.status, 1);
      throw err;
    }
    return;
  }
  let text = '';
  try {
    const template = parseTemplate(secretInspectPrettyTemplate);
    for (const ref of args) {
      text += `${template.execute(new SecretInspectContext(await client.get<Secret>(`/secrets/${ref}`)))}\n`;
    }
  } catch (err) {
    const message =
      err instanceof TemplateError ? `template parsing error: ${err.message}` : (err as Error).message;
    throw new StatusError(message, 1);
  }
  env.out.write(text);
}

/** `docker secret rm`. */
export async function runRemove({ args, env }: Invocation): Promise<void> {
  const errors: string[] = [];
  for (const name of args) {
    try {
      await env.client().request('DELETE', `/secrets/${name}`);
      env.out.write(`${name}\n`);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length) throw new Error(errors.join('\n'));
}
