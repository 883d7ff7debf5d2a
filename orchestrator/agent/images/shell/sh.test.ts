import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { testContainer } from './test-support.js';

const box = testContainer({
  files: { '/etc/motd': 'welcome\n', '/run/secrets/my_secret': 'test\n', '/data/a.txt': 'one\ntwo\nthree\n' },
});
after(() => box.cleanup());
const sh = (script: string, options: Parameters<typeof box.run>[1] = {}) =>
  box.run(['sh', '-c', script], options);

test('-c runs commands with quoting, variables and exit codes', async () => {
  assert.deepEqual(await sh('echo "$GREETING"; echo $GREETING | wc -w; exit 3'), {
    code: 3,
    stdout: 'hello world\n2\n',
    stderr: '',
  });
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
  assert.equal((await sh('X=1; Y=\'a  b\'; echo $X "$Y" ${Z:-def} ${#Y}')).stdout, '1 a  b def 4\n');
  assert.equal(
    (await sh('false; echo $?; true && echo and || echo or; false || echo fallback')).stdout,
    '1\nand\nfallback\n',
  );
  assert.equal(
    (await sh('echo $(echo nested $(hostname)) `echo back`')).stdout,
    'nested c0ffee000000 back\n',
  );
  assert.equal((await sh('echo $((2 + 3 * 4)) $(( (7 - 1) / 2 ))')).stdout, '14 3\n');
  assert.equal((await box.run(['sh', '-c', 'echo $0 $1 $#', 'zero', 'one'])).stdout, 'zero one 1\n');
});

test('pipes, redirections and files inside the container', async () => {
  assert.equal((await sh('cat /data/a.txt | grep -v two | head -n 1')).stdout, 'one\n');
  assert.equal(
    (await sh('echo written > /tmp/f; echo more >> /tmp/f; cat /tmp/f; wc -l < /tmp/f')).stdout,
    'written\nmore\n2\n',
  );
  assert.equal((await sh('echo err 1>&2 2>/dev/null; echo gone > /dev/null')).stderr, 'err\n');
  assert.equal(
    (await sh('ls /data; mkdir -p /tmp/x/y && touch /tmp/x/y/z && ls /tmp/x/y; rm -r /tmp/x; ls /tmp/x'))
      .stdout,
    'a.txt\nz\n',
  );
  assert.equal((await sh('cat /run/secrets/*')).stdout, 'test\n');
  const missing = await sh('cat /nope; echo after');
  assert.equal(missing.stderr, 'cat: /nope: No such file or directory\n');
  assert.equal(missing.stdout, 'after\n');
  assert.match(
    (await sh('echo x > /missing/dir/file')).stderr,
    /can't create \/missing\/dir\/file: nonexistent directory/,
  );
});

test('control flow: if, while, for, subshells and cd', async () => {
  assert.equal((await sh('for i in a b c; do echo -n $i; done; echo')).stdout, 'abc\n');
  assert.equal((await sh('i=0; while [ $i -lt 3 ]; do i=$((i+1)); done; echo $i')).stdout, '3\n');
  assert.equal((await sh('if [ -f /etc/motd ]; then cat /etc/motd; else echo none; fi')).stdout, 'welcome\n');
  assert.equal((await sh('cd /data; pwd; (cd /; pwd); pwd')).stdout, '/data\n/\n/data\n');
  assert.match((await sh('cd /nowhere')).stderr, /can't cd to \/nowhere/);
});

test('unknown commands and syntax errors report like ash', async () => {
  assert.deepEqual(await sh('nosuchcmd'), { code: 127, stdout: '', stderr: 'sh: nosuchcmd: not found\n' });
  const bad = await sh('echo hi; then');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /sh: syntax error: unexpected "then"/);
});

test('utilities: echo, printf, env, hostname, id, date, test', async () => {
  assert.equal((await sh('printf "%s=%d\\n" a 5 b 6')).stdout, 'a=5\nb=6\n');
  assert.equal((await sh('echo -e "a\\tb"')).stdout, 'a\tb\n');
  assert.equal((await sh('hostname; hostname -i; id -u')).stdout, 'c0ffee000000\n10.0.9.2\n0\n');
  assert.match((await sh('env')).stdout, /^GREETING=hello world$/m);
  assert.equal((await sh("env FOO=bar sh -c 'echo $FOO'")).stdout, 'bar\n');
  assert.match((await sh('date +%Y')).stdout, /^\d{4}\n$/);
  assert.equal(
    (await sh('[ "a" = "a" ] && [ 3 -gt 2 ] && test -d /data && ! test -e /zzz && echo ok')).stdout,
    'ok\n',
  );
});

test('stdin reaches commands, and an interactive sh reads commands from it', async () => {
  assert.equal((await box.run(['cat'], { stdin: 'piped\n' })).stdout, 'piped\n');
  const session = await box.run(['sh'], {
    stdin: 'echo first\nif true; then\necho second\nfi\nexit 4\necho never\n',
  });
  assert.deepEqual(session, { code: 4, stdout: 'first\nsecond\n', stderr: '' });
});

test('sleep ends early on a signal; trap "" TERM makes a shell ignore it', async () => {
  const started = Date.now();
  const killed = await box.run(['sleep', '30'], { signalAfterMs: ['SIGTERM', 100] });
  assert.equal(killed.code, 143);
  assert.ok(Date.now() - started < 5000);
  const trapped = await sh("trap '' TERM; sleep 0.5; echo survived", { signalAfterMs: ['SIGTERM', 100] });
  assert.deepEqual(trapped, { code: 0, stdout: 'survived\n', stderr: '' });
});

test('ping of a name outside the lab says there is no route, once a second, and keeps going', async () => {
  const started = Date.now();
  const result = await box.run(['ping', '-c', '2', 'docker.com']);
  assert.equal(result.code, 1);
  assert.equal(result.stderr, 'ping: docker.com: no route from this lab to the internet\n'.repeat(2));
  assert.match(result.stdout, /2 packets transmitted, 0 packets received, 100% packet loss/);
  assert.ok(Date.now() - started >= 900, 'one line a second');
  const bad = await box.run(['ping', 'nosuchservice']);
  assert.deepEqual([bad.code, bad.stderr], [1, "ping: bad address 'nosuchservice'\n"]);
});
