/**
 * `/services/{id}/logs` and `/tasks/{id}/logs` on the leader: the logs of each task's container, read from the
 * node that runs it, merged into one multiplexed stream. Without `follow` the lines are sorted by time, so the
 * same request gives the same answer; with `follow`, lines go out as they come.
 */
import type { ServerResponse } from 'node:http';
import { type LogLine, type LogQuery, writeLogLine } from '../../api/log-stream.js';
import type { TaskObject } from '../../store/objects.js';

/** Reads a container's log lines on the node that runs it. */
export type NodeLogReader = (
  nodeId: string,
  containerId: string,
  query: LogQuery,
  signal: AbortSignal,
) => AsyncIterable<LogLine>;

/** Docker's per-line details of a task's log line: `com.docker.swarm.node.id=...,...` */
export function taskDetails(task: TaskObject): string {
  return [
    `com.docker.swarm.node.id=${task.NodeID ?? ''}`,
    `com.docker.swarm.service.id=${task.ServiceID}`,
    `com.docker.swarm.task.id=${task.ID}`,
  ].join(',');
}

/** The tasks whose containers can have logs: those that reached a node and got a container. */
export function tasksWithLogs(tasks: TaskObject[]): TaskObject[] {
  return tasks
    .filter((t) => t.NodeID && t.Status.ContainerStatus?.ContainerID)
    .sort((a, b) => (a.Slot ?? 0) - (b.Slot ?? 0) || a.CreatedAt.localeCompare(b.CreatedAt));
}

export async function writeTaskLogs(
  res: ServerResponse,
  tasks: TaskObject[],
  query: LogQuery,
  read: NodeLogReader,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<void> {
  const prefix = (task: TaskObject) => (query.details ? `${taskDetails(task)} ` : '');
  const sources = tasksWithLogs(tasks).map((task) => ({
    task,
    lines: read(task.NodeID!, task.Status.ContainerStatus!.ContainerID!, query, signal),
  }));
  if (!query.follow) {
    const all: { line: LogLine; task: TaskObject; order: number }[] = [];
    await Promise.all(
      sources.map(async ({ task, lines }, order) => {
        try {
          for await (const line of lines) all.push({ line, task, order });
        } catch (error) {
          log(`logs of task ${task.ID} are unavailable: ${(error as Error).message}`);
        }
      }),
    );
    all.sort((a, b) => a.line.time.getTime() - b.line.time.getTime() || a.order - b.order);
    for (const { line, task } of all) await writeLogLine(res, line, query, prefix(task));
    return;
  }
  await Promise.all(
    sources.map(async ({ task, lines }) => {
      try {
        for await (const line of lines) await writeLogLine(res, line, query, prefix(task));
      } catch (error) {
        if (!signal.aborted)
          log(`following the logs of task ${task.ID} stopped: ${(error as Error).message}`);
      }
    }),
  );
}
