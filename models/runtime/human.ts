/**
 * One @vladmandic/human instance per worker, with every module this emulator uses: face detector,
 * mesh, iris, emotion and description (age/gender) for faces; movenet for body pose. (centernet,
 * from the same package, runs in centernet.ts.) Modules load on first use; each call enables only
 * what it needs.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { packageDir } from './package-dir';
import { initTfjs, require } from './tfjs';
import type { RgbPixels } from '../evidence';
import { rotateOnlyWhatIsCut } from './face-rotation';

// The package's `exports` map is malformed and its main entry needs tfjs-node: load the wasm build by path.
const humanDir = packageDir('@vladmandic/human');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type HumanModule = { Human: new (config: Record<string, unknown>) => any };
const { Human } = require(join(humanDir, 'dist', 'human.node-wasm.js')) as HumanModule;

export type HumanInstance = InstanceType<HumanModule['Human']>;

const baseConfig = {
  backend: 'wasm',
  wasmPath: `${join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist')}/`,
  modelBasePath: `${pathToFileURL(join(humanDir, 'models')).href}/`,
  debug: false,
  async: true,
  // Results must come from this input alone, never from a cache of a similar earlier frame.
  cacheSensitivity: 0,
  warmup: 'none',
  filter: { enabled: false },
  face: {
    enabled: false,
    detector: { enabled: true, rotation: true, maxDetected: 100, minConfidence: 0.2, iouThreshold: 0.1, return: false },
    mesh: { enabled: true },
    iris: { enabled: true },
    emotion: { enabled: true },
    description: { enabled: true },
    attention: { enabled: false },
    antispoof: { enabled: false },
    liveness: { enabled: false },
  },
  body: { enabled: false, modelPath: 'movenet-lightning.json', maxDetected: 1 },
  // centernet runs in centernet.ts, at the image's own aspect ratio.
  object: { enabled: false },
  hand: { enabled: false },
  gesture: { enabled: false },
  segmentation: { enabled: false },
};

let instance: Promise<HumanInstance> | undefined;

export function getHuman(): Promise<HumanInstance> {
  instance ??= (async () => {
    await initTfjs();
    const human = new Human(baseConfig);
    await human.init();
    // a tilted face is turned upright on its own box, not on the whole image
    rotateOnlyWhatIsCut(human.tf);
    return human;
  })();
  return instance;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * human keeps each call's config and its face-box cache on the instance, and a worker may have
 * several tasks in flight (they interleave at awaits): calls to detect (and load) must not overlap.
 */
export function exclusive<T>(run: () => Promise<T>): Promise<T> {
  const next = queue.then(run, run);
  queue = next.catch(() => undefined);
  return next;
}

/** Which human modules a call runs. */
export interface HumanModules {
  face?: boolean;
  body?: boolean;
}

/**
 * Runs human on an RGB image with only the requested modules enabled. `face` overrides parts of the
 * face config for this call (e.g. emotion off, or `detector.return` to get each face's crop tensor).
 */
export async function detectWithHuman(rgb: RgbPixels, modules: HumanModules, face: Record<string, unknown> = {}) {
  const human = await getHuman();
  return exclusive(async () => {
    const tensor = human.tf.tensor3d(rgb.data, [rgb.height, rgb.width, 3], 'int32');
    try {
      return await human.detect(tensor, {
        face: { ...baseConfig.face, ...face, enabled: Boolean(modules.face) },
        body: { ...baseConfig.body, enabled: Boolean(modules.body) },
      });
    } finally {
      human.tf.dispose(tensor);
    }
  });
}
