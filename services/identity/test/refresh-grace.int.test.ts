import type { SessionTokens } from '@cascade/contracts';

import { IdentityApp, useIdentity } from './support/identity-harness';

/**
 * Two tabs refreshing with the same refresh token at once both get the same new pair (within
 * IDENTITY_REFRESH_REUSE_GRACE_SECONDS of the first use), whichever replica answers each; a use
 * after the grace is still a reuse that ends the session.
 */
const GRACE_SECONDS = 1;
const h = useIdentity({ IDENTITY_REFRESH_REUSE_GRACE_SECONDS: String(GRACE_SECONDS) });
let replica: IdentityApp;

beforeAll(async () => {
  await h.createTenant('grace');
  replica = await IdentityApp.start(h.env());
}, 60_000);

afterAll(async () => {
  await replica.close();
});

type Answer = SessionTokens & { code?: string; message?: string };
const refresh = (app: IdentityApp, refreshToken: string) =>
  app.post<Answer>('/auth/refresh', { body: { refreshToken } });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('gives concurrent refreshes with one token, on two replicas, the same new refresh token', async () => {
  for (let round = 0; round < 5; round++) {
    const first = await h.signIn('grace', `Two tabs ${round}`);
    const answers = await Promise.all([
      refresh(h.app(), first.refreshToken),
      refresh(replica, first.refreshToken),
      refresh(h.app(), first.refreshToken),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const tokens = new Set(answers.map((a) => a.body.refreshToken));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).not.toBe(first.refreshToken);
    // The session lives on: its access tokens work and the shared successor refreshes once.
    for (const a of answers) {
      expect((await h.app().get('/me', { token: a.body.accessToken })).status).toBe(200);
    }
    const next = await refresh(replica, answers[0]!.body.refreshToken);
    expect(next.status).toBe(200);
  }
});

it('still ends the session when a used token comes back after the grace', async () => {
  const first = await h.signIn('grace', 'Late reuse');
  const second = await refresh(h.app(), first.refreshToken);
  expect(second.status).toBe(200);
  const again = await refresh(replica, first.refreshToken);
  expect(again.status).toBe(200);
  expect(again.body.refreshToken).toBe(second.body.refreshToken);

  await sleep(GRACE_SECONDS * 1000 + 300); // let the grace run out
  const late = await refresh(h.app(), first.refreshToken);
  expect(late.status).toBe(401);
  expect(late.body).toMatchObject({
    code: 'UNAUTHENTICATED',
    message: expect.stringMatching(/already used/),
  });
  expect((await refresh(h.app(), second.body.refreshToken)).status).toBe(401);
  expect((await h.app().get('/me', { token: second.body.accessToken })).status).toBe(401);
});

it('does not hand the successor to a token it was not sealed for', async () => {
  const first = await h.signIn('grace', 'Forged');
  const second = await refresh(h.app(), first.refreshToken);
  expect(second.status).toBe(200);
  // Another session's token, used twice within the grace, opens only its own successor.
  const other = await h.signIn('grace', 'Other');
  const o1 = await refresh(h.app(), other.refreshToken);
  const o2 = await refresh(h.app(), other.refreshToken);
  expect(o2.body.refreshToken).toBe(o1.body.refreshToken);
  expect(o2.body.refreshToken).not.toBe(second.body.refreshToken);
  expect(o2.body.user.id).toBe(other.user.id);
});
