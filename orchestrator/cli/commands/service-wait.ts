// docker's WaitOnService: follows a service until it converges, showing progress on stdout unless quiet;
// Ctrl-C stops waiting (the update continues in the background).
import type { CliEnv } from '../cli-env.js';
import { ProgressDisplay } from '../progress/progress-display.js';
import { followService } from '../progress/service-progress.js';

/** Waits for `serviceId` to converge. */
export async function waitOnService(env: CliEnv, serviceId: string, quiet: boolean): Promise<void> {
  const display = new ProgressDisplay(
    (text) => {
      if (!quiet) env.out.write(text);
    },
    env.out.isTerminal,
    // A terminal's own width, even 0 (no window size: no bars); 200 when docker cannot ask.
    () => (env.out.isTerminal ? env.out.columns : 200),
  );
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  try {
    await followService(env.client(), serviceId, (message) => display.show(message), interrupt.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
