// `docker version`: the client and server versions through docker's version template.
import type { SystemVersion } from '../../api/engine-types.js';
import { type CliEnv, clientInfo } from '../cli-env.js';
import { clientMaxApiVersion } from '../client/engine-client.js';
import { type Invocation, StatusError } from '../cobra/command.js';
import { basicFunctions } from '../formatter/format-context.js';
import { GoTemplate, goTypeName, TemplateError } from '../text/go-template.js';
import { TabWriter } from '../text/tabwriter.js';

const defaultVersionTemplate = `{{with .Client -}}
Client:{{if ne .Platform nil}}{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}{{end}}
 Version:\t{{.Version}}
 API version:\t{{.APIVersion}}{{if ne .APIVersion .DefaultAPIVersion}} (downgraded from {{.DefaultAPIVersion}}){{end}}
 Go version:\t{{.GoVersion}}
 Git commit:\t{{.GitCommit}}
 Built:\t{{.BuildTime}}
 OS/Arch:\t{{.Os}}/{{.Arch}}
 Context:\t{{.Context}}
{{- end}}

{{- if ne .Server nil}}{{with .Server}}

Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 {{- range $component := .Components}}
 {{$component.Name}}:
  {{- if eq $component.Name "Engine" }}
  Version:\t{{.Version}}
  API version:\t{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
  Go version:\t{{index .Details "GoVersion"}}
  Git commit:\t{{index .Details "GitCommit"}}
  Built:\t{{index .Details "BuildTime"}}
  OS/Arch:\t{{index .Details "Os"}}/{{index .Details "Arch"}}
  Experimental:\t{{index .Details "Experimental"}}
  {{- else }}
  Version:\t{{$component.Version}}
  {{- $detailsOrder := getDetailsOrder $component}}
  {{- range $key := $detailsOrder}}
  {{$key}}:\t{{index $component.Details $key}}
   {{- end}}
  {{- end}}
 {{- end}}
 {{- end}}{{- end}}`;

/** The client half of `docker version` (Go's clientVersion, with its JSON field names). */
export class ClientVersion {
  readonly [goTypeName] = 'system.clientVersion';
  Platform: { Name: string } | null = null;
  Version = clientInfo.version;
  APIVersion = '';
  DefaultAPIVersion = clientMaxApiVersion;
  GitCommit = clientInfo.gitCommit;
  GoVersion = clientInfo.goVersion;
  Os = clientInfo.os;
  Arch = clientInfo.arch;
  BuildTime = clientInfo.built;
  Context = 'default';

  marshalJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.Platform) out.Platform = this.Platform;
    const fields: Array<[string, string]> = [
      ['Version', this.Version],
      ['ApiVersion', this.APIVersion],
      ['DefaultAPIVersion', this.DefaultAPIVersion],
      ['GitCommit', this.GitCommit],
      ['GoVersion', this.GoVersion],
      ['Os', this.Os],
      ['Arch', this.Arch],
      ['BuildTime', this.BuildTime],
    ];
    for (const [key, value] of fields) if (value) out[key] = value;
    out.Context = this.Context;
    return out;
  }
}

const ansicDays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const ansicMonths = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An RFC 3339 build time in Go's time.ANSIC layout ("Fri May 30 12:07:14 2025"); other text unchanged. */
export function reformatDate(text: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!match) return text;
  const [, y, mo, d, h, mi, s] = match;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  const pad = (n: string) => n.padStart(2, '0');
  return `${ansicDays[date.getUTCDay()]} ${ansicMonths[Number(mo) - 1]} ${String(Number(d)).padStart(2, ' ')} ${pad(h!)}:${pad(mi!)}:${pad(s!)} ${y}`;
}

function serverWithEngine(server: SystemVersion): SystemVersion {
  const components = (server.Components ?? []).map((c) => {
    if (c.Name !== 'Engine' || !c.Details) return c;
    const details = { ...(c.Details as Record<string, string>) };
    if (details.BuildTime) details.BuildTime = reformatDate(details.BuildTime);
    return { ...c, Details: details };
  });
  if (!components.some((c) => c.Name === 'Engine')) {
    components.push({
      Name: 'Engine',
      Version: server.Version ?? '',
      Details: {
        ApiVersion: server.ApiVersion ?? '',
        MinAPIVersion: server.MinAPIVersion ?? '',
        GitCommit: server.GitCommit ?? '',
        GoVersion: server.GoVersion ?? '',
        Os: server.Os ?? '',
        Arch: server.Arch ?? '',
        BuildTime: reformatDate(server.BuildTime ?? ''),
        Experimental: String(server.Experimental ?? false),
      },
    });
  }
  return { ...server, Components: components };
}

function parseVersionTemplate(format: string): GoTemplate {
  const text = format === '' ? defaultVersionTemplate : format === 'json' ? '{{json .}}' : format;
  try {
    return GoTemplate.parse(text, {
      name: 'version',
      funcs: {
        ...basicFunctions,
        getDetailsOrder: (component) =>
          Object.keys(((component as { Details?: Record<string, string> }).Details ?? {}) as object).sort(),
      },
    });
  } catch (err) {
    if (err instanceof TemplateError) throw new StatusError(`template parsing error: ${err.message}`, 64);
    throw err;
  }
}

/** Runs `docker version`. */
export async function runVersion({ flags, env }: Invocation): Promise<void> {
  const template = parseVersionTemplate(flags.get<string>('format'));
  const client = new ClientVersion();
  client.Context = env.contextName;
  const engine = env.client();
  client.APIVersion = await engine.version();
  let server: SystemVersion | null = null;
  let failure: unknown;
  try {
    server = serverWithEngine(await engine.get<SystemVersion>('/version'));
  } catch (err) {
    failure = err;
  }
  const printError = printVersion(env, template, { Client: client, Server: server });
  if (failure) throw failure;
  if (printError) throw printError;
}

function printVersion(env: CliEnv, template: GoTemplate, data: object): Error | undefined {
  const writer = new TabWriter({ minWidth: 20, tabWidth: 1, padding: 1 });
  let failure: Error | undefined;
  try {
    writer.write(template.execute(data));
  } catch (err) {
    failure = err as Error;
  }
  writer.write('\n');
  env.out.write(writer.flush());
  return failure;
}
