/** Both log formats: text lines, and pino's JSON lines behind --log-format json. */
import { describe, expect, it } from 'vitest';
import { Logger } from '../../src/runtime/logger';

describe('Logger', () => {
  it('writes text lines at or above its level', () => {
    const lines: string[] = [];
    const log = new Logger('info', (line) => lines.push(line));
    log.debug('hidden');
    log.warn('S3 endpoint unreachable', { endpoint: 'http://127.0.0.1:1' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z WARN S3 endpoint unreachable {"endpoint":"http:\/\/127.0.0.1:1"}\n$/);
  });

  it('writes one JSON object per line with --log-format json', () => {
    const lines: string[] = [];
    const log = new Logger('info', (line) => lines.push(line), 'json');
    log.debug('hidden');
    log.info('state', { persistence: 'memory' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({ level: 'info', time: expect.stringMatching(/Z$/), persistence: 'memory', msg: 'state' });
  });
});
