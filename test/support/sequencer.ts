/**
 * The order test files start in: the model-backed project first, then the contract suites, then the
 * quick unit files, which fill the cores at the end. vitest's own order runs the projects by name,
 * so the longest model-backed file used to start last, with little left to run beside it. Within a
 * project the longest files go first: by the last run's durations when vitest has them, else in
 * the order of the project's include list (vitest.config.ts lists the model-backed files by cost).
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const PROJECT_ORDER = ['models', 'contract', 'control-plane', 'unit'];

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const relative = (file: TestSpecification) => file.moduleId.slice(config.root.length + 1);
    const duration = (file: TestSpecification) => cache.getFileTestResults(`${file.project.name}:${relative(file)}`)?.duration;
    const listed = (file: TestSpecification) => {
      const index = file.project.config.include.indexOf(relative(file));
      return index < 0 ? Number.MAX_SAFE_INTEGER : index;
    };
    return [...files].sort((a, b) => {
      const byProject = PROJECT_ORDER.indexOf(a.project.name) - PROJECT_ORDER.indexOf(b.project.name);
      if (byProject !== 0) return byProject;
      const [da, db] = [duration(a), duration(b)];
      return da !== undefined && db !== undefined ? db - da : listed(a) - listed(b);
    });
  }
}
