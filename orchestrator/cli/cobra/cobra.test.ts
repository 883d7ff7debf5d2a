import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliEnv, type Output } from '../cli-env.js';
import { Command, exactArgs, execute, minArgs, noArgs, usageText } from './command.js';
import {
  boolFlag,
  durationFlag,
  FlagError,
  FlagValues,
  filterFlag,
  flagUsages,
  intFlag,
  listFlag,
  parseFlags,
  readCSVLine,
  stringFlag,
  stringsFlag,
} from './flags.js';

const defs = () => [
  boolFlag('quiet', 'Only display IDs', { short: 'q' }),
  boolFlag('all', 'Show all', { short: 'a' }),
  stringFlag('format', 'Pretty-print using a Go template'),
  intFlag('replicas', 'Number of tasks', { goType: 'uint64' }),
  listFlag('env', 'Set environment variables', { short: 'e' }),
  filterFlag('filter', 'Filter output', { short: 'f' }),
  durationFlag('delay', 'Delay (ns|us|ms|s|m|h)', { initial: 5_000_000_000n }),
  stringsFlag('subnet', 'Subnets'),
];

test('flags parse as pflag: shorthand groups, = values, interspersed arguments and --', () => {
  const values = new FlagValues(defs());
  const args = parseFlags(values, [
    'web',
    '-qa',
    '--format={{.ID}}',
    '-e',
    'A=1',
    '-eB=2',
    '--replicas',
    '3',
    '--',
    '-x',
  ]);
  assert.deepEqual(args, ['web', '-x']);
  assert.equal(values.get('quiet'), true);
  assert.equal(values.get('all'), true);
  assert.equal(values.get('format'), '{{.ID}}');
  assert.deepEqual(values.get('env'), ['A=1', 'B=2']);
  assert.equal(values.get('replicas'), 3);
  assert.equal(values.changed('delay'), false);
  assert.equal(values.get('delay'), 5_000_000_000n);
  const filters = new FlagValues(defs());
  parseFlags(filters, [
    '-f',
    'name=web',
    '--filter',
    'Name = api',
    '--subnet',
    '10.0.0.0/24,10.1.0.0/24',
    '--subnet=x',
  ]);
  assert.deepEqual(filters.get('filter'), { name: { web: true, api: true } });
  assert.deepEqual(filters.get('subnet'), ['10.0.0.0/24', '10.1.0.0/24', 'x']);
});

test('flag errors read as pflag writes them', () => {
  const fail = (args: string[]) => {
    try {
      parseFlags(new FlagValues(defs()), args);
    } catch (err) {
      assert.ok(err instanceof FlagError);
      return err.message;
    }
    throw new Error('no error');
  };
  assert.equal(fail(['--bogus']), 'unknown flag: --bogus');
  assert.equal(fail(['-x']), "unknown shorthand flag: 'x' in -x");
  assert.equal(fail(['-qx']), "unknown shorthand flag: 'x' in -x");
  assert.equal(fail(['--format']), 'flag needs an argument: --format');
  assert.equal(fail(['-e']), "flag needs an argument: 'e' in -e");
  assert.equal(
    fail(['--quiet=maybe']),
    'invalid argument "maybe" for "-q, --quiet" flag: strconv.ParseBool: parsing "maybe": invalid syntax',
  );
  assert.equal(
    fail(['--replicas', '-1']),
    'invalid argument "-1" for "--replicas" flag: strconv.ParseUint: parsing "-1": invalid syntax',
  );
  assert.equal(
    fail(['--delay', '5']),
    'invalid argument "5" for "--delay" flag: time: missing unit in duration "5"',
  );
  assert.equal(
    fail(['-f', 'foo']),
    'invalid argument "foo" for "-f, --filter" flag: bad format of filter (expected name=value)',
  );
  assert.equal(fail(['---x']), 'bad flag syntax: ---x');
  const stop = parseFlags(new FlagValues(defs()), ['-q', 'nginx', '--bogus'], { interspersed: false });
  assert.deepEqual(stop, ['nginx', '--bogus']);
});

