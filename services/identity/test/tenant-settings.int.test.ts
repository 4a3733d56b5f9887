import { TenantSettingsQueryReply, createSubjects, wireJson } from '@cascade/contracts';
import { type NatsConnection, connect } from '@nats-io/transport-node';

import { ADMIN_TOKEN, useIdentity } from './support/identity-harness';

const h = useIdentity();
const json = wireJson;
let nc: NatsConnection;

beforeAll(async () => {
  nc = await connect({ servers: h.infra().env['NATS_URL'] });
});
afterAll(async () => {
  await nc?.close();
});

const ask = async (payload: unknown) => {
  const subject = createSubjects(h.infra().env['NATS_SUBJECT_PREFIX']).identityTenantSettings();
  const msg = await nc.request(subject, json.encode(payload), { timeout: 3_000 });
  return TenantSettingsQueryReply.parse(json.decode(msg.data));
};

describe('NATS tenant settings query (rooms enforces them)', () => {
  it('answers a tenant’s settings, as the operator last changed them', async () => {
    const tenant = await h.createTenant('limits', { maxRoomCapacity: 12 });
    expect(
      (
        await h.app().patch(`/admin/tenants/${tenant.id}`, {
          token: ADMIN_TOKEN,
          body: { settings: { chatRetentionDays: 0 } },
        })
      ).status,
    ).toBe(400);
    expect(await ask({ tenantId: tenant.id })).toEqual({
      ok: true,
      data: { maxRoomCapacity: 12, allowedOrigins: [], chatRetentionDays: null },
    });
    const changed = await h.app().patch(`/admin/tenants/${tenant.id}`, {
      token: ADMIN_TOKEN,
      body: { settings: { maxRoomCapacity: 6, chatRetentionDays: 7 } },
    });
    expect(changed.status).toBe(200);
    expect(await ask({ tenantId: tenant.id })).toEqual({
      ok: true,
      data: { maxRoomCapacity: 6, allowedOrigins: [], chatRetentionDays: 7 },
    });
    const back = await h.app().patch(`/admin/tenants/${tenant.id}`, {
      token: ADMIN_TOKEN,
      body: { settings: { chatRetentionDays: null } },
    });
    expect(back.status).toBe(200);
    expect(await ask({ tenantId: tenant.id })).toMatchObject({
      ok: true,
      data: { chatRetentionDays: null },
    });
  });

  it('answers NOT_FOUND for an unknown tenant and INVALID_ARGUMENT for a bad query', async () => {
    expect(await ask({ tenantId: 'tnt_nobody' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await ask({ tenantId: 'has space', extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
  });
});
