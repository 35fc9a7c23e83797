/**
 * Requests Node's HTTP parser refuses before express sees them (headers over Node's 16 KB limit,
 * malformed HTTP): answered with an AWS-style JSON error instead of Node's bare status line, so an
 * SDK reports a named error rather than an unparseable response. The connection is closed after.
 */
import type { Duplex } from 'node:stream';
import { RekognitionError, errors } from '../src/api/errors';
import type { Emulator } from '../src/emulator';

const REASONS: Record<number, string> = { 400: 'Bad Request', 431: 'Request Header Fields Too Large' };

export function clientErrorHandler(emulator: Emulator) {
  return (err: Error & { code?: string }, socket: Duplex): void => {
    // Nothing to answer on a connection that is gone or already answering.
    if (err.code === 'ECONNRESET' || !socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const error =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? new RekognitionError('RequestHeaderFieldsTooLargeException', 'Request headers are larger than the 16 KB this endpoint accepts.', 431, 'coral')
        : errors.serialization('Unable to read the HTTP request');
    const answer = emulator.errorResponse(error);
    const body = Buffer.from(answer.body, 'utf8');
    const head = [
      `HTTP/1.1 ${answer.status} ${REASONS[answer.status] ?? 'Bad Request'}`,
      'Content-Type: application/x-amz-json-1.1',
      `Content-Length: ${body.length}`,
      `x-amzn-RequestId: ${answer.requestId}`,
      ...(answer.errorType ? [`x-amzn-ErrorType: ${answer.errorType}`] : []),
      'Connection: close',
      '',
      '',
    ].join('\r\n');
    socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  };
}