test('CSV values split as encoding/csv does', () => {
  assert.deepEqual(readCSVLine('a,"b,c",d'), ['a', 'b,c', 'd']);
  assert.deepEqual(readCSVLine('type=bind,src=/a'), ['type=bind', 'src=/a']);
  assert.deepEqual(readCSVLine('"say ""hi"""'), ['say "hi"']);
  assert.throws(() => readCSVLine('a"b'), /bare " in non-quoted-field/);
});

test('option help is aligned, sorted, wrapped at the width and shows defaults', () => {
  const text = flagUsages(
    [
      stringFlag('name', 'Service name'),
      intFlag('limit-pids', 'Limit maximum number of processes (default 0 = unlimited)', { goType: 'int64' }),
      boolFlag('detach', 'Exit immediately instead of waiting for the service to converge', { short: 'd' }),
      stringFlag('mode', 'Service mode', { initial: 'replicated' }),
      boolFlag('help', 'Print usage', { hidden: true }),
    ],
    79,
  );
  assert.equal(
    text,
    '  -d, --detach           Exit immediately instead of waiting for the\n' +
      '                         service to converge\n' +
      '      --limit-pids int   Limit maximum number of processes (default 0 =\n' +
      '                         unlimited)\n' +
      '      --mode string      Service mode (default "replicated")\n' +
      '      --name string      Service name\n',
  );
});

function buffers(): { out: Output & { text: string }; err: Output & { text: string } } {
  const make = () => {
    const o = {
      text: '',
      write(t: string) {
        o.text += t;
      },
      isTerminal: false,
      columns: 0,
    };
    return o;
  };
  return { out: make(), err: make() };
}

async function exec(root: Command, argv: string[]) {
  const { out, err } = buffers();
  const code = await execute(
    root,
    argv,
    {
      stdout: (t) => out.write(t),
      stderr: (t) => err.write(t),
      help: async () => ({ columns: 80, bold: false }),
    },
    () => new CliEnv({ stdout: out, stderr: err, stdin: process.stdin, stdinColumns: 0 }, {}),
    () => 'Docker version x\n',
  );
  return { code, out: out.text, err: err.text };
}

test('commands are found, validated and run as cobra does for docker', async () => {
  const ran: string[][] = [];
  const root = new Command({
    use: 'docker [OPTIONS] COMMAND [ARG...]',
    short: 'A self-sufficient runtime for containers',
    flags: [boolFlag('version', 'Print version information and quit', { short: 'v' })],
    persistentFlags: [
      boolFlag('help', 'Print usage', { short: 'h', hidden: true, shorthandDeprecated: 'use --help' }),
    ],
    commands: [
      {
        use: 'node',
        short: 'Manage Swarm nodes',
        args: noArgs,
        run: () => undefined,
        annotations: { swarm: 'manager' },
        commands: [
          {
            use: 'ls [OPTIONS]',
            aliases: ['list'],
            short: 'List nodes in the swarm',
            args: noArgs,
            flags: [boolFlag('quiet', 'Only display IDs', { short: 'q' })],
            run: ({ args, flags }) => {
              ran.push(['ls', String(flags.get('quiet')), ...args]);
            },
          },
          { use: 'update [OPTIONS] NODE', short: 'Update a node', args: exactArgs(1), run: () => undefined },
          { use: 'rm NODE [NODE...]', short: 'Remove nodes', args: minArgs(1), run: () => undefined },
        ],
      },
    ],
  });
  assert.deepEqual(await exec(root, ['node', 'list', '-q']), { code: 0, out: '', err: '' });
  assert.deepEqual(ran, [['ls', 'true']]);
  const extra = await exec(root, ['node', 'ls', 'x']);
  assert.equal(extra.code, 1);
  assert.equal(
    extra.err,
    "docker: 'docker node ls' accepts no arguments\n\nUsage:  docker node ls [OPTIONS]\n\nRun 'docker node ls --help' for more information\n",
  );
  const unknown = await exec(root, ['node', 'frob']);
  assert.equal(
    unknown.err,
    "docker: unknown command: docker node frob\n\nUsage:  docker node\n\nRun 'docker node --help' for more information\n",
  );
  const flag = await exec(root, ['node', 'ls', '--bogus']);
  assert.equal(flag.code, 125);
  assert.equal(
    flag.err,
    "unknown flag: --bogus\n\nUsage:  docker node ls [OPTIONS]\n\nRun 'docker node ls --help' for more information\n",
  );
  const min = await exec(root, ['node', 'rm']);
  assert.equal(
    min.err,
    "docker: 'docker node rm' requires at least 1 argument\n\nUsage:  docker node rm NODE [NODE...]\n\nSee 'docker node rm --help' for more information\n",
  );
  const help = await exec(root, ['node', 'ls', '--help']);
  assert.equal(
    help.out,
    'Usage:  docker node ls [OPTIONS]\n\nList nodes in the swarm\n\nAliases:\n  docker node ls, docker node list\n\nOptions:\n  -q, --quiet   Only display IDs\n',
  );
  const group = usageText(root.findChild('node')!, { columns: 80, bold: false });
  assert.match(
    group,
    /^Usage: {2}docker node COMMAND\n\nManage Swarm nodes\n\nCommands:\n {2}ls {10}List nodes in the swarm\n/,
  );
  const hidden = usageText(root, {
    columns: 80,
    bold: false,
    hide: (c) => c.def.annotations?.swarm === 'manager',
  });
  assert.doesNotMatch(hidden, /node/);
  assert.deepEqual(await exec(root, ['--version']), { code: 0, out: 'Docker version x\n', err: '' });
});
