import { describe, expect, it } from 'vitest';

import { safeReturnPath, signInPathFor } from './return-path';

describe('the page to return to after sign-in', () => {
  it('keeps a path of this site', () => {
    expect(safeReturnPath('/rooms/r_1?x=1')).toBe('/rooms/r_1?x=1');
  });

  it.each([
    'https://evil.example/',
    '//evil.example/x',
    '/\\evil.example',
    'rooms',
    '/sign-in?next=/x',
    '',
  ])('refuses %j and goes to the lobby', (next) => {
    expect(safeReturnPath(next)).toBe('/');
  });

  it('builds the sign-in address that comes back', () => {
    expect(signInPathFor('/rooms/r_1')).toBe('/sign-in?next=%2Frooms%2Fr_1');
    expect(signInPathFor('/')).toBe('/sign-in');
  });
});
