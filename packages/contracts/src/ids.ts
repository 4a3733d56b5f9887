import { z } from 'zod';

/**
 * Identifiers that cross process boundaries: printable, bounded, and safe to embed in a NATS
 * subject token or a Redis key (no dots, wildcards, whitespace or separators).
 */
export const Identifier = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must contain only letters, digits, "_" and "-"');

export const TenantId = Identifier;
export const UserId = Identifier;
export const RoomId = Identifier;
export const ParticipantId = Identifier;
export const NodeId = Identifier;
/** A mediasoup object id (transport, producer, consumer): a UUID. */
export const MediaObjectId = z.uuid();

export const Region = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z0-9-]+$/, 'must contain only lower-case letters, digits and "-"');
