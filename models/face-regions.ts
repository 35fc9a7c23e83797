/**
 * Constants shared by the face task (worker) and src/analysis/faces.ts, free of imports so the
 * worker and the main thread can both load them: face-mesh (MediaPipe 468 + iris) index sets and
 * the emotion net's labels. Sides are named as the image shows them: "L" is the eye/cheek on the
 * image's left (the person's right).
 */

export { FACE_MODELS } from './catalog';

/** Labels of human's emotion net, in its output order. */
export const EMOTION_LABELS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;

/** Face silhouette. */
export const FACE_OVAL = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109];
export const EYE_L = [33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246];
export const EYE_R = [263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466];
export const LIPS_OUTER = [61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185];
export const LIPS_INNER = [78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13, 82, 81, 80, 191];

/** Regions whose pixel statistics the face task measures; each is the convex hull of its points. */
export const REGIONS: Record<string, number[]> = {
  face: FACE_OVAL,
  forehead: [108, 151, 337, 336, 9, 107, 69, 299],
  cheekL: [100, 101, 36, 50, 205, 206],
  cheekR: [329, 330, 266, 280, 425, 426],
  nose: [196, 419, 3, 248, 51, 281, 5, 4, 1, 45, 275],
  upperLip: [92, 165, 167, 164, 393, 391, 322, 39, 37, 0, 267, 269],
  chin: [182, 83, 18, 313, 406, 418, 421, 428, 199, 208, 201, 194],
  jawL: [212, 214, 210, 169, 170, 140, 32, 211, 202],
  jawR: [432, 434, 430, 394, 395, 369, 262, 431, 422],
  eyeL: EYE_L,
  eyeR: EYE_R,
  socketL: [46, 52, 55, 245, 233, 231, 229, 228, 31, 226],
  socketR: [276, 282, 285, 465, 453, 451, 449, 448, 261, 446],
  underEyeL: [110, 24, 23, 22, 26, 112, 228, 229, 230, 231, 232],
  underEyeR: [339, 254, 253, 252, 256, 341, 448, 449, 450, 451, 452],
  rimL: [228, 229, 230, 231, 232, 117, 118, 119, 120, 121],
  rimR: [448, 449, 450, 451, 452, 346, 347, 348, 349, 350],
  bridge: [168, 6, 197, 193, 417, 122, 351],
  mouth: LIPS_OUTER,
};
