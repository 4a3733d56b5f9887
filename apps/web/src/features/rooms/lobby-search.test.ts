import { describe, expect, it } from 'vitest';

import { hasFilters, lobbySearchParams, parseLobbyFilters } from './lobby-search';

describe('lobby filters in the URL', () => {
  it('reads search, language and topic, leaving out blank and over-long values', () => {
    const params = new URLSearchParams({
      q: '  stand-up ',
      language: 'pt-BR',
      topic: '',
      page: '2',
    });
    expect(parseLobbyFilters(params)).toEqual({ q: 'stand-up', language: 'pt-BR' });
    expect(parseLobbyFilters(new URLSearchParams({ q: 'x'.repeat(121) }))).toEqual({});
  });

  it('changes only the filters it is given and keeps other parameters', () => {
    const current = new URLSearchParams({ q: 'old', language: 'en', utm: 'mail' });
    const next = lobbySearchParams(current, { q: 'new', language: '' });
    expect(next.toString()).toBe('q=new&utm=mail');
    expect(current.toString()).toBe('q=old&language=en&utm=mail');
  });

  it('round-trips, so a link reproduces the view', () => {
    const params = lobbySearchParams(new URLSearchParams(), { q: 'book club', topic: 'reading' });
    expect(parseLobbyFilters(new URLSearchParams(params.toString()))).toEqual({
      q: 'book club',
      topic: 'reading',
    });
    expect(hasFilters({})).toBe(false);
    expect(hasFilters({ topic: 'reading' })).toBe(true);
  });
});
