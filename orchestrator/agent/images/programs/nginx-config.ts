/**
 * The part of nginx's configuration the built-in nginx understands: `upstream` blocks and `server` blocks with
 * `listen`, `server_name`, `root`, `index`, `return` and `location` blocks (`=`, prefix, `^~`, `~`, `~*`)
 * holding `root`, `index`, `proxy_pass`, `proxy_set_header`, `return`. Other directives are accepted and
 * ignored, as a real nginx would honour them without changing what the lessons see.
 */

export interface Directive {
  name: string;
  args: string[];
  block?: Directive[];
  file: string;
  line: number;
}

/** A configuration error, worded as nginx's `[emerg]` messages. */
export class NginxConfigError extends Error {
  override name = 'NginxConfigError';
}

/** Parses nginx configuration text into directives. */
export function parseNginxConfig(text: string, file: string): Directive[] {
  const tokens: { value: string; line: number; quoted: boolean }[] = [];
  let line = 1;
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (/\s/.test(c)) i++;
    else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '{' || c === '}' || c === ';') {
      tokens.push({ value: c, line, quoted: false });
      i++;
    } else if (c === '"' || c === "'") {
      let value = '';
      let j = i + 1;
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        if (text[j] === '\n') line++;
        value += text[j++];
      }
      if (j >= text.length)
        throw new NginxConfigError(`unexpected end of file, expecting ";" or "}" in ${file}:${line}`);
      tokens.push({ value, line, quoted: true });
      i = j + 1;
    } else {
      let value = '';
      while (i < text.length && !/[\s{};]/.test(text[i])) value += text[i++];
      tokens.push({ value, line, quoted: false });
    }
  }
  let at = 0;
  const block = (nested: boolean): Directive[] => {
    const directives: Directive[] = [];
    for (;;) {
      const token = tokens[at];
      if (!token) {
        if (nested) throw new NginxConfigError(`unexpected end of file, expecting "}" in ${file}:${line}`);
        return directives;
      }
      if (token.value === '}' && !token.quoted) {
        if (!nested) throw new NginxConfigError(`unexpected "}" in ${file}:${token.line}`);
        at++;
        return directives;
      }
      const name = token.value;
      const args: string[] = [];
      at++;
      for (;;) {
        const next = tokens[at];
        if (!next)
          throw new NginxConfigError(`unexpected end of file, expecting ";" or "}" in ${file}:${line}`);
        if (!next.quoted && next.value === ';') {
          at++;
          directives.push({ name, args, file, line: token.line });
          break;
        }
        if (!next.quoted && next.value === '{') {
          at++;
          directives.push({ name, args, block: block(true), file, line: token.line });
          break;
        }
        if (!next.quoted && next.value === '}')
          throw new NginxConfigError(`unexpected "}" in ${file}:${next.line}`);
        args.push(next.value);
        at++;
      }
    }
  };
  return block(false);
}

export interface Upstream {
  name: string;
  servers: { host: string; port: number }[];
}

export interface Location {
  modifier: '=' | '^~' | '~' | '~*' | '';
  path: string;
  regex?: RegExp;
  root?: string;
  index?: string[];
  proxyPass?: { host: string; port: number; uri?: string; text: string };
  proxyHeaders: [string, string][];
  ret?: { code: number; text?: string };
}

export interface ServerBlock {
  ports: number[];
  defaultServer: boolean;
  names: string[];
  root: string;
  index: string[];
  ret?: { code: number; text?: string };
  locations: Location[];
  file: string;
}

export interface NginxSite {
  servers: ServerBlock[];
  upstreams: Map<string, Upstream>;
}

function parseListen(args: string[], at: string): { port: number; defaultServer: boolean } {
  const address = args[0] ?? '';
  const found = /(?:^|:)(\d+)$/.exec(address);
  if (!found) throw new NginxConfigError(`invalid port in "${address}" of the "listen" directive in ${at}`);
  return { port: Number(found[1]), defaultServer: args.includes('default_server') };
}

function parseProxyPass(arg: string | undefined, at: string): Location['proxyPass'] {
  const found = /^http:\/\/(\[[^\]]+\]|[^/:]+)(?::(\d+))?(\/.*)?$/.exec(arg ?? '');
  if (!found) throw new NginxConfigError(`invalid URL prefix in "${arg ?? ''}" in ${at}`);
  return { host: found[1].replace(/^\[|\]$/g, ''), port: Number(found[2] ?? 80), uri: found[3], text: arg! };
}

