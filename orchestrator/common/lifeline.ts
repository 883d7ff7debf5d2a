/**
 * Ends this process when its parent goes away. The parent holds the write end of our stdin; when the parent
 * exits (even by kill -9) the pipe closes and we shut down, so no lab node or container outlives its owner.
 */
export function exitWithParent(shutdown: () => Promise<void> | void): void {
  process.stdin.on('data', () => {});
  process.stdin.on('end', () => void Promise.resolve(shutdown()).finally(() => process.exit(0)));
  process.stdin.on('error', () => void Promise.resolve(shutdown()).finally(() => process.exit(0)));
}
