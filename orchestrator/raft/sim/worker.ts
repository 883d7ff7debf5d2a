/**
 * @module A worker thread that runs simulation seeds posted to it (see main.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { simulate } from './simulator.js';

const { durationMs } = workerData as { durationMs?: number };
parentPort!.on('message', (seed: number) => {
  parentPort!.postMessage(simulate({ seed, durationMs }));
});
