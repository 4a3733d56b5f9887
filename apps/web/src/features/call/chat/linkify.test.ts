import { describe, expect, it } from 'vitest';

import { linkify } from './linkify';

describe('chat links', () => {
  it('makes http and https addresses links and keeps the rest as text', () => {
    expect(linkify('see https://example.com/a?b=1, then http://x.test.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: ', then ' },
      { kind: 'link', text: 'http://x.test', href: 'http://x.test/' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('never makes other schemes links, and leaves HTML as text', () => {
    const text = '<img src=x onerror=alert(1)> javascript:alert(1) data:text/html,hi';
    expect(linkify(text)).toEqual([{ kind: 'text', text }]);
  });
});
