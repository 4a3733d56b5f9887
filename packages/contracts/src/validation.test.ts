import { z } from 'zod';

import { CascadeError } from './errors';
import { formatPath, parseOrThrow, parseResult } from './validation';

const Join = z.object({
  room: z.string().min(1),
  devices: z.array(z.object({ kind: z.enum(['audio', 'video']) })),
});

describe('parseOrThrow', () => {
  it('returns the parsed value when the input matches', () => {
    expect(parseOrThrow(Join, { room: 'r1', devices: [{ kind: 'audio' }] })).toEqual({
      room: 'r1',
      devices: [{ kind: 'audio' }],
    });
  });

  it('throws INVALID_ARGUMENT naming every failing field by its path', () => {
    let thrown: unknown;
    try {
      parseOrThrow(
        Join,
        { room: '', devices: [{ kind: 'audio' }, { kind: 'smell' }] },
        'join request',
      );
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CascadeError);
    const error = thrown as CascadeError;
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/^invalid join request: /);
    expect(error.message).toContain('room:');
    expect(error.message).toContain('devices[1].kind:');
    const issues = error.details?.['issues'] as Array<{ path: string }>;
    expect(issues.map((i) => i.path)).toEqual(['room', 'devices[1].kind']);
  });

  it('reports a wrong root type with an empty path', () => {
    const result = parseResult(Join, 'not an object');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('INVALID_ARGUMENT');
      expect(result.error.details?.['issues']).toEqual([{ path: '', message: expect.any(String) }]);
    }
  });

  it('summarises at most five issues in the message but keeps all in details', () => {
    const Many = z.object(Object.fromEntries([...'abcdefg'].map((k) => [k, z.number()])));
    const result = parseResult(Many, {});
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.message).toContain('(and 2 more)');
      expect(result.error.details?.['issues']).toHaveLength(7);
    }
  });
});

describe('formatPath', () => {
  it.each([
    [[], ''],
    [['a'], 'a'],
    [['a', 'b'], 'a.b'],
    [['a', 0, 'b'], 'a[0].b'],
    [[1, 'x'], '[1].x'],
  ])('formats %j as %j', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});
