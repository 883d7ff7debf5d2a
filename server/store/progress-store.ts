import Database from 'better-sqlite3';

/**
 * What the workshop remembers about learners across restarts, in SQLite: who they are (the hash of their
 * session secret), the lesson they were on, and the steps they passed.
 */
export class ProgressStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS learners (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        current_lesson TEXT
      );
      CREATE TABLE IF NOT EXISTS passed_steps (
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        lesson_id TEXT NOT NULL,
        step_id TEXT NOT NULL,
        passed_at TEXT NOT NULL,
        PRIMARY KEY (learner_id, lesson_id, step_id)
      );
    `);
  }

  /** Records a learner (first visit) or that it was seen again. */
  touchLearner(learnerId: string): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        'INSERT INTO learners (id, created_at, seen_at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET seen_at = excluded.seen_at',
      )
      .run(learnerId, now, now);
  }

  hasLearner(learnerId: string): boolean {
    return this.db.prepare('SELECT 1 FROM learners WHERE id = ?').get(learnerId) !== undefined;
  }

  currentLesson(learnerId: string): string | undefined {
    const row = this.db.prepare('SELECT current_lesson FROM learners WHERE id = ?').get(learnerId) as
      | { current_lesson: string | null }
      | undefined;
    return row?.current_lesson ?? undefined;
  }

  setCurrentLesson(learnerId: string, lessonId: string): void {
    this.db.prepare('UPDATE learners SET current_lesson = ? WHERE id = ?').run(lessonId, learnerId);
  }

  /** The steps of a lesson the learner passed, with when. */
  passedSteps(learnerId: string, lessonId: string): Map<string, string> {
    const rows = this.db
      .prepare('SELECT step_id, passed_at FROM passed_steps WHERE learner_id = ? AND lesson_id = ?')
      .all(learnerId, lessonId) as { step_id: string; passed_at: string }[];
    return new Map(rows.map((r) => [r.step_id, r.passed_at]));
  }

  /** How many steps the learner passed, per lesson. */
  passedCounts(learnerId: string): Map<string, number> {
    const rows = this.db
      .prepare('SELECT lesson_id, COUNT(*) AS n FROM passed_steps WHERE learner_id = ? GROUP BY lesson_id')
      .all(learnerId) as { lesson_id: string; n: number }[];
    return new Map(rows.map((r) => [r.lesson_id, r.n]));
  }

  /** Records a passed step (once); returns when it was first passed. */
  markPassed(learnerId: string, lessonId: string, stepId: string): string {
    const now = new Date().toISOString();
    this.db
      .prepare(
        'INSERT OR IGNORE INTO passed_steps (learner_id, lesson_id, step_id, passed_at) VALUES (?, ?, ?, ?)',
      )
      .run(learnerId, lessonId, stepId, now);
    return this.passedSteps(learnerId, lessonId).get(stepId) ?? now;
  }

  /** Forgets the learner's passed steps of one lesson. */
  restartLesson(learnerId: string, lessonId: string): void {
    this.db
      .prepare('DELETE FROM passed_steps WHERE learner_id = ? AND lesson_id = ?')
      .run(learnerId, lessonId);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
