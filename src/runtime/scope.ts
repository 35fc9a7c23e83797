/** Where a request or a stored resource lives: every piece of state is keyed by account and region. */
export interface Scope {
  account: string;
  region: string;
}

/** The scope alone, without whatever else the object carries (a request context, a row). */
export const scopeOf = (s: Scope): Scope => ({ account: s.account, region: s.region });

/** A Rekognition ARN: `arn:aws:rekognition:REGION:ACCOUNT:RESOURCE`. */
export function arn(scope: Scope, resource: string): string {
  return `arn:aws:rekognition:${scope.region}:${scope.account}:${resource}`;
}

export interface ParsedArn extends Scope {
  /** The resource type before the first `/` (`collection`, `project`, `streamprocessor`). */
  type: string;
  /** Everything after the first `/`. */
  path: string;
}

const ARN = /^arn:aws:rekognition:([a-z0-9-]+):(\d{12}):([a-z]+)\/(.+)$/;

/** The parts of a Rekognition resource ARN, or undefined when it is not one. */
export function parseArn(value: string): ParsedArn | undefined {
  const m = ARN.exec(value);
  return m ? { region: m[1], account: m[2], type: m[3], path: m[4] } : undefined;
}
