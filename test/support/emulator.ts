/**
 * Tests build their emulator here: createEmulator with a quiet log, injectable fakes, and `call`,
 * which goes through dispatch exactly as an HTTP request does (validation, handler, serialisation)
 * and gives back the wire JSON parsed, or throws the API error.
 */
import { createEmulator, type Config, type Emulator, type EmulatorOverrides } from '../../src/emulator';
import { Logger } from '../../src/runtime/logger';
import type { Scope } from '../../src/runtime/scope';

export const TEST_CALLER: Scope = { account: '123456789012', region: 'us-east-1' };

/** An error answer, as a client would see it. */
export class ApiError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
    this.name = type;
  }
}

export interface TestEmulator {
  emulator: Emulator;
  // The tests probe arbitrary paths of the wire JSON.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(operation: string, input?: Record<string, unknown>, caller?: Scope): Promise<Record<string, any>>;
  close(): Promise<void>;
}

export function testEmulator(config: Partial<Config> = {}, overrides: EmulatorOverrides = {}): TestEmulator {
  // Users settle at once (AssociateFaces still answers UPDATING); a test of the delay sets its own.
  const emulator = createEmulator({ userUpdateDelaySeconds: 0, ...config }, { ...overrides, runtime: { log: new Logger('error'), ...overrides.runtime } });
  return {
    emulator,
    async call(operation, input = {}, caller = TEST_CALLER) {
      const answer = await emulator.dispatch(operation, JSON.stringify(input), caller);
      const body = JSON.parse(answer.body) as Record<string, unknown>;
      if (answer.status !== 200) throw new ApiError(answer.errorType ?? 'Unknown', answer.status, String(body.Message ?? body.message ?? ''), body);
      return body;
    },
    close: () => emulator.stop(),
  };
}
