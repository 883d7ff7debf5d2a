// CI proves every lesson still works: `swarmlab lessons test` runs each lesson's solve script in a fresh local
// lab and waits for all of its steps' checks, exactly as an instructor would before a workshop.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadLessons } from '../lessons/format/load-lessons.js';

const swarmlab = fileURLToPath(new URL('../../bin/swarmlab.js', import.meta.url));

function runLessonsTest(home: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [swarmlab, 'lessons', 'test'], {
      env: { ...process.env, SWARMLAB_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('swarmlab lessons test: every lesson solve script passes its step checks', async () => {
  const home = mkdtempSync(join(tmpdir(), 'swarmlab-lessons-solve-'));
  try {
    const { code, output } = await runLessonsTest(home);
    const lessons = loadLessons().map((lesson) => lesson.id);
    assert.equal(lessons.length, 13, 'the talk has 13 lessons');
    const passed = [...output.matchAll(/^PASS (L\d+)$/gm)].map((match) => match[1]);
    const failures = output.split('\n').filter((line) => /^(FAIL|\s{7}\S)/.test(line));
    assert.deepEqual(passed, lessons, `lessons that did not pass:\n${failures.join('\n')}\n\n${output}`);
    assert.equal(code, 0, output);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
