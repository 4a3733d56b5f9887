import { CascadeError, type MemberRoleRequest } from '@cascade/contracts';

import { AdminGrantPolicy, type MemberRoleQuery } from './admin-grant';

const log = () => ({ warn: jest.fn<void, [Record<string, unknown>, string]>() });

/** A rooms service that answers `reply` (or fails with it, when it is an Error). */
function rooms(reply: unknown) {
  const asked: MemberRoleRequest[] = [];
  const query: MemberRoleQuery = (request) => {
    asked.push(request);
    return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply);
  };
  return { asked, query };
}

const role = (value: string | null) => ({ ok: true, data: { role: value } });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof CascadeError ? error.code : `resolved (${String(error)})`;
}

describe('admin grant policy', () => {
  it.each(['owner', 'moderator'])('lets a %s of the room have it', async (r) => {
    const { asked, query } = rooms(role(r));
    await new AdminGrantPolicy(query, log()).assertMayGrant('t1', 'u1', 'room-1');
    expect(asked).toEqual([{ tenantId: 't1', roomId: 'room-1', userId: 'u1' }]);
  });

  it.each(['member', null])('refuses a user whose role is %s: FORBIDDEN', async (r) => {
    const { query } = rooms(role(r));
    expect(await codeOf(new AdminGrantPolicy(query, log()).assertMayGrant('t', 'u', 'r'))).toBe(
      'FORBIDDEN',
    );
  });

  it.each([
    ['rooms does not answer', new Error('TIMEOUT')],
    ['rooms answers an error', { ok: false, error: { code: 'INTERNAL', message: 'db down' } }],
    ['rooms answers something unreadable', { ok: true, data: { role: 'king' } }],
  ])('refuses, never grants, when %s: NODE_UNAVAILABLE, logged', async (_case, reply) => {
    const logged = log();
    const { query } = rooms(reply);
    expect(await codeOf(new AdminGrantPolicy(query, logged).assertMayGrant('t', 'u', 'r'))).toBe(
      'NODE_UNAVAILABLE',
    );
    expect(logged.warn).toHaveBeenCalledTimes(1);
  });
});