function parseReturn(args: string[]): { code: number; text?: string } {
  const code = Number(args[0]);
  if (Number.isInteger(code)) return { code, text: args[1] };
  return { code: 302, text: args[0] };
}

function location(directive: Directive): Location {
  const at = `${directive.file}:${directive.line}`;
  const [first, second] = directive.args;
  const modifiers = ['=', '^~', '~', '~*'];
  const modifier = (modifiers.includes(first) ? first : '') as Location['modifier'];
  const path = modifier ? second : first;
  if (path === undefined)
    throw new NginxConfigError(`invalid number of arguments in "location" directive in ${at}`);
  const result: Location = { modifier, path, proxyHeaders: [] };
  if (modifier === '~' || modifier === '~*') {
    try {
      result.regex = new RegExp(path, modifier === '~*' ? 'i' : '');
    } catch {
      throw new NginxConfigError(`pcre2_compile() failed for "${path}" in ${at}`);
    }
  }
  for (const inner of directive.block ?? []) {
    const innerAt = `${inner.file}:${inner.line}`;
    if (inner.name === 'root' || inner.name === 'alias') result.root = inner.args[0];
    else if (inner.name === 'index') result.index = inner.args;
    else if (inner.name === 'proxy_pass') result.proxyPass = parseProxyPass(inner.args[0], innerAt);
    else if (inner.name === 'proxy_set_header' && inner.args.length >= 2)
      result.proxyHeaders.push([inner.args[0], inner.args[1]]);
    else if (inner.name === 'return') result.ret = parseReturn(inner.args);
  }
  return result;
}

/** Builds the sites of the given files' directives (already parsed). */
export function buildSite(files: Directive[][]): NginxSite {
  const site: NginxSite = { servers: [], upstreams: new Map() };
  const visit = (directives: Directive[]) => {
    for (const directive of directives) {
      const at = `${directive.file}:${directive.line}`;
      if (directive.name === 'http' && directive.block) visit(directive.block);
      else if (directive.name === 'upstream') {
        const servers = (directive.block ?? [])
          .filter((d) => d.name === 'server')
          .map((d) => {
            const found = /^([^:]+)(?::(\d+))?$/.exec(d.args[0] ?? '');
            if (!found)
              throw new NginxConfigError(
                `invalid host in upstream "${d.args[0] ?? ''}" in ${d.file}:${d.line}`,
              );
            return { host: found[1], port: Number(found[2] ?? 80) };
          });
        site.upstreams.set(directive.args[0], { name: directive.args[0], servers });
      } else if (directive.name === 'server') {
        if (!directive.block) throw new NginxConfigError(`"server" directive is not allowed here in ${at}`);
        const server: ServerBlock = {
          ports: [],
          defaultServer: false,
          names: [],
          root: '/usr/share/nginx/html',
          index: ['index.html'],
          locations: [],
          file: directive.file,
        };
        for (const inner of directive.block) {
          const innerAt = `${inner.file}:${inner.line}`;
          if (inner.name === 'listen') {
            const listen = parseListen(inner.args, innerAt);
            if (!server.ports.includes(listen.port)) server.ports.push(listen.port);
            server.defaultServer ||= listen.defaultServer;
          } else if (inner.name === 'server_name') server.names.push(...inner.args);
          else if (inner.name === 'root') server.root = inner.args[0];
          else if (inner.name === 'index') server.index = inner.args;
          else if (inner.name === 'return') server.ret = parseReturn(inner.args);
          else if (inner.name === 'location') server.locations.push(location(inner));
        }
        if (server.ports.length === 0) server.ports.push(80);
        site.servers.push(server);
      }
    }
  };
  for (const directives of files) visit(directives);
  return site;
}

/** The location nginx picks for `path`: exact, then longest prefix (`^~` stops), then the first regex. */
export function matchLocation(server: ServerBlock, path: string): Location | undefined {
  const exact = server.locations.find((l) => l.modifier === '=' && l.path === path);
  if (exact) return exact;
  let best: Location | undefined;
  for (const l of server.locations) {
    if ((l.modifier === '' || l.modifier === '^~') && path.startsWith(l.path)) {
      if (!best || l.path.length > best.path.length) best = l;
    }
  }
  if (best?.modifier === '^~') return best;
  const regex = server.locations.find((l) => l.regex?.test(path));
  return regex ?? best;
}
