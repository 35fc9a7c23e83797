/**
 * A models client that answers each task from a script, for tests of how requests use the models
 * (which tasks run, with what) rather than what the models find. Every call is recorded in `ran`.
 */
import type { ModelsClient, TaskName } from '../../models/client';
import type { ModelPlugin } from '../../models/plugins';

export type TaskScript = Partial<Record<TaskName, (payload: Record<string, unknown>) => unknown>>;

export function scriptedModels(script: TaskScript, plugins: ModelPlugin[] = []) {
  const ran: { task: TaskName; payload: Record<string, unknown> }[] = [];
  const models = {
    size: 1,
    plugins,
    run: async (task: TaskName, payload: Record<string, unknown>) => {
      ran.push({ task, payload });
      const answer = script[task];
      if (!answer) throw new Error(`unexpected task ${task}`);
      return answer(payload);
    },
    states: () => [],
    warmup: async () => {},
    close: async () => {},
    background: () => models,
  };
  return { models: models as unknown as ModelsClient, ran };
}
