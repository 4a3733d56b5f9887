import { layerForSize } from '@cascade/contracts';
import { type Browser, type Page, expect, test } from '@playwright/test';

import {
  DESKTOP,
  PHONE,
  type Person,
  createRoom,
  expectAccessible,
  expectNoSidewaysScroll,
  screenshot,
  signIn,
} from './support/app';
import {
  decodedFrames,
  expectDecoding,
  launchWithMicrophone,
  nodesOfRoom,
  pidOnPort,
  recordPeerConnections,
  drawnTiles,
  roomOnNodes,
  silenceWav,
  speechWav,
} from './support/media';

/**
 * A real call in real browsers: four people with cameras in one room spread over both
 * sfu-nodes and both gateways, a fifth on a phone, a speaker, a screen share, chat, moderation
 * and a lost media node. Media is checked through the pages' own WebRTC statistics.
 */
test.describe.configure({ mode: 'serial' });
// Five pages sending and decoding video saturate two cores: a step that takes seconds alone can
// take a minute here. Each expectation keeps its own bound; this is the whole test's.
test.setTimeout(360_000);

const run = Date.now().toString(36).slice(-5);
let quiet: Browser;
let speaking: Browser;
let roomId = '';
let tenantId = '';
const title = `Stand-up ${run}`;
const people: Record<string, Person> = {};

async function person(browser: Browser, name: string, viewport = DESKTOP): Promise<Person> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  // A page that fails says so in the test's output.
  page.on('console', (m) => {
    if (m.type() === 'error' && m.text().includes('cascade:'))
      console.log(name, m.text().slice(0, 1_500));
  });
  await recordPeerConnections(page);
  const p = { name, context, page };
  people[name] = p;
  return p;
}

/** Opens the room's call, sets camera and microphone on the pre-join screen, joins. */
async function joinCall(
  page: Page,
  { camera, microphone }: { camera: boolean; microphone: boolean },
) {
  await page.goto(`/rooms/${roomId}/call`);
  await expect(page.getByRole('heading', { name: 'Ready to join?' })).toBeVisible();
  const micButton = page.getByRole('button', { name: 'Mute microphone' });
  const camButton = page.getByRole('button', { name: 'Turn off camera' });
  if ((await micButton.getAttribute('aria-pressed')) === String(microphone))
    await micButton.click();
  if ((await camButton.getAttribute('aria-pressed')) === String(camera)) await camButton.click();
  if (camera)
    await expect(
      page
        .getByRole('img', { name: 'Your camera preview' })
        .or(page.locator('video[aria-label="Your camera preview"]')),
    ).toBeVisible();
  await page.getByRole('button', { name: 'Join now' }).click();
  await expect(page.getByRole('toolbar', { name: 'Call controls' })).toBeVisible({
    timeout: 30_000,
  });
}

const tile = (page: Page, name: string) => page.getByRole('figure', { name, exact: true });

test.beforeAll(async () => {
  quiet = await launchWithMicrophone(silenceWav());
  speaking = await launchWithMicrophone(speechWav());
});

test.afterAll(async () => {
  for (const p of Object.values(people)) await p.context.close().catch(() => undefined);
  await quiet?.close();
  await speaking?.close();
});

test('the owner creates a room; the pre-join screen previews the camera and the microphone', async () => {
  const alice = await person(quiet, `Alice ${run}`);
  await signIn(alice);
  const created = alice.page.waitForResponse(
    (r) => r.url().endsWith('/api/rooms/rooms') && r.request().method() === 'POST',
  );
  roomId = await createRoom(alice.page, { title });
  tenantId = ((await (await created).json()) as { tenantId: string }).tenantId;
  await alice.page.goto(`/rooms/${roomId}/call`);
  await expect(alice.page.getByRole('heading', { name: 'Ready to join?' })).toBeVisible();
  await expect(alice.page.locator('video[aria-label="Your camera preview"]')).toBeVisible();
  await expect(alice.page.getByRole('meter', { name: 'Microphone level' })).toBeVisible();
  await expect(alice.page.getByRole('combobox', { name: 'Camera' })).toBeVisible();
  await expectAccessible(alice.page, 'the pre-join screen');
  await screenshot(alice.page, 'prejoin');
});

