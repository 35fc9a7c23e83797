/** The compact form of the official API model that scripts/generate-api.ts emits. */
export type MemberRef = string | { shape: string; jsonvalue: true };

export interface ModelShape {
  type: 'structure' | 'string' | 'list' | 'map' | 'integer' | 'long' | 'float' | 'double' | 'boolean' | 'blob' | 'timestamp';
  members?: Record<string, MemberRef>;
  required?: string[];
  member?: string;
  key?: string;
  value?: string;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  exception?: boolean;
  fault?: boolean;
}

export interface ModelOperation {
  input: string | null;
  output: string | null;
  errors: string[];
}

export function memberShapeName(ref: MemberRef): string {
  return typeof ref === 'string' ? ref : ref.shape;
}
