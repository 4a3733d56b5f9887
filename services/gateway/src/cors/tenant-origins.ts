import {
  TenantId,
  TenantSettingsQueryReply,
  createSubjects,
  isCascadeError,
  unwrapReply,
} from '@cascade/contracts';
import type { NatsBus } from '@cascade/server-kit';

/** Whether a page on `origin` may use the gateway with credentials for `tenantId`. */
export interface TenantOriginSource {
  allows(tenantId: string, origin: string): Promise<boolean>;
}

export interface TenantOriginsLog {
  warn(message: string): void;
}

/** How long a tenant's allowed origins are used before identity is asked again. */
export const TENANT_ORIGINS_TTL_MS = 60_000;
/** Known tenants remembered at most (only tenants identity confirmed: made-up ids never evict them). */
export const TENANT_ORIGINS_MAX_TENANTS = 10_000;
/** How long "no such tenant" is remembered. */
export const TENANT_ORIGINS_UNKNOWN_TTL_MS = 60_000;
/** Unknown tenant ids remembered at most (their own bound: the ids come from unauthenticated requests). */
export const TENANT_ORIGINS_MAX_UNKNOWN = 10_000;
/** After identity did not answer for a tenant, how long until it is asked again for it. */
export const TENANT_ORIGINS_RETRY_MS = 5_000;
/** Identity lookups in flight at most (per gateway process). */
export const TENANT_ORIGINS_MAX_PENDING = 32;
/** Identity lookups started per second at most (per gateway process; also the burst). */
export const TENANT_ORIGINS_LOOKUPS_PER_SECOND = 20;
/** At most one warning per this interval (the others are counted into the next one). */
export const TENANT_ORIGINS_WARN_INTERVAL_MS = 10_000;

export interface TenantOriginsLimits {
  ttlMs: number;
  maxTenants: number;
  unknownTtlMs: number;
  maxUnknown: number;
  retryMs: number;
  maxPending: number;
  lookupsPerSecond: number;
  warnIntervalMs: number;
  clock: () => number;
}

const DEFAULTS: TenantOriginsLimits = {
  ttlMs: TENANT_ORIGINS_TTL_MS,
  maxTenants: TENANT_ORIGINS_MAX_TENANTS,
  unknownTtlMs: TENANT_ORIGINS_UNKNOWN_TTL_MS,
  maxUnknown: TENANT_ORIGINS_MAX_UNKNOWN,
  retryMs: TENANT_ORIGINS_RETRY_MS,
  maxPending: TENANT_ORIGINS_MAX_PENDING,
  lookupsPerSecond: TENANT_ORIGINS_LOOKUPS_PER_SECOND,
  warnIntervalMs: TENANT_ORIGINS_WARN_INTERVAL_MS,
  clock: Date.now,
};

const NONE: ReadonlySet<string> = new Set();

interface Known {
  origins: ReadonlySet<string>;
  /** Asked again after this (clock time). */
  until: number;
}

/**
 * A tenant's `allowedOrigins` (its settings in identity, `identity.tenant-settings` over NATS).
 * The tenant id comes from unauthenticated requests, so what they can make identity do is bounded:
 * - an id that is not a valid tenant id is refused without asking;
 * - a known tenant's answer is kept for `ttlMs`; after that the old answer is still used while a
 *   new one is asked (one request per tenant at a time), so no request waits for identity again;
 * - an unknown tenant is remembered for `unknownTtlMs`, in its own bounded map, so made-up ids
 *   never push known tenants out;
 * - when identity does not answer, the tenant's last answer (or none) is kept for `retryMs`, so an
 *   outage costs one timed-out request per tenant per `retryMs`, not one per HTTP request;
 * - lookups of tenants not answered from memory are limited per process (`lookupsPerSecond`,
 *   `maxPending` in flight): beyond that the answer is the last one known, or none.
 * No answer means no origin is allowed (the CORS answer fails closed). Warnings are rate-limited.
 */
export class NatsTenantOrigins implements TenantOriginSource {
  readonly #known = new Map<string, Known>();
  /** Unknown tenant (or identity failed and nothing is known) -> asked again after this. */
  readonly #unknown = new Map<string, number>();
  readonly #pending = new Map<string, Promise<ReadonlySet<string>>>();
  readonly #limits: TenantOriginsLimits;
  #tokens: number;
  #refilledAt: number;
  #lastWarnAt = -Infinity;
  #suppressed = 0;