test('four people with cameras join across both sfu-nodes, and every page decodes every other video', async () => {
  await joinCall(people[`Alice ${run}`]!.page, { camera: true, microphone: true });
  for (const name of [`Bob ${run}`, `Carol ${run}`]) {
    const p = await person(quiet, name);
    await signIn(p);
    await joinCall(p.page, { camera: true, microphone: true });
  }
  // The phone joins without a camera; the speaker joins last, so that on the phone (four tiles
  // a page) the speaker starts on page 2.
  const dave = await person(quiet, `Dave ${run}`, PHONE);
  await signIn(dave);
  await joinCall(dave.page, { camera: false, microphone: false });
  const eve = await person(speaking, `Eve ${run}`);
  await signIn(eve);
  await joinCall(eve.page, { camera: true, microphone: true });

  const cameras = [`Alice ${run}`, `Bob ${run}`, `Carol ${run}`, `Eve ${run}`];
  for (const name of cameras) await expectDecoding(people[name]!.page, 3, name);
  await expectDecoding(dave.page, 1, 'the phone (its first page)');
  expect(nodesOfRoom(tenantId, roomId).sort()).toEqual(['sfu-node-1', 'sfu-node-2']);
  // Each tile says how well that person's media gets through (the SDK's quality monitor).
  await expect(
    tile(people[`Alice ${run}`]!.page, `Bob ${run}`).getByRole('img', {
      name: /^Connection (excellent|good|poor)$/,
    }),
  ).toBeVisible({ timeout: 30_000 });
});

test('each page tells the server what it draws: every video it consumes at the layer its tile size needs', async () => {
  // The phone draws its tiles in one column, a desktop five tiles in a 3-column grid: the
  // layers differ by page, and each must be what the page's own tile sizes ask for.
  for (const name of [`Dave ${run}`, `Alice ${run}`]) {
    const page = people[name]!.page;
    await expect
      .poll(
        async () => {
          const drawn = await drawnTiles(page);
          const { participants, publisherOf } = await roomOnNodes(tenantId, roomId);
          const mine = participants.find((p) => p.participantId === drawn.self);
          const asked: Record<string, number | string> = {};
          const wanted: Record<string, number | string> = {};
          for (const c of mine?.consumers ?? []) {
            if (c.kind !== 'video') continue;
            const publisher = publisherOf.get(c.producerId) ?? c.producerId;
            const size = drawn.others[publisher];
            asked[publisher] = c.viewPaused ? 'paused' : (c.preferredSpatialLayer ?? 'none');
            wanted[publisher] = size ? layerForSize(size.width, size.height) : 'not drawn';
          }
          const wrong = Object.keys(asked).filter((id) => asked[id] !== wanted[id]);
          return {
            consumers: Object.keys(asked).length,
            wrong: wrong.map((id) => `${id}: asked ${asked[id]}, drawn for ${wanted[id]}`),
          };
        },
        { timeout: 30_000, message: `the video layers ${name}'s page asked for` },
      )
      // The phone: Alice, Bob and Carol on its first page; Alice: Bob, Carol and Eve (Dave has
      // no camera).
      .toEqual({ consumers: 3, wrong: [] });
  }
});

test('the speaker is marked on every page and comes onto the first page on the phone', async () => {
  const speaker = `Eve ${run}`;
  await expect(tile(people[`Alice ${run}`]!.page, speaker)).toHaveAttribute(
    'data-speaking',
    'true',
    { timeout: 30_000 },
  );
  const phone = people[`Dave ${run}`]!.page;
  await expect(tile(phone, speaker)).toBeVisible({ timeout: 30_000 });
  await expect(phone.getByText(/Page 1 of 2/)).toBeVisible();
  await expectNoSidewaysScroll(phone);
  await screenshot(phone, 'call');
  await screenshot(people[`Alice ${run}`]!.page, 'call');
  await expectAccessible(people[`Alice ${run}`]!.page, 'the call');
});

test('muting and unmuting the microphone is seen by the others', async () => {
  const bob = people[`Bob ${run}`]!.page;
  const alice = people[`Alice ${run}`]!.page;
  await bob.keyboard.press('Control+d');
  await expect(
    tile(alice, `Bob ${run}`).getByRole('img', { name: 'Microphone muted' }),
  ).toBeVisible();
  await bob.getByRole('button', { name: 'Mute microphone' }).click();
  await expect(
    tile(alice, `Bob ${run}`).getByRole('img', { name: 'Microphone muted' }),
  ).toBeHidden();
});

