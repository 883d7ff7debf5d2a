// What every command runs with: its output streams, the environment, and the Engine API client of the
// daemon chosen by -H or DOCKER_HOST (docker's command.DockerCli).

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { engineVersion, swarmlabVersion } from '../common/version.js';
import { defaultDaemonHost, EngineClient, parseDaemonHost } from './client/engine-client.js';

/** An output stream and whether it is a terminal. */
export interface Output {
  write(text: string): void;
  readonly isTerminal: boolean;
  /** Terminal width in columns (0 when not a terminal). */
  readonly columns: number;
}

/** The streams a CLI run uses (process streams in production, buffers in tests). */
export interface CliStreams {
  stdout: Output;
  stderr: Output;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  /** Width of the terminal on stdin, as docker's help wrapping reads it (0 when not a terminal). */
  stdinColumns: number;
}

/** docker's Go runtime platform names. */
export function goArch(arch: string = process.arch): string {
  return (
    { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' }[arch] ?? arch
  );
}

/** Facts about this client for `docker version`. */
export const clientInfo = {
  version: engineVersion,
  gitCommit: `swarmlab-${swarmlabVersion}`,
  goVersion: `node${process.versions.node}`,
  os: process.platform,
  arch: goArch(),
  built: 'swarmlab',
  userAgent: `Docker-Client/${engineVersion} (${process.platform})`,
};

/** The global options that choose and reach the daemon. */
/** The parts of ~/.docker/config.json swarmlab-docker uses. */
export interface ConfigFile {
  currentContext?: string;
  psFormat?: string;
  imagesFormat?: string;
  servicesFormat?: string;
  tasksFormat?: string;
  nodesFormat?: string;
  networksFormat?: string;
  secretFormat?: string;
}

export interface EndpointOptions {
  hosts: string[];
  context: string;
  configDir: string;
  tls: boolean;
  tlsVerify: boolean;
  tlsFiles: string[];
  debug: boolean;
}

/** A failure to resolve the daemon endpoint, reported as docker does before any request. */
export class EndpointError extends Error {}

const logLevels = ['panic', 'fatal', 'error', 'warn', 'warning', 'info', 'debug', 'trace'];

/** Checks the global options docker checks before running any command. */
export function validateGlobalOptions(options: {
  hosts: string[];
  contextGiven: boolean;
  logLevel: string;
}): void {
  if (!logLevels.includes(options.logLevel.toLowerCase())) {
    throw new Error(`Unable to parse logging level: ${options.logLevel}`);
  }
  if (options.hosts.length > 0 && options.contextGiven) {
    throw new Error('conflicting options: cannot specify both --host and --context');
  }
}

/** The command environment (docker's DockerCli). */
export class CliEnv {
  private engine: EngineClient | undefined;
  private readonly endpoint: EndpointOptions;

  private config: ConfigFile | undefined;

  constructor(
    readonly streams: CliStreams,
    readonly env: NodeJS.ProcessEnv,
    endpoint: Partial<EndpointOptions> = {},
  ) {
    this.endpoint = {
      hosts: [],
      context: '',
      configDir: '',
      tls: false,
      tlsVerify: false,
      tlsFiles: [],
      debug: false,
      ...endpoint,
    };
  }

  get out(): Output {
    return this.streams.stdout;
  }

  get err(): Output {
    return this.streams.stderr;
  }

  /** Client debug mode (-D or DEBUG). */
  get debug(): boolean {
    return this.endpoint.debug || Boolean(this.env.DEBUG);
  }

  /**
   * The docker context in use: -c, else DOCKER_CONTEXT, else config.json's currentContext (neither with -H or
   * DOCKER_HOST), else "default".
   */
  get contextName(): string {
    if (this.endpoint.context) return this.endpoint.context;
    if (this.endpoint.hosts.length > 0 || this.env.DOCKER_HOST) return 'default';
    return this.env.DOCKER_CONTEXT || this.configFile.currentContext || 'default';
  }

  /** The client's config.json (read on first use; {} when missing or unreadable). */
  get configFile(): ConfigFile {
    if (this.config === undefined) {
      this.config = {};
      const dir = this.endpoint.configDir;
      if (dir) {
        try {
          const parsed: unknown = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
            this.config = parsed as ConfigFile;
        } catch {
          // docker warns about a config file it cannot parse; a missing one is normal.
        }
      }
    }
    return this.config;
  }

  /** The --format to use when none was given: the config file's, unless quiet; else "table". */
  defaultFormat(key: keyof ConfigFile, quiet = false): string {
    const configured = this.configFile[key];
    return typeof configured === 'string' && configured !== '' && !quiet ? configured : 'table';
  }

  /** The daemon address in use (-H, a context's endpoint, DOCKER_HOST, or the default socket). */
  get hostText(): string {
    const fail = (reason: string) =>
      new EndpointError(`Failed to initialize: unable to resolve docker endpoint: ${reason}`);
    if (this.endpoint.hosts.length > 1) throw fail('Specify only one -H');
    if (this.endpoint.tls || this.endpoint.tlsVerify) {
      for (const file of this.endpoint.tlsFiles) {
        if (!existsSync(file)) throw fail(`open ${file}: no such file or directory`);
      }
      throw fail("TLS connections are not supported by swarmlab's docker CLI");
    }
    if (this.endpoint.hosts.length === 1) return this.endpoint.hosts[0]!;
    const context = this.contextName;
    if (context !== 'default') {
      const digest = createHash('sha256').update(context).digest('hex');
      const meta = join(this.endpoint.configDir, 'contexts', 'meta', digest, 'meta.json');
      let host: string | undefined;
      try {
        const parsed = JSON.parse(readFileSync(meta, 'utf8')) as {
          Endpoints?: { docker?: { Host?: string } };
        };
        host = parsed.Endpoints?.docker?.Host;
      } catch {
        throw fail(`context "${context}": context not found: open ${meta}: no such file or directory`);
      }
      return host ?? defaultDaemonHost;
    }
    return this.env.DOCKER_HOST || defaultDaemonHost;
  }

  /** The Engine API client (created on first use). */
  client(): EngineClient {
    this.engine ??= new EngineClient(parseDaemonHost(this.hostText), {
      apiVersion: this.env.DOCKER_API_VERSION || undefined,
      userAgent: clientInfo.userAgent,
    });
    return this.engine;
  }

  /** Closes idle connections so the process can exit. */
  close(): void {
    this.engine?.close();
  }
}
