import { Database } from '../src/database/database.module';
import { OAuthStateSweeper } from '../src/google/oauth-state-sweeper';
import { useIdentity } from './support/identity-harness';

const h = useIdentity({ IDENTITY_OAUTH_STATE_SWEEP_INTERVAL_MS: '1000' });

/** `count` sign-in states that ended `agoMs` ago (negative: that end in the future). */
async function states(prefix: string, count: number, agoMs: number): Promise<void> {
  const tenant = await h.createTenant(`${prefix}-t`);
  await h.db().query(
    `INSERT INTO oauth_states (state_hash, tenant_id, expires_at)
     SELECT $1 || n, $2, now() - ($3 || ' milliseconds')::interval FROM generate_series(1, $4) n`,
    [`${prefix}-`, tenant.id, String(agoMs), count],
  );
}

async function left(prefix: string): Promise<number> {
  const { rows } = await h
    .db()
    .query<{ n: string }>(`SELECT count(*) AS n FROM oauth_states WHERE state_hash LIKE $1`, [
      `${prefix}-%`,
    ]);
  return Number(rows[0]?.n);
}

/**
 * The sweeps the tests run themselves look one hour ahead, at states that end in half an hour,
 * which the service's own sweeps (every second here) leave alone.
 */
const HOUR = 3_600_000;
const ownSweeper = (batch: number, maxBatches: number) =>
  new OAuthStateSweeper(
    h.app().app.get(Database).prisma,
    batch,
    maxBatches,
    () => Date.now() + HOUR,
  );

describe('expired Google sign-in states are swept', () => {
  it('deletes every expired state in bounded batches and keeps the live ones', async () => {
    await states('batch', 25, -HOUR / 2);
    await states('live', 3, -2 * HOUR);
    expect(await ownSweeper(10, 100).sweep()).toBe(25);
    expect(await left('batch')).toBe(0);
    expect(await left('live')).toBe(3);
  });

  it('stops a sweep after its batch budget; the next sweep goes on', async () => {
    await states('budget', 25, -HOUR / 2);
    const sweeper = ownSweeper(10, 2);
    expect(await sweeper.sweep()).toBe(20);
    expect(await left('budget')).toBe(5);
    expect(await sweeper.sweep()).toBe(5);
    expect(await left('budget')).toBe(0);
  });

  it('runs on its own every IDENTITY_OAUTH_STATE_SWEEP_INTERVAL_MS', async () => {
    await states('timer', 5, 1_000);
    await states('fresh', 2, -600_000);
    const deadline = Date.now() + 10_000;
    while ((await left('timer')) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await left('timer')).toBe(0);
    expect(await left('fresh')).toBe(2);
  });
});
