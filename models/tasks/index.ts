/**
 * Every inference task a worker can run, by name. A task takes a structured-cloneable payload
 * (raw RGB pixels travel as transferred ArrayBuffers) and returns plain evidence, never API
 * shapes. models/client.ts derives its typed task table from `typeof tasks` with a type-only
 * import, so the main thread never loads this file.
 */
import type { ModelState } from '../catalog';
import { faceTasks } from './faces';
import { visionTasks } from './vision';
import { textTasks } from './text';
import { customLabelsTasks } from './custom-labels';
import { livenessTasks } from './liveness';

export interface TaskContext {
  reportModelState(name: string, state: ModelState, error?: string): void;
}

export type Task = (payload: never, ctx: TaskContext) => Promise<unknown>;

export const tasks = {
  /** Proves a worker is alive and answers; used by tests and the benchmark. */
  echo: async <T>(payload: T): Promise<T> => payload,
  ...faceTasks,
  ...visionTasks,
  ...textTasks,
  ...customLabelsTasks,
  ...livenessTasks,
} satisfies Record<string, Task>;

export type Tasks = typeof tasks;
