/**
 * The Custom Labels family (20 operations), in a few modules:
 *   custom-labels-store.ts     SQLite tables, ARNs, lookups, restart recovery
 *   custom-labels-projects.ts  CreateProject, DescribeProjects, DeleteProject, project policies, tagging
 *   custom-labels-datasets.ts  CreateDataset … DistributeDatasetEntries (Ground Truth manifests)
 *   custom-labels-training.ts  the background training job
 *   custom-labels-versions.ts  CreateProjectVersion … DetectCustomLabels
 * Importing this module registers every handler.
 */
import './custom-labels-projects';
import './custom-labels-datasets';
import './custom-labels-versions';
