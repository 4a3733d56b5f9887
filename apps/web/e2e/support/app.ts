import AxeBuilder from '@axe-core/playwright';
import {
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
  expect,
} from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const SCREENSHOTS = join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'screenshots');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 812 };

/** A person with their own browser context (cookies, storage): one window of the app. */
export interface Person {
  name: string;
  context: BrowserContext;
  page: Page;
}

export async function openPerson(
  browser: Browser,
  name: string,
  viewport = DESKTOP,
): Promise<Person> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  return { name, context, page };
}

/** Signs in with the development form, from wherever the page is sent to sign-in. */
export async function signIn(person: Person, path = '/'): Promise<void> {
  const { page } = person;
  await page.goto(path);
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByLabel('Name').fill(person.name);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: `Account: ${person.name}` })).toBeVisible();
}

export interface RoomInput {
  title: string;
  topic?: string;
  language?: string;
  capacity?: string;
  private?: boolean;
}

/** Fills the "New room" dialog (already open or not) and submits it. */
export async function fillCreateRoom(page: Page, room: RoomInput): Promise<void> {
  const dialog = page.getByRole('dialog', { name: 'New room' });
  if (!(await dialog.isVisible())) await page.getByRole('button', { name: 'New room' }).click();
  await dialog.getByLabel('Title').fill(room.title);
  if (room.topic) await dialog.getByLabel('Topic (optional)').fill(room.topic);
  if (room.language)
    await choose(page, dialog.getByRole('combobox', { name: 'Language' }), room.language);
  if (room.capacity !== undefined) await dialog.getByLabel('Capacity').fill(room.capacity);
  if (room.private) await dialog.getByRole('radio', { name: /Private/ }).click();
  await dialog.getByRole('button', { name: 'Create room' }).click();
}

/**
 * Picks an option of a select the way a keyboard user does: open it, move to the option, Enter.
 * (A long list drawn over the trigger puts far options outside the window for a pointer.)
 */
export async function choose(page: Page, combobox: Locator, option: string): Promise<void> {
  await combobox.click();
  await page.getByRole('option', { name: option, exact: true }).focus();
  await page.keyboard.press('Enter');
  await expect(combobox).toContainText(option);
}

/** Creates a room from the lobby and lands on its page; resolves with its id. */
export async function createRoom(page: Page, room: RoomInput): Promise<string> {
  await page.goto('/');
  await fillCreateRoom(page, room);
  await expect(page.getByRole('heading', { level: 1, name: room.title })).toBeVisible();
  const id = /\/rooms\/([^/?#]+)/.exec(page.url())?.[1];
  if (!id) throw new Error(`not on a room page: ${page.url()}`);
  return id;
}

/** No serious or critical accessibility violation on the page as it is now. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    );
  expect(serious, `accessibility of ${what}`).toEqual([]);
}

/** Writes docs/screenshots/<name>-<desktop|phone>.png of the page as it is. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const width = page.viewportSize()?.width ?? DESKTOP.width;
  // Finished, not mid-way through a dialog's fade-in.
  await page.screenshot({
    path: join(SCREENSHOTS, `${name}-${width <= 480 ? 'phone' : 'desktop'}.png`),
    animations: 'disabled',
  });
}

/** The page fits its width: nothing scrolls sideways (the phone layout works). */
export async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - window.innerWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
}
