const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The JSON encoding of every NATS message body: UTF-8 JSON. The NATS client (nats.js v3,
 * `@nats-io/transport-node`) has no codecs any more; every publisher and subscriber encodes and
 * decodes through this one pair so the format is defined once. `decode` throws a `SyntaxError`
 * on a body that is not JSON.
 */
export const wireJson = {
  encode(value: unknown): Uint8Array {
    return encoder.encode(JSON.stringify(value));
  },
  decode(data: Uint8Array): unknown {
    return JSON.parse(decoder.decode(data));
  },
} as const;
