/**
 * The web console's requests log: the last API calls of one emulator in a ring buffer of fixed
 * size. Recording costs a few object writes per call: image bytes are elided from the parsed
 * request (already parsed by dispatch) and the response text is kept as it is, cut at a bound;
 * the response's own image bytes (liveness reference images) are elided only when an entry is read.
 */

/** What the log keeps of one API call. */
export interface LoggedRequest {
  /** Increasing number of the call, from 1 for the emulator's first call. */
  seq: number;
  /** Epoch milliseconds when the call arrived. */
  time: number;
  operation: string;
  account: string;
  region: string;
  requestId: string;
  status: number;
  latencyMs: number;
  /** The error type of a failed call. */
  error?: string;
}

export interface LoggedRequestDetail extends LoggedRequest {
  /** The request's JSON with image bytes elided, or its text when it was cut or did not parse. */
  request: unknown;
  /** True when the request was longer than the log keeps. */
  requestCut: boolean;
  /** The response's JSON with image bytes elided, or its text when it was cut or did not parse. */
  response: unknown;
  /** True when the response was longer than the log keeps. */
  responseCut: boolean;
}

interface Entry extends LoggedRequest {
  /** JSON text, or the raw body when it did not parse (`requestParsed` false). */
  request: string;
  requestParsed: boolean;
  requestCut: boolean;
  response: string;
  responseCut: boolean;
}

/** How many calls the log keeps by default. */
export const DEFAULT_LOG_SIZE = 300;
/** The most of one response's text the log keeps (300 of them stay under 20 MB). */
export const MAX_RESPONSE_CHARS = 64 * 1024;
/** The most of one request's JSON (image bytes elided) the log keeps. */
export const MAX_REQUEST_CHARS = 64 * 1024;
/** The most of an unparsed request's text the log keeps. */
export const MAX_RAW_REQUEST_CHARS = 4 * 1024;
/** Strings longer than this in a request are elided too (whatever their member is called). */
const MAX_STRING_CHARS = 2048;

const elided = (what: string, length: number) => `<${what}: ${length} characters elided>`;

/** A copy of a parsed request with every `Bytes` member (and any very long string) replaced by a note. */
export function elideBytes(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > MAX_STRING_CHARS ? elided('long string', value.length) : value;
  if (value === null || typeof value !== 'object' || depth > 32) return value;
  if (Array.isArray(value)) return value.map((v) => elideBytes(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (key === 'Bytes' && (typeof member === 'string' || Buffer.isBuffer(member))) out[key] = elided('image bytes', member.length);
    else out[key] = elideBytes(member, depth + 1);
  }
  return out;
}

/** The same elision on JSON text that may have been cut anywhere (a cut Bytes value included). */
export function elideBytesInText(text: string): string {
  return text.replace(/"Bytes"\s*:\s*"([^"]*)("|$)/g, (_m, bytes: string, end: string) => `"Bytes":"${elided('image bytes', bytes.length)}${end}`);
}

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export class RequestLog {
  private readonly entries: (Entry | undefined)[];
  /** Calls recorded so far; call n sits at slot (n - 1) % size. */
  private count = 0;

  constructor(readonly size = DEFAULT_LOG_SIZE) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`the requests log needs a positive size, not ${size}`);
    this.entries = new Array<Entry | undefined>(size);
  }

  /**
   * Records one call. `request` is the parsed JSON when it parsed (elided here), else the raw text.
   * Returns the entry's sequence number.
   */
  record(call: Omit<LoggedRequest, 'seq'> & { request: unknown; response: string }): number {
    const seq = ++this.count;
    const cut = call.response.length > MAX_RESPONSE_CHARS;
    const requestParsed = typeof call.request !== 'string';
    const text = requestParsed ? JSON.stringify(elideBytes(call.request)) : (call.request as string).slice(0, MAX_RAW_REQUEST_CHARS);
    const requestCut = text.length > MAX_REQUEST_CHARS;
    this.entries[(seq - 1) % this.size] = {
      ...call,
      seq,
      request: requestCut ? text.slice(0, MAX_REQUEST_CHARS) : text,
      requestParsed,
      requestCut,
      response: cut ? call.response.slice(0, MAX_RESPONSE_CHARS) : call.response,
      responseCut: cut,
    };
    return seq;
  }

  /** The calls kept, newest first, without their bodies. */
  list(): LoggedRequest[] {
    const out: LoggedRequest[] = [];
    for (let seq = this.count; seq > Math.max(0, this.count - this.size); seq--) {
      const entry = this.entries[(seq - 1) % this.size]!;
      out.push({
        seq: entry.seq,
        time: entry.time,
        operation: entry.operation,
        account: entry.account,
        region: entry.region,
        requestId: entry.requestId,
        status: entry.status,
        latencyMs: entry.latencyMs,
        error: entry.error,
      });
    }
    return out;
  }

  /** One call with its bodies, or undefined when it has left the log. */
  get(seq: number): LoggedRequestDetail | undefined {
    if (!Number.isInteger(seq) || seq < 1 || seq > this.count || seq <= this.count - this.size) return undefined;
    const { requestParsed, ...entry } = this.entries[(seq - 1) % this.size]!;
    const request = requestParsed && !entry.requestCut ? parsedOrText(entry.request) : entry.request;
    const response = entry.responseCut ? elideBytesInText(entry.response) : parsedOrText(elideBytesInText(entry.response));
    return { ...entry, request, response };
  }
}
