/**
 * DetectProtectiveEquipment's answer: the persons the worker measured (models/ppe.ts, where the
 * evidence rules are described) as the API's ProtectiveEquipmentPerson, and the Summary.
 */
import type {
  EquipmentDetection,
  ProtectiveEquipmentBodyPart,
  ProtectiveEquipmentPerson,
  ProtectiveEquipmentSummarizationAttributes,
  ProtectiveEquipmentSummary,
  ProtectiveEquipmentType,
} from '../api/generated/types';
import { PPE_FLOOR, type BodyPartEvidence, type PpePersonEvidence } from '../../models/ppe';
import { FACE_CURVE, KEYPOINT_CURVE, OBJECT_CURVE } from './calibration';

export { personFromFace, PPE_FLOOR } from '../../models/ppe';

/** How the PPE task turns person, face and keypoint scores into confidences (it ranks and filters persons and parts by them). */
export const PPE_CURVES = { object: OBJECT_CURVE, face: FACE_CURVE, keypoint: KEYPOINT_CURVE };

/** A measured body part in the API's member order. */
export function toBodyPart(part: BodyPartEvidence): ProtectiveEquipmentBodyPart {
  return {
    Name: part.name,
    Confidence: part.confidence,
    EquipmentDetections: part.equipment.map((e) => ({
      BoundingBox: e.box,
      Confidence: e.confidence,
      Type: e.type,
      CoversBodyPart: { Confidence: e.covers.confidence, Value: e.covers.value },
    })),
  };
}

/** The measured persons, in the API's member order, with Ids in the order given. */
export function toPpePersons(persons: PpePersonEvidence[]): ProtectiveEquipmentPerson[] {
  return persons.map((p, id) => ({
    BodyParts: p.parts.map(toBodyPart),
    BoundingBox: p.box,
    Confidence: p.confidence,
    Id: id,
  }));
}

const PARTS_FOR: Readonly<Record<ProtectiveEquipmentType, readonly string[]>> = {
  FACE_COVER: ['FACE'],
  HEAD_COVER: ['HEAD'],
  HAND_COVER: ['LEFT_HAND', 'RIGHT_HAND'],
};

/**
 * Summary per ProtectiveEquipmentSummarizationAttributes: MinConfidence (raised to 50, as AWS does)
 * applies to the person, the body part, the equipment and its coverage. Per required type: wearing
 * when every detected part of that type has covering equipment; missing when a detected part has
 * none; undecided when no such part was detected. A person is "without" if any type is missing,
 * "with" if every type is worn, else indeterminate (our reading of the API reference).
 */
export function summarize(persons: ProtectiveEquipmentPerson[], attrs: ProtectiveEquipmentSummarizationAttributes): ProtectiveEquipmentSummary {
  const min = Math.max(PPE_FLOOR, attrs.MinConfidence);
  const summary: Required<ProtectiveEquipmentSummary> = { PersonsWithRequiredEquipment: [], PersonsWithoutRequiredEquipment: [], PersonsIndeterminate: [] };
  const types = [...new Set(attrs.RequiredEquipmentTypes)];
  for (const person of persons) {
    const id = person.Id!;
    if ((person.Confidence ?? 0) < min || !types.length) {
      summary.PersonsIndeterminate.push(id);
      continue;
    }
    const states = types.map((type) => {
      const parts = (person.BodyParts ?? []).filter((p) => PARTS_FOR[type].includes(p.Name!) && (p.Confidence ?? 0) >= min);
      if (!parts.length) return 'unknown';
      const worn = (p: ProtectiveEquipmentBodyPart) =>
        (p.EquipmentDetections ?? []).some(
          (e: EquipmentDetection) => e.Type === type && (e.Confidence ?? 0) >= min && e.CoversBodyPart?.Value === true && (e.CoversBodyPart.Confidence ?? 0) >= min,
        );
      return parts.every(worn) ? 'worn' : 'missing';
    });
    if (states.includes('missing')) summary.PersonsWithoutRequiredEquipment.push(id);
    else if (states.every((s) => s === 'worn')) summary.PersonsWithRequiredEquipment.push(id);
    else summary.PersonsIndeterminate.push(id);
  }
  return summary;
}
