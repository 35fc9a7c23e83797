/**
 * Every inference task a worker can run, by name. A task takes a structured-cloneable payload
 * (raw RGB pixels travel as transferred ArrayBuffers) and returns plain data.
 */
import type { ModelState } from '../registry';
import { faceTasks } from './faces';
import { visionTasks } from './vision';
import { textTasks } from './text';
import { customLabelsTasks } from './custom-labels';
import { livenessTasks } from './liveness';

export interface TaskContext {
  reportModelState(name: string, state: ModelState, error?: string): void;
}

export type Task = (payload: never, ctx: TaskContext) => Promise<unknown>;

export const tasks: Record<string, Task> = {
  /** Proves a worker is alive and answers; used by tests and the benchmark. */
  echo: async (payload: unknown) => payload,
  ...faceTasks,
  ...visionTasks,
  ...textTasks,
  ...customLabelsTasks,
  ...livenessTasks,
};
