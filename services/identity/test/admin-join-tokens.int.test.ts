import { type Room, type SessionTokens } from '@cascade/contracts';
import { type Infrastructure, ServiceProcess, provisionInfrastructure } from '@cascade/testing';
import jwt from 'jsonwebtoken';

import { useIdentity } from './support/identity-harness';

/**
 * A signed-in user mints a join token with `admin` for a room it owns or moderates: identity asks
 * the real rooms service (a process of its own, on the suite's NATS, verifying identity's access
 * tokens through identity's JWKS) and refuses everyone else, and everything when rooms is gone.
 */
const h = useIdentity({ IDENTITY_ROOM_ROLE_TIMEOUT_MS: '500' });

let roomsInfra: Infrastructure | undefined;
let rooms: ServiceProcess | undefined;

beforeAll(async () => {
  roomsInfra = await provisionInfrastructure({ postgres: true });
  rooms = await ServiceProcess.spawn('rooms', {
    ...h.infra().env,
    DATABASE_URL: roomsInfra.env['DATABASE_URL']!,
    ROOMS_AUTH_JWKS_URL: `${h.app().url}/.well-known/jwks.json`,
    ROOMS_AUTH_ISSUER: 'cascade-identity',
    ROOMS_AUTH_AUDIENCE: 'cascade-api',
    ROOMS_RATE_LIMIT_PER_MINUTE: '10000',
    ROOMS_ADDRESS_RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'warn',
  });
  await rooms.waitForReadiness(200, 60_000);
}, 90_000);

afterAll(async () => {
  await rooms?.kill();
  await roomsInfra?.teardown();
}, 60_000);

async function roomsCall<T>(user: SessionTokens, method: string, path: string, body?: unknown) {
  const res = await fetch(`${rooms!.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${user.accessToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const grants = (room: string, admin: boolean) => ({
  room,
  join: true,
  publish: true,
  subscribe: true,
  admin,
});

function mint(user: SessionTokens, room: string, admin = true) {
  return h.app().post<{ token?: string; code?: string }>('/join-tokens', {
    token: user.accessToken,
    body: { grants: grants(room, admin) },
  });
}

describe('join tokens with the admin grant, minted by a signed-in user', () => {
  let owner: SessionTokens;
  let moderator: SessionTokens;
  let member: SessionTokens;
  let stranger: SessionTokens;
  let outsider: SessionTokens;
  let room: Room;

  beforeAll(async () => {
    await h.createTenant('mods');
    await h.createTenant('mods-other');
    [owner, moderator, member, stranger] = (await Promise.all(
      ['Owner', 'Moderator', 'Member', 'Stranger'].map((n) => h.signIn('mods', n)),
    )) as [SessionTokens, SessionTokens, SessionTokens, SessionTokens];
    outsider = await h.signIn('mods-other', 'Outsider');
    room = await roomsCall<Room>(owner, 'POST', '/rooms', { title: 'Stand-up', language: 'en' });
    await roomsCall(owner, 'PUT', `/rooms/${room.id}/members/${moderator.user.id}`, {
      role: 'moderator',
    });
    await roomsCall(owner, 'PUT', `/rooms/${room.id}/members/${member.user.id}`, {
      role: 'member',
    });
  }, 30_000);

  it.each([
    ['owner', () => owner],
    ['a moderator', () => moderator],
  ])('are minted for the room’s %s, with admin in the token', async (_who, user) => {
    const res = await mint(user(), room.id);
    expect(res.status).toBe(201);
    expect(jwt.decode(res.body.token!)).toMatchObject({
      sub: user().user.id,
      grants: grants(room.id, true),
    });
  });

  it.each([
    ['a plain member', () => member],
    ['a user without a role', () => stranger],
    ['a user of another tenant', () => outsider],
  ])('are refused to %s: FORBIDDEN', async (_who, user) => {
    const res = await mint(user(), room.id);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'FORBIDDEN' });
    // Without admin the same user still gets its token.
    expect((await mint(user(), room.id, false)).status).toBe(201);
  });

  it('are refused for a room that does not exist: FORBIDDEN', async () => {
    expect((await mint(owner, 'no-such-room')).status).toBe(403);
  });

  it('are refused, never granted, while rooms does not answer: NODE_UNAVAILABLE', async () => {
    await rooms!.kill();
    const started = Date.now();
    const res = await mint(owner, room.id);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'NODE_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(5_000);
    // Tokens without admin need no answer from rooms.
    expect((await mint(owner, room.id, false)).status).toBe(201);
  });
});
