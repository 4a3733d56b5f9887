import { expect, test } from '@playwright/test';

import {
  PHONE,
  type Person,
  choose,
  createRoom,
  expectAccessible,
  expectNoSidewaysScroll,
  fillCreateRoom,
  openPerson,
  screenshot,
  signIn,
} from './support/app';

/**
 * Two people in two browser windows use the app the way a newcomer would: sign in, create and
 * find a room, become friends, follow a friend into a room, and invite each other.
 */
test.describe.configure({ mode: 'serial' });

const run = Date.now().toString(36).slice(-5);
let alice: Person;
let bob: Person;
let bookClub = '';
const bookClubTitle = `Book club ${run}`;

test.beforeAll(async ({ browser }) => {
  alice = await openPerson(browser, `Alice ${run}`);
  bob = await openPerson(browser, `Bob ${run}`);
});

test.afterAll(async () => {
  await alice?.context.close();
  await bob?.context.close();
});

test('a deep link goes through sign-in and comes back; the sign-in page is accessible', async () => {
  await bob.page.goto('/invitations');
  await expect(bob.page).toHaveURL(/\/sign-in\?next=%2Finvitations/);
  await expect(bob.page.getByRole('heading', { name: 'Sign in to Cascade' })).toBeVisible();
  await expect(bob.page.getByRole('link', { name: /Continue with Google/ })).toBeVisible();
  await expectAccessible(bob.page, 'sign-in');
  await screenshot(bob.page, 'sign-in');
  await bob.page.getByLabel('Name').fill(bob.name);
  await bob.page.getByRole('button', { name: 'Sign in' }).click();
  await expect(bob.page).toHaveURL(/\/invitations$/);
  await expect(bob.page.getByRole('heading', { level: 1, name: 'Invitations' })).toBeVisible();
});

test('the session survives a reload (refresh cookie) and the access token is not stored', async () => {
  await signIn(alice);
  await alice.page.reload();
  await expect(alice.page.getByRole('button', { name: `Account: ${alice.name}` })).toBeVisible();
  const cookies = await alice.context.cookies();
  const refresh = cookies.find((c) => c.name === 'cascade_refresh');
  expect(refresh).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/api/identity/auth' });
  const stored = await alice.page.evaluate(() =>
    JSON.stringify({ ...localStorage, ...sessionStorage }),
  );
  expect(stored).not.toMatch(/eyJ/); // no JWT in web storage
});

test('invalid create-room input shows field errors and creates nothing', async () => {
  const { page } = alice;
  await page.goto('/');
  await fillCreateRoom(page, { title: `Invalid ${run}`, capacity: '1' });
  const dialog = page.getByRole('dialog', { name: 'New room' });
  await expect(dialog.getByLabel('Capacity')).toHaveAttribute('aria-invalid', 'true');
  await expect(dialog.getByText(/>=2/)).toBeVisible();
  await expectAccessible(page, 'the create-room dialog with errors');
  await dialog.getByLabel('Capacity').fill('100000');
  await dialog.getByRole('button', { name: 'Create room' }).click();
  // The server's own limit (the tenant's maximum), shown beside the field.
  await expect(dialog.getByLabel('Capacity')).toHaveAttribute('aria-invalid', 'true');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('searchbox', { name: 'Search rooms by title' }).fill(`Invalid ${run}`);
  await expect(page.getByRole('heading', { name: 'No rooms match' })).toBeVisible();
});

test('Alice creates a room and joins it', async () => {
  const { page } = alice;
  await page.goto('/');
  await page.getByRole('button', { name: 'New room' }).click();
  await screenshot(page, 'create-room');
  bookClub = await createRoom(page, { title: bookClubTitle, topic: 'Reading', language: 'French' });
  await page.getByRole('link', { name: 'Join' }).click();
  await page.getByRole('button', { name: 'Join now' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'In the call' })).toBeVisible();
});

test("Bob finds the room by search and by language, and sees Alice's count", async () => {
  const { page } = bob;
  await page.goto('/');
  await page
    .getByRole('searchbox', { name: 'Search rooms by title' })
    .fill(bookClubTitle.slice(0, 12));
  await expect(page).toHaveURL(/q=Book/);
  const card = page.getByRole('link', { name: new RegExp(`^${bookClubTitle}`) });
  await expect(card).toHaveAccessibleDescription(/^1 of 50 people in the room/, {
    timeout: 30_000,
  });

  await choose(page, page.getByRole('combobox', { name: 'Language' }), 'German');
  await expect(page.getByRole('heading', { name: 'No rooms match' })).toBeVisible();
  await page.goBack();
  await expect(card).toBeVisible();
  await choose(page, page.getByRole('combobox', { name: 'Language' }), 'French');
  await expect(page).toHaveURL(/language=fr/);
  await expect(card).toBeVisible();
  await expectAccessible(page, 'the lobby');
  await screenshot(page, 'lobby');
});

test('Bob sends Alice a friend request from the room page; Alice accepts it', async () => {
  await bob.page.goto(`/rooms/${bookClub}`);
  await expect(bob.page.getByRole('heading', { level: 1, name: bookClubTitle })).toBeVisible();
  await bob.page.getByRole('button', { name: new RegExp(`^${alice.name}.*open card`) }).click();
  await expectAccessible(bob.page, 'the room page with a user card');
  await bob.page.getByRole('button', { name: 'Add friend' }).click();
  await expect(
    bob.page.getByText(`Friend request sent to ${alice.name}`, { exact: true }),
  ).toBeVisible();
  await screenshot(bob.page, 'room');

  // Alice hears of it at once, on the call page, without a reload.
  await expect(
    alice.page.getByText(`${bob.name} sent you a friend request`, { exact: true }),
  ).toBeVisible();
  await alice.page.getByRole('button', { name: /^Friends, 1 requests/ }).click();
  const panel = alice.page.getByRole('dialog', { name: 'Friends' });
  await panel.getByRole('button', { name: `Accept ${bob.name}` }).click();
  await expect(
    bob.page.getByText(`${alice.name} accepted your friend request`, { exact: true }),
  ).toBeVisible();
  await panel.getByRole('tab', { name: 'Friends' }).click();
  await expect(panel.getByRole('listitem', { name: bob.name })).toBeVisible();
  await alice.page.keyboard.press('Escape');
});

