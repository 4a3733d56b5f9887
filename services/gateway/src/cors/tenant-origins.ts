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
/** Tenants remembered at most (the tenant comes from an unauthenticated request: bounded). */
export const TENANT_ORIGINS_MAX_TENANTS = 10_000;

/**
 * A tenant's `allowedOrigins` (its settings in identity, `identity.tenant-settings` over NATS),
 * each answer kept for `ttlMs`, an unknown tenant's too (as no origin), so that requests naming
 * made-up tenants cost identity one request per tenant per `ttlMs` at most; concurrent lookups of
 * one tenant share one request. When identity does not answer, the last answer is used however
 * old, or none: no origin is allowed (the CORS answer fails closed).
 */
export class NatsTenantOrigins implements TenantOriginSource {
  readonly #cache = new Map<string, { origins: ReadonlySet<string>; at: number }>();
  readonly #pending = new Map<string, Promise<ReadonlySet<string>>>();

  constructor(
    private readonly bus: Pick<NatsBus, 'request'>,
    private readonly subjectPrefix: string,
    private readonly timeoutMs: number,
    private readonly log: TenantOriginsLog,
    private readonly ttlMs = TENANT_ORIGINS_TTL_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  async allows(tenantId: string, origin: string): Promise<boolean> {
    if (!TenantId.safeParse(tenantId).success) return false;
    return (await this.#origins(tenantId)).has(origin);
  }

  #origins(tenantId: string): Promise<ReadonlySet<string>> {
    const cached = this.#cache.get(tenantId);
    if (cached && this.clock() - cached.at < this.ttlMs) return Promise.resolve(cached.origins);
    let pending = this.#pending.get(tenantId);
    if (!pending) {
      pending = this.#fetch(tenantId, cached?.origins).finally(() =>
        this.#pending.delete(tenantId),
      );
      this.#pending.set(tenantId, pending);
    }
    return pending;
  }

  async #fetch(
    tenantId: string,
    previous: ReadonlySet<string> | undefined,
  ): Promise<ReadonlySet<string>> {
    let origins: ReadonlySet<string>;
    try {
      const raw = await this.bus.request(
        createSubjects(this.subjectPrefix).identityTenantSettings(),
        { tenantId },
        this.timeoutMs,
      );
      origins = new Set(unwrapReply(TenantSettingsQueryReply.parse(raw)).allowedOrigins);
    } catch (error) {
      if (isCascadeError(error) && error.code === 'NOT_FOUND') {
        origins = new Set();
      } else {
        const why = isCascadeError(error) ? `${error.code}: ${error.message}` : String(error);
        this.log.warn(`tenant ${tenantId}: identity did not give its allowed origins (${why})`);
        return previous ?? new Set();
      }
    }
    this.#cache.delete(tenantId);
    this.#cache.set(tenantId, { origins, at: this.clock() });
    // Oldest first (insertion order): drop the oldest beyond the bound.
    while (this.#cache.size > TENANT_ORIGINS_MAX_TENANTS) {
      this.#cache.delete(this.#cache.keys().next().value!);
    }
    return origins;
  }
}
