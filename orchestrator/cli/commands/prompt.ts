// docker's confirmation prompt: "<message> [y/N] ", true only for an answer of "y" or "Y".
import type { CliEnv } from '../cli-env.js';

/** Reads one line from stdin (undefined at end of input). */
export function readLine(stdin: NodeJS.ReadableStream): Promise<string | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      const nl = text.indexOf('\n');
      if (nl >= 0) {
        finish(text.slice(0, nl));
      }
    };
    const onEnd = () => finish(text === '' ? undefined : text);
    const finish = (line: string | undefined) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      resolve(line);
    };
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.resume();
  });
}

/** Asks for confirmation on stdout, reading the answer from stdin. */
export async function confirm(env: CliEnv, message: string): Promise<boolean> {
  env.out.write(`${message || 'Are you sure you want to proceed?'} [y/N] `);
  const answer = await readLine(env.streams.stdin);
  return (answer ?? '').trim().toLowerCase() === 'y';
}
