import { wireJson } from '@cascade/contracts';
import { type Subscription } from '@nats-io/transport-node';

import { ChatRetention } from '../src/chat/chat-retention';
import { PrismaService } from '../src/database/prisma.service';
import { uid, useRoomsApp, waitFor } from './support/harness';

const json = wireJson;
const NO_SETTINGS = { settings: () => Promise.resolve(undefined) };

const DAY = 86_400_000;

describe('chat retention: messages older than ROOMS_CHAT_RETENTION_DAYS are deleted', () => {
  const rooms = useRoomsApp({
    ROOMS_CHAT_RETENTION_DAYS: '90',
    ROOMS_CHAT_SWEEP_INTERVAL_MS: '1000',
  });

  /** Stands in for identity: tenants `brief-*` keep chat 7 days; others are unknown. */
  let identity: Subscription;
  beforeAll(() => {
    identity = rooms().nats.subscribe(rooms().subjects.identityTenantSettings());
    void (async () => {
      for await (const msg of identity) {
        const { tenantId } = json.decode(msg.data) as { tenantId: string };
        msg.respond(
          json.encode(
            tenantId.startsWith('brief')
              ? {
                  ok: true,
                  data: { maxRoomCapacity: 100, allowedOrigins: [], chatRetentionDays: 7 },
                }
              : { ok: false, error: { code: 'NOT_FOUND', message: 'tenant not found' } },
          ),
        );
      }
    })();
  });
  afterAll(() => identity.unsubscribe());

  async function roomWithMessages(
    ages: Array<[prefix: string, count: number, days: number]>,
    tenant = uid('tenant'),
  ) {
    const room = await rooms().client(tenant, uid('owner')).createRoom();
    for (const [prefix, count, days] of ages) {
      await rooms().db.query(
        `INSERT INTO chat_messages (tenant_id, room_id, id, user_id, participant_id, text, sent_at)
         SELECT $1, $2, $3 || n, 'u', 'p', 'hello', now() - ($4 || ' days')::interval
         FROM generate_series(1, $5) n`,
        [tenant, room.id, `${prefix}-`, String(days), count],
      );
    }
    return room.id as string;
  }

  const left = async (roomId: string, prefix: string) =>
    Number(
      (
        await rooms().db.query(
          'SELECT count(*)::int AS n FROM chat_messages WHERE room_id = $1 AND id LIKE $2',
          [roomId, `${prefix}-%`],
        )
      ).rows[0].n,
    );

  it('deletes in bounded batches, oldest first, and keeps what is within the period', async () => {
    // This sweep runs 70 days ahead: it takes the 30-day-old messages, which the service's own
    // sweeps (90 days back from now) leave alone.
    const roomId = await roomWithMessages([
      ['old', 25, 30],
      ['new', 3, 1],
    ]);
    const ahead = () => Date.now() + 70 * DAY;
    const db = rooms().app.get(PrismaService);
    expect(await new ChatRetention(db, NO_SETTINGS, 90, 10, 2, ahead).sweep()).toBe(20);
    expect(await left(roomId, 'old')).toBe(5);
    expect(await new ChatRetention(db, NO_SETTINGS, 90, 10, 2, ahead).sweep()).toBe(5);
    expect(await left(roomId, 'old')).toBe(0);
    expect(await left(roomId, 'new')).toBe(3);
  });

  it('runs on its own every ROOMS_CHAT_SWEEP_INTERVAL_MS', async () => {
    const roomId = await roomWithMessages([
      ['expired', 4, 91],
      ['kept', 2, 89],
    ]);
    await waitFor('the expired messages to be swept', async () =>
      (await left(roomId, 'expired')) === 0 ? true : undefined,
    );
    expect(await left(roomId, 'kept')).toBe(2);
  });

  it('keeps each tenant’s messages for its own chatRetentionDays', async () => {
    const brief = await roomWithMessages(
      [
        ['brief-old', 3, 8],
        ['brief-new', 2, 6],
      ],
      uid('brief'),
    );
    const usual = await roomWithMessages([['usual', 2, 8]]);
    await waitFor('the brief tenant’s week-old messages to be swept', async () =>
      (await left(brief, 'brief-old')) === 0 ? true : undefined,
    );
    expect(await left(brief, 'brief-new')).toBe(2);
    expect(await left(usual, 'usual')).toBe(2);
  });
});