  constructor(
    private readonly bus: Pick<NatsBus, 'request'>,
    private readonly subjectPrefix: string,
    private readonly timeoutMs: number,
    private readonly log: TenantOriginsLog,
    limits: Partial<TenantOriginsLimits> = {},
  ) {
    this.#limits = { ...DEFAULTS, ...limits };
    this.#tokens = this.#limits.lookupsPerSecond;
    this.#refilledAt = this.#limits.clock();
  }

  async allows(tenantId: string, origin: string): Promise<boolean> {
    if (!TenantId.safeParse(tenantId).success) return false;
    return (await this.#origins(tenantId)).has(origin);
  }

  #origins(tenantId: string): ReadonlySet<string> | Promise<ReadonlySet<string>> {
    const now = this.#limits.clock();
    const known = this.#known.get(tenantId);
    if (known && now < known.until) return known.origins;
    const unknownUntil = this.#unknown.get(tenantId);
    if (unknownUntil !== undefined && now < unknownUntil) return NONE;
    const pending = this.#pending.get(tenantId);
    if (pending) return known?.origins ?? pending;
    if (!this.#mayAsk(now)) return known?.origins ?? NONE;
    const fetching = this.#fetch(tenantId, known).finally(() => this.#pending.delete(tenantId));
    this.#pending.set(tenantId, fetching);
    return known?.origins ?? fetching;
  }

  /** Takes a lookup from the budget (in-flight bound, then token bucket). */
  #mayAsk(now: number): boolean {
    const { lookupsPerSecond, maxPending } = this.#limits;
    this.#tokens = Math.min(
      lookupsPerSecond,
      this.#tokens + ((now - this.#refilledAt) * lookupsPerSecond) / 1_000,
    );
    this.#refilledAt = now;
    if (this.#pending.size >= maxPending || this.#tokens < 1) {
      this.#warn(now, 'identity lookups of tenant origins are over their limit: allowing none');
      return false;
    }
    this.#tokens -= 1;
    return true;
  }

  /** Never rejects: a failure keeps what was known (or nothing) for `retryMs`. */
  async #fetch(tenantId: string, known: Known | undefined): Promise<ReadonlySet<string>> {
    const { clock, ttlMs, unknownTtlMs, retryMs } = this.#limits;
    let origins: ReadonlySet<string>;
    try {
      const raw = await this.bus.request(
        createSubjects(this.subjectPrefix).identityTenantSettings(),
        { tenantId },
        this.timeoutMs,
      );
      origins = new Set(unwrapReply(TenantSettingsQueryReply.parse(raw)).allowedOrigins);
    } catch (error) {
      const now = clock();
      if (isCascadeError(error) && error.code === 'NOT_FOUND') {
        this.#known.delete(tenantId);
        this.#remember(this.#unknown, tenantId, now + unknownTtlMs, this.#limits.maxUnknown);
        return NONE;
      }
      const why = isCascadeError(error) ? `${error.code}: ${error.message}` : String(error);
      this.#warn(now, `tenant ${tenantId}: identity did not give its allowed origins (${why})`);
      if (known && this.#known.get(tenantId) === known) {
        known.until = now + retryMs;
        return known.origins;
      }
      this.#remember(this.#unknown, tenantId, now + retryMs, this.#limits.maxUnknown);
      return NONE;
    }
    this.#unknown.delete(tenantId);
    this.#remember(
      this.#known,
      tenantId,
      { origins, until: clock() + ttlMs },
      this.#limits.maxTenants,
    );
    return origins;
  }

  /** Sets `key` last in `map` and drops the oldest entries beyond `max` (insertion order). */
  #remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
    map.delete(key);
    map.set(key, value);
    while (map.size > max) map.delete(map.keys().next().value!);
  }

  #warn(now: number, message: string): void {
    if (now - this.#lastWarnAt < this.#limits.warnIntervalMs) {
      this.#suppressed++;
      return;
    }
    const more = this.#suppressed > 0 ? ` (${this.#suppressed} similar warnings not logged)` : '';
    this.#lastWarnAt = now;
    this.#suppressed = 0;
    this.log.warn(`${message}${more}`);
  }
}
