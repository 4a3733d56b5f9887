import type { Redis } from 'ioredis';

import { recordingRedis, scriptKeyProblems, stepsAcrossSlots } from './redis-recorder';

describe('recordingRedis', () => {
  it('records scripts, MULTIs and both pipeline forms with their prefixed keys', async () => {
    const { redis, steps } = recordingRedis<Redis>({
      prefix: 'p:',
      reads: { get: 'v' },
      evalAnswer: () => 'held',
    });
    expect(await redis.get('k')).toBe('v');
    expect(await redis.hget('h', 'f')).toBeNull();
    expect(await redis.eval("return redis.call('GET', KEYS[1])", 1, '{a}x', 'arg')).toBe('held');
    await redis.multi().set('{a}1', 'v').eval('return 1', 1, '{a}2').exec();
    await redis.pipeline().del('{b}1').exec();
    await redis.pipeline([['expire', '{c}1', 10]]).exec();
    expect(steps).toEqual([
      {
        what: "EVAL return redis.call('GET', KEYS[1])",
        keys: ['p:{a}x'],
        script: expect.any(String),
      },
      { what: 'MULTI SET EVAL', keys: ['p:{a}1', 'p:{a}2'], script: 'return 1' },
      { what: 'PIPELINE DEL', keys: ['p:{b}1'] },
      { what: 'PIPELINE EXPIRE', keys: ['p:{c}1'] },
    ]);
  });

  it('names the steps whose keys are in more than one slot', async () => {
    const { redis, steps } = recordingRedis<Redis>();
    await redis.multi().set('{room}a', '1').set('{room}b', '1').exec();
    await redis.multi().set('room-a', '1').set('room-b', '1').exec();
    expect(stepsAcrossSlots(steps)).toEqual([
      { step: 'MULTI SET SET', slots: [expect.any(Number), expect.any(Number)] },
    ]);
  });

  it('finds a script key that is not one of KEYS, or is built from ARGV', () => {
    const step = (script: string) => ({ what: 'EVAL', keys: [], script });
    expect(scriptKeyProblems(step("redis.call('SET', KEYS[1], ARGV[1])"))).toEqual([]);
    expect(scriptKeyProblems(step("redis.call('DEL', 'cascade:' .. ARGV[1])"))).toEqual([
      "DEL on 'cascade:' .. ARGV[1], not one of KEYS",
      'a key concatenated from ARGV',
    ]);
    expect(scriptKeyProblems({ what: 'MULTI SET', keys: [] })).toEqual([]);
  });
});
