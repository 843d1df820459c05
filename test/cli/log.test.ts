// Issue point 13: RepeatLimiter bounds the log lines of repeated warnings: the first of a kind is
// logged, repeats are counted, and each period ends with one summary line per kind that repeated.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogRecord } from '../../src/api/index.js';
import { RepeatLimiter } from '../../src/cli/log.js';

/** A limiter whose period never ends by itself (flush() ends it), and the lines it let through. */
function limiter(maxKinds?: number): { lines: LogRecord[]; l: RepeatLimiter } {
  const lines: LogRecord[] = [];
  const l = new RepeatLimiter((r) => lines.push(r), 3_600_000, maxKinds);
  return { lines, l };
}

const malformed = (n: number): LogRecord => ({
  level: 'warn',
  message: 'malformed message answered',
  assoc: n,
  cause: '0x10',
  reason: `bad length ${n}`,
});

describe('RepeatLimiter', () => {
  it('a flood of 10,000 warnings of one kind: the first line, then one summary per period', () => {
    const { lines, l } = limiter();
    for (let i = 0; i < 10_000; i++) l.logger(malformed(i));
    assert.equal(lines.length, 1);
    assert.deepEqual(lines[0], malformed(0));
    l.flush();
    assert.equal(lines.length, 2);
    assert.deepEqual(lines[1], {
      level: 'warn',
      message: 'malformed message answered',
      cause: '0x10',
      repeated: 9_999,
      periodMs: 3_600_000,
    });
    for (let i = 0; i < 5; i++) l.logger(malformed(i));
    l.flush();
    assert.equal(lines.at(-1)!['repeated'], 5);
    l.close();
  });

  it('a kind silent for a whole period is logged in full again; info lines are never held back', () => {
    const { lines, l } = limiter();
    l.logger(malformed(1));
    l.flush();
    l.flush();
    l.logger(malformed(2));
    for (let i = 0; i < 3; i++) l.logger({ level: 'info', message: 'PE added', pe: i });
    assert.deepEqual(
      lines.map((r) => r['assoc'] ?? r['pe']),
      [1, 2, 0, 1, 2],
    );
    l.close();
  });

  it('kinds: other causes and other messages are apart; numbers (addresses, ports) are not', () => {
    const { lines, l } = limiter();
    l.logger(malformed(1));
    l.logger({ ...malformed(2), cause: '0x3' });
    l.logger({ level: 'warn', message: 'UDP send to 10.0.0.1:9899 failed: EPERM' });
    l.logger({ level: 'warn', message: 'UDP send to 10.0.0.2:9899 failed: EPERM' });
    assert.equal(lines.length, 3);
    l.close();
    assert.equal(lines.length, 4, 'close() logs the last counts');
    assert.equal(lines[3]!['repeated'], 1);
  });

  it('the number of kinds is bounded: beyond maxKinds they share one', () => {
    const { lines, l } = limiter(4);
    for (let i = 0; i < 100; i++)
      l.logger({
        level: 'warn',
        message: `kind ${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`,
      });
    assert.equal(lines.length, 5);
    l.flush();
    assert.deepEqual(lines.at(-1), {
      level: 'warn',
      message: 'other warnings',
      repeated: 95,
      periodMs: 3_600_000,
    });
    l.close();
  });
});
