/**
 * A provider serves one API family: a literal table of handlers keyed by operation name, and what
 * it must do when the emulator starts, resets or stops. The emulator assembles providers
 * explicitly; nothing registers itself on import.
 */
export interface Provider<Table extends object = object> {
  /** The API family, for logs and docs (`faces`, `video`...). */
  name: string;
  handlers: Table;
  /** After the server is listening: resume unfinished work, index galleries... */
  start?(): void | Promise<void>;
  /** Control-plane reset: drop state kept outside the stores (caches, running work). */
  reset?(): void;
  /** Shutdown: stop background work; stores close after every provider has stopped. */
  stop?(): void | Promise<void>;
}