test('a screen share has its own tile for the others, and stops', async () => {
  const alice = people[`Alice ${run}`]!.page;
  const bob = people[`Bob ${run}`]!.page;
  await alice.getByRole('button', { name: 'Share screen' }).click();
  // Generous: five pages encoding and decoding video saturate this machine's two cores, and a
  // page whose connection stalls catches up when it resumes.
  await expect(tile(bob, `Alice ${run}'s screen`)).toBeVisible({ timeout: 90_000 });
  await expect(tile(bob, `Alice ${run}'s screen`).locator('video')).toBeVisible();
  await alice.getByRole('button', { name: 'Stop sharing' }).click();
  await expect(tile(bob, `Alice ${run}'s screen`)).toBeHidden({ timeout: 30_000 });
});

test('chat: messages live, links clickable, HTML as text, a late joiner gets the history, too long is refused', async () => {
  const alice = people[`Alice ${run}`]!.page;
  const bob = people[`Bob ${run}`]!.page;
  await alice.getByRole('button', { name: 'Chat' }).click();
  await alice
    .getByRole('textbox', { name: 'Message' })
    .fill('Notes: https://example.com/notes <b>bold?</b>');
  await alice.keyboard.press('Enter');
  await expect(bob.getByRole('button', { name: 'Chat, 1 unread' })).toBeVisible();
  await bob.getByRole('button', { name: /^Chat/ }).click();
  const messages = bob.getByRole('list', { name: 'Messages' });
  await expect(messages.getByRole('link', { name: 'https://example.com/notes' })).toHaveAttribute(
    'rel',
    /noopener/,
  );
  await expect(messages.getByText('<b>bold?</b>')).toBeVisible();
  await expect(messages.locator('b')).toHaveCount(0);

  await bob.getByRole('textbox', { name: 'Message' }).fill('x'.repeat(100_000));
  await bob.getByRole('button', { name: 'Send message' }).click();
  await expect(bob.getByRole('alert').filter({ hasText: 'at most 2000 characters' })).toBeVisible();

  // Someone with HTML in their name joins late: the history is there, the name is text.
  const mallory = await person(quiet, `<img src=x onerror=alert(1)> ${run}`);
  await signIn(mallory);
  await joinCall(mallory.page, { camera: false, microphone: false });
  await mallory.page.getByRole('button', { name: 'Chat' }).click();
  await expect(
    mallory.page.getByRole('list', { name: 'Messages' }).getByText(/Notes:/),
  ).toBeVisible();
  await expect(tile(alice, mallory.name)).toBeVisible();
  await expect(alice.locator('img[src="x"]')).toHaveCount(0);
});

test('the owner removes a participant, whose page shows it', async () => {
  const alice = people[`Alice ${run}`]!.page;
  const mallory = Object.values(people).find((p) => p.name.startsWith('<img'))!;
  await alice.getByRole('button', { name: 'People' }).click();
  await alice.getByRole('button', { name: `Moderate ${mallory.name}` }).click();
  // A keyboard user's way through the menu (the call redraws it as people speak).
  await alice.getByRole('menuitem', { name: 'Remove from call' }).focus();
  await alice.keyboard.press('Enter');
  await alice.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(mallory.page.getByRole('heading', { name: /You were removed/ })).toBeVisible();
  await expect(tile(alice, mallory.name)).toBeHidden();
});

test('when an sfu-node dies, the pages it served get their media back', async () => {
  const cameras = [`Alice ${run}`, `Bob ${run}`, `Carol ${run}`, `Eve ${run}`].map(
    (n) => people[n]!.page,
  );
  process.kill(pidOnPort(6), 'SIGKILL'); // sfu-node-2
  await expect
    .poll(() => nodesOfRoom(tenantId, roomId), { timeout: 60_000 })
    .toEqual(['sfu-node-1']);
  for (const page of cameras) await expectDecoding(page, 3, 'a page after the node loss');
  for (const page of cameras)
    expect(Object.keys(await decodedFrames(page)).length).toBeGreaterThanOrEqual(3);
});

test('leaving on pagehide: a closed tab leaves at once, not after the resume grace', async () => {
  const carol = people[`Carol ${run}`]!;
  const alice = people[`Alice ${run}`]!.page;
  await carol.page.close({ runBeforeUnload: true });
  await expect(tile(alice, `Carol ${run}`)).toBeHidden({ timeout: 10_000 });
});
