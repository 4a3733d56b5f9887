import { createPublicKey, generateKeyPairSync } from 'node:crypto';

import jwt from 'jsonwebtoken';

import { SigningKeys, parseSigningKeys } from './signing-keys';

const pem = (pair: { privateKey: { export(o: object): string | Buffer } }) =>
  pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const rsa = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }));
const ec = pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }));

describe('signing keys', () => {
  it('reads RSA and P-256 keys with their algorithms', () => {
    const keys = parseSigningKeys({ a: rsa, b: ec });
    expect(keys.map((k) => [k.kid, k.alg])).toEqual([
      ['a', 'RS256'],
      ['b', 'ES256'],
    ]);
  });

  it.each([
    ['not an object', []],
    ['no key', {}],
    ['a bad kid', { 'a b': rsa }],
    ['not PEM', { a: 'hello' }],
    ['a small RSA key', { a: pem(generateKeyPairSync('rsa', { modulusLength: 1024 })) }],
    ['another curve', { a: pem(generateKeyPairSync('ec', { namedCurve: 'secp384r1' })) }],
    ['an Ed25519 key', { a: pem(generateKeyPairSync('ed25519')) }],
  ])('refuses %s', (_name, value) => {
    expect(() => parseSigningKeys(value)).toThrow();
  });

  it('publishes every key and signs with the active one', () => {
    const keys = new SigningKeys(parseSigningKeys({ a: rsa, b: ec }), 'b');
    const published = keys.jwks().keys;
    expect(published.map((k) => k.kid)).toEqual(['a', 'b']);
    expect(published.every((k) => !('d' in k))).toBe(true);
    const token = keys.sign({ sub: 'u', exp: Math.floor(Date.now() / 1000) + 60 });
    expect(jwt.decode(token, { complete: true })?.header).toMatchObject({ alg: 'ES256', kid: 'b' });
    const key = createPublicKey({ key: published[1] as never, format: 'jwk' });
    expect(jwt.verify(token, key)).toMatchObject({ sub: 'u' });
  });
});
