import type { Redis } from 'ioredis';

import { keys } from './keys';
import { RoomMedia } from './room-media';
import type { StoredDocumentLog } from './session-store';

const KEY = keys.producers('acme', 'standup');
const MIC_ID = '6f1c2a57-2b8e-4f4e-9a3e-4d1f0c6b7a10';
const mic = {
  producerId: MIC_ID,
  participantId: 'p_1',
  kind: 'audio',
  source: 'microphone',
  paused: false,
};

/** The room's producer hash in memory, with the reads (and the read-and-delete) the class makes. */
function fakeRedis(producers: Record<string, string>): Redis {
  return {
    options: { keyPrefix: '' },
    hget: async (key: string, field: string) => (key === KEY ? (producers[field] ?? null) : null),
    hvals: async (key: string) => (key === KEY ? Object.values(producers) : []),
    multi() {
      let field = '';
      const tx = {
        hget: (_key: string, f: string) => ((field = f), tx),
        hdel: () => tx,
        exec: async () => {
          const raw = producers[field] ?? null;
          const deleted = field in producers ? 1 : 0;
          delete producers[field];
          return [
            [null, raw],
            [null, deleted],
          ];
        },
      };
      return tx;
    },
  } as unknown as Redis;
}

function mediaWith(producers: Record<string, string>) {
  const warnings: Array<Record<string, unknown>> = [];
  const log: StoredDocumentLog = { warn: (fields) => warnings.push(fields) };
  return { media: new RoomMedia(fakeRedis(producers), log), warnings };
}

const BAD = {
  'pr-garbled': '{"producerId":',
  'pr-shapeless': JSON.stringify({ producerId: 'pr-shapeless', kind: 'smell' }),
};

describe('RoomMedia reading producers back from Redis', () => {
  it('reads well-formed producers', async () => {
    const { media, warnings } = mediaWith({ [MIC_ID]: JSON.stringify(mic) });
    expect(await media.producer('acme', 'standup', MIC_ID)).toEqual(mic);
    expect(await media.producers('acme', 'standup')).toEqual([mic]);
    expect(warnings).toEqual([]);
  });

  it.each(Object.keys(BAD))('treats %s as a missing producer, logged with its key', async (id) => {
    const { media, warnings } = mediaWith({ ...BAD });
    expect(await media.producer('acme', 'standup', id)).toBeUndefined();
    expect(warnings).toEqual([{ key: KEY, issues: expect.any(Array) }]);
  });

  it('lists the good producers of a room and leaves the bad ones out, each logged', async () => {
    const { media, warnings } = mediaWith({ ...BAD, [MIC_ID]: JSON.stringify(mic) });
    expect(await media.producers('acme', 'standup')).toEqual([mic]);
    expect(warnings).toHaveLength(2);
  });

  it('removes a bad producer without announcing it, and still announces a good one', async () => {
    const { media, warnings } = mediaWith({ ...BAD, [MIC_ID]: JSON.stringify(mic) });
    expect(await media.removeProducers('acme', 'standup', ['pr-garbled', MIC_ID])).toEqual([mic]);
    expect(warnings).toHaveLength(1);
    expect(await media.producer('acme', 'standup', 'pr-garbled')).toBeUndefined();
  });
});
