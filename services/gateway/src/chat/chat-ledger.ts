import { createHash } from 'node:crypto';

import { Logger } from '@nestjs/common';
import { type RedisClient, withTimeout } from '@cascade/server-kit';

/**
 * What the attempts before this one left of a keyed message (its `clientMessageId`):
 * - `none`: this is the first attempt (in the ledger's window);
 * - `pending`: an attempt began and ended neither acknowledged nor retryably failed: it is still
 *   running (a concurrent send), its gateway died, or it was refused (`NOT_FOUND`, `CONFLICT`…);
 * - `failed`: the last attempt failed in a way the client is told to retry (the store's outcome
 *   was unknown, or it was not stored);
 * - `delivered`: an attempt was stored, shown and acknowledged, with `delivered` as it was.
 */
export type ChatKeyState = 'none' | 'pending' | 'failed' | 'delivered';

export interface DeliveredChat {
  /** The acknowledged time (ms since the epoch). */
  at: number;
  /** {@link chatTextHash} of the stored text: a reuse of the key with another text is refused. */
  textHash: string;
}

export interface ChatAttempt {
  /** Attempts at this message id within the window, this one included (1 for the first). */
  attempt: number;
  previous: ChatKeyState;
  /** With `previous: 'delivered'`: what was acknowledged. */
  delivered?: DeliveredChat;
}

/**
 * The gateways' shared record of keyed chat messages (by message id, derived from the sender's
 * `clientMessageId`), for a short window after the first attempt: how many attempts there were
 * and how the last one ended. `RoomChat` uses it to answer a retry of an acknowledged message
 * without the rooms service and without showing it again, and to tell retries (not charged to
 * the sender's allowance, a bounded number of times) from new messages.
 */
export interface ChatLedger {
  /**
   * Counts an attempt and answers what the earlier ones left; marks the key `pending` unless it
   * was `delivered` (which stays).
   */
  begin(messageId: string): Promise<ChatAttempt>;
  /** The attempt was stored, shown and acknowledged. */
  delivered(messageId: string, message: DeliveredChat): Promise<void>;
  /**
   * Puts the key back to `state` (`failed`: this attempt failed retryably; the previous state:
   * this attempt was turned away before it did anything). `none` forgets the key. A key that is
   * `delivered` meanwhile stays so.
   */
  settle(messageId: string, state: Exclude<ChatKeyState, 'delivered'>): Promise<void>;
}

/** The hash of a message text kept in the ledger (not the text: a few bytes per message). */
export function chatTextHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

const BEGIN = `
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local s = redis.call('HGET', KEYS[1], 's') or 'none'
local d = redis.call('HGET', KEYS[1], 'd') or ''
if s ~= 'delivered' then redis.call('HSET', KEYS[1], 's', 'pending') end
return {n, s, d}`;

const DELIVERED = `
redis.call('HSET', KEYS[1], 's', 'delivered', 'd', ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

const SETTLE = `
if redis.call('HGET', KEYS[1], 's') == 'delivered' then return 0 end
if ARGV[1] == 'none' then return redis.call('DEL', KEYS[1]) end
redis.call('HSET', KEYS[1], 's', ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

export interface RedisChatLedgerOptions {
  /** How long a key is remembered after its first attempt (ms). */
  windowMs: number;
  /** How long a call waits for Redis (ms). */
  timeoutMs?: number;
}

/**
 * The ledger in Redis (every gateway shares it: a retry after a reconnection to another gateway
 * is known there), one small hash per key that expires `windowMs` after the first attempt. When
 * Redis does not answer, `begin` answers a first attempt (the sender is charged as for a new
 * message, and rooms, idempotent on the id, decides) and the rest does nothing: chat works on.
 */
export class RedisChatLedger implements ChatLedger {
  readonly #logger = new Logger('chat-ledger');
  readonly #timeoutMs: number;
  #degraded = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisChatLedgerOptions,
  ) {
    this.#timeoutMs = options.timeoutMs ?? 250;
  }

  async begin(messageId: string): Promise<ChatAttempt> {
    const answer = await this.#eval<[number, string, string]>(BEGIN, messageId, [
      String(this.options.windowMs),
    ]);
    if (!answer) return { attempt: 1, previous: 'none' };
    const [attempt, previous, delivered] = answer;
    const state = (['none', 'pending', 'failed', 'delivered'] as const).find((s) => s === previous);
    const parsed = state === 'delivered' ? parseDelivered(delivered) : undefined;
    if (state === 'delivered' && parsed) return { attempt, previous: state, delivered: parsed };
    // An unreadable record: as if the last attempt had not ended.
    return { attempt, previous: state === undefined || state === 'delivered' ? 'pending' : state };
  }

  async delivered(messageId: string, message: DeliveredChat): Promise<void> {
    await this.#eval(DELIVERED, messageId, [
      `${message.at}:${message.textHash}`,
      String(this.options.windowMs),
    ]);
  }

  async settle(messageId: string, state: Exclude<ChatKeyState, 'delivered'>): Promise<void> {
    await this.#eval(SETTLE, messageId, [state, String(this.options.windowMs)]);
  }

  async #eval<T>(script: string, messageId: string, args: string[]): Promise<T | undefined> {
    try {
      const answer = (await withTimeout(
        this.redis.eval(script, 1, chatKey(messageId), ...args),
        this.#timeoutMs,
        'Redis',
      )) as T;
      this.#setDegraded(false);
      return answer;
    } catch (error) {
      this.#setDegraded(true, error);
      return undefined;
    }
  }

  #setDegraded(degraded: boolean, error?: unknown): void {
    if (degraded === this.#degraded) return;
    this.#degraded = degraded;
    if (degraded)
      this.#logger.warn({
        err: String(error),
        msg: 'chat ledger: Redis does not answer; every chat.send counts as a new message until it does',
      });
    else this.#logger.log('chat ledger: Redis answers again');
  }
}

/** The ledger's key of a message id (ids are derived per tenant, room and user: no clash). */
export function chatKey(messageId: string): string {
  return `gw:chat:key:${messageId}`;
}

function parseDelivered(value: string): DeliveredChat | undefined {
  const match = /^(\d+):([\w-]+)$/.exec(value);
  return match ? { at: Number(match[1]), textHash: match[2]! } : undefined;
}
