import { useInfrastructure } from '@cascade/testing';
import { Redis } from 'ioredis';

import { UserConnectionSlots } from '../src/user-connections/user-connection-slots';

/**
 * The cap on user connections against a real Redis, as two gateway instances (two slot keepers
 * with their own clock) admit the same users at once, and one of them dies.
 */
const infra = useInfrastructure({ redis: true });
let redis: Redis;
let seq = 0;
const LEASE = 60_000;

beforeAll(() => {
  redis = new Redis(infra().env['REDIS_URL']!, { keyPrefix: infra().env['REDIS_KEY_PREFIX'] });
});

afterAll(() => redis?.disconnect());

/** Two instances sharing one (fake) clock, with a cap of `max` per user; and a fresh user. */
function twoInstances(max = 3) {
  const clock = { now: 1_000_000 };
  const make = () => new UserConnectionSlots(redis, { max, leaseMs: LEASE }, () => clock.now);
  return { one: make(), two: make(), clock, user: { tenantId: 'acme', userId: `u_${++seq}` } };
}

describe('user connection slots', () => {
  it('admits up to the cap per user across instances, and refuses the next', async () => {
    const { one, two, user } = twoInstances(3);
    expect(await one.acquire(user, 's1')).toBe(true);
    expect(await two.acquire(user, 's2')).toBe(true);
    expect(await one.acquire(user, 's3')).toBe(true);
    expect(await two.acquire(user, 's4')).toBe(false);
    expect(await one.acquire(user, 's5')).toBe(false);
    expect(await one.count(user)).toBe(3);
    expect([one.held, two.held]).toEqual([2, 1]);
  });

  it('counts each user of each tenant apart', async () => {
    const { one, user } = twoInstances(1);
    expect(await one.acquire(user, 's1')).toBe(true);
    expect(await one.acquire({ ...user, userId: `${user.userId}_other` }, 's2')).toBe(true);
    expect(await one.acquire({ ...user, tenantId: 'globex' }, 's3')).toBe(true);
    expect(await one.acquire(user, 's4')).toBe(false);
  });

  it('frees a slot when its socket goes, once, whichever instance admits next', async () => {
    const { one, two, user } = twoInstances(2);
    await one.acquire(user, 's1');
    await two.acquire(user, 's2');
    expect(await two.acquire(user, 's3')).toBe(false);
    await one.release('s1');
    await one.release('s1');
    await one.release('never-held');
    expect(await one.count(user)).toBe(1);
    expect(await two.acquire(user, 's3')).toBe(true);
    expect(await one.acquire(user, 's4')).toBe(false);
  });

  it('does not count a socket twice', async () => {
    const { one, user } = twoInstances(2);
    expect(await one.acquire(user, 's1')).toBe(true);
    expect(await one.acquire(user, 's1')).toBe(true);
    expect(await one.count(user)).toBe(1);
  });

  it('never admits past the cap, however many arrive at once', async () => {
    const { one, two, user } = twoInstances(5);
    const admitted = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).acquire(user, `s${i}`)),
    );
    expect(admitted.filter(Boolean)).toHaveLength(5);
    expect(await one.count(user)).toBe(5);
  });

  it('frees the slots of an instance that died once their lease ends; the living renew theirs', async () => {
    const { one, two, clock, user } = twoInstances(2);
    await one.acquire(user, 's-alive');
    await two.acquire(user, 's-of-dead-instance');
    // Instance two dies (no release, no renewal); instance one renews on time.
    clock.now += LEASE / 3;
    await one.renew();
    clock.now += LEASE / 3;
    await one.renew();
    expect(await one.acquire(user, 's-new')).toBe(false);
    clock.now += LEASE / 3 + 1;
    await one.renew();
    expect(await one.acquire(user, 's-new')).toBe(true);
    expect(await one.acquire(user, 's-one-more')).toBe(false);
  });

  it('takes a slot back on renewal when it was dropped meanwhile: its socket is still there', async () => {
    const { one, two, clock, user } = twoInstances(1);
    await one.acquire(user, 's1');
    clock.now += LEASE + 1; // one stalled past its lease: another instance sees the slot free
    expect(await two.acquire(user, 's2')).toBe(true);
    await one.renew();
    expect(await one.count(user)).toBe(2);
    await two.release('s2');
    expect(await two.acquire(user, 's3')).toBe(false);
  });

  it('leaves no key behind for a user without connections', async () => {
    const { one, user } = twoInstances(2);
    await one.acquire(user, 's1');
    await one.release('s1');
    expect(await redis.exists(`gw:user:${user.tenantId}:${user.userId}:connections`)).toBe(0);
  });
});