test('Bob sees Alice in the room and joins her through the friends panel', async () => {
  const { page } = bob;
  await page.goto('/');
  await page.getByRole('button', { name: 'Friends' }).click();
  const panel = page.getByRole('dialog', { name: 'Friends' });
  const row = panel.getByRole('listitem', { name: alice.name });
  await expect(row.getByText(`In ${bookClubTitle}`)).toBeVisible({ timeout: 30_000 });
  await expectAccessible(page, 'the friends panel');
  await screenshot(page, 'friends');
  await row.getByRole('button', { name: `Join ${alice.name} in ${bookClubTitle}` }).click();
  await expect(page).toHaveURL(new RegExp(`/rooms/${bookClub}/call$`));
  await page.getByRole('button', { name: 'Join now' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'In the call' })).toBeVisible();
  // Both are in the room: its live count says so to anyone looking (Alice, in a second tab).
  const look = await alice.context.newPage();
  await look.goto(`/rooms/${bookClub}`);
  await expect(look.getByText('2 / 50')).toBeVisible({ timeout: 30_000 });
  await look.close();
});

test("Alice invites Bob to a second room; Bob's toast appears without a reload", async () => {
  const second = `Second room ${run}`;
  await createRoom(alice.page, { title: second });
  await alice.page.getByRole('button', { name: 'Invite friends' }).click();
  const dialog = alice.page.getByRole('dialog', { name: 'Invite friends' });
  await dialog.getByRole('button', { name: `Invite ${bob.name}` }).click();
  await expect(dialog.getByRole('button', { name: `${bob.name} invited` })).toBeVisible();
  await dialog.getByRole('button', { name: 'Done' }).click();

  const toast = bob.page.getByText(`${alice.name} invited you to ${second}`, { exact: true });
  await expect(toast).toBeVisible();
  await bob.page.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(bob.page).toHaveURL(/\/invitations$/);
  await expectAccessible(bob.page, 'the invitations page');
  await screenshot(bob.page, 'invitations');
  await bob.page.getByRole('button', { name: `Accept the invitation to ${second}` }).click();
  await expect(bob.page.getByRole('heading', { level: 1, name: second })).toBeVisible();
});

test('the profile sets a preferred language that preselects the lobby filter', async () => {
  const { page } = bob;
  await page.goto('/profile');
  await expectAccessible(page, 'the profile page');
  await screenshot(page, 'profile');
  await choose(page, page.getByRole('combobox', { name: 'Preferred language' }), 'French');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Profile saved', { exact: true })).toBeVisible();
  await page.goto('/');
  await expect(page).toHaveURL(/language=fr/);
});

test('every page works at phone width', async ({ browser }) => {
  const phone = await openPerson(browser, `Phoebe ${run}`, PHONE);
  try {
    await phone.page.goto('/sign-in');
    await expect(phone.page.getByRole('heading', { name: 'Sign in to Cascade' })).toBeVisible();
    await expectNoSidewaysScroll(phone.page);
    await screenshot(phone.page, 'sign-in');
    await signIn(phone);
    await phone.page.getByRole('searchbox', { name: 'Search rooms by title' }).fill(bookClubTitle);
    await expect(
      phone.page.getByRole('link', { name: new RegExp(`^${bookClubTitle}`) }),
    ).toBeVisible();
    await expectNoSidewaysScroll(phone.page);
    await expectAccessible(phone.page, 'the lobby on a phone');
    await screenshot(phone.page, 'lobby');
    await phone.page.getByRole('button', { name: 'New room' }).click();
    await screenshot(phone.page, 'create-room');
    await phone.page.keyboard.press('Escape');
    for (const [path, name] of [
      [`/rooms/${bookClub}`, 'room'],
      ['/invitations', 'invitations'],
      ['/profile', 'profile'],
    ] as const) {
      await phone.page.goto(path);
      await expect(phone.page.getByRole('main')).toBeVisible();
      await expect(phone.page.getByRole('heading', { level: 1 })).toBeVisible();
      await expectNoSidewaysScroll(phone.page);
      await screenshot(phone.page, name);
    }
    await phone.page.getByRole('button', { name: 'Friends' }).click();
    await expect(phone.page.getByRole('dialog', { name: 'Friends' })).toBeVisible();
    await screenshot(phone.page, 'friends');
  } finally {
    await phone.context.close();
  }
});

test('Google sign-in through the browser redirect flow', async ({ browser }) => {
  const grace = await openPerson(browser, 'Grace Google');
  try {
    await grace.page.goto('/profile');
    await grace.page.getByRole('link', { name: /Continue with Google/ }).click();
    // The local OAuth server stands in for Google and sends the browser back at once.
    await expect(grace.page).toHaveURL(/\/profile$/);
    await expect(grace.page.getByRole('button', { name: 'Account: Grace Google' })).toBeVisible();
    await expect(grace.page.getByText('grace@example.com')).toBeVisible();
    expect(grace.page.url()).not.toMatch(/token/);
  } finally {
    await grace.context.close();
  }
});

test('signing out ends the session; a reload stays signed out', async () => {
  const { page } = bob;
  await page.goto('/');
  await page.getByRole('button', { name: `Account: ${bob.name}` }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in/);
});
