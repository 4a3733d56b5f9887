import { wireJson } from './wire-json';

describe('wireJson', () => {
  it('round-trips a value through UTF-8 JSON bytes', () => {
    const value = { text: 'grüße 👋', n: 3, list: [true, null] };
    const bytes = wireJson.encode(value);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(bytes)).toBe(JSON.stringify(value));
    expect(wireJson.decode(bytes)).toEqual(value);
  });

  it('throws on a body that is not JSON', () => {
    expect(() => wireJson.decode(new TextEncoder().encode('not json'))).toThrow(SyntaxError);
  });
});
