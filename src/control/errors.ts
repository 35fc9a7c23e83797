/** A control-plane request the emulator refuses: the HTTP status and what is wrong, for the caller. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}
