import {
  TenantSettingsQueryReply,
  type TenantSettings,
  createSubjects,
  isCascadeError,
  unwrapReply,
} from '@cascade/contracts';
import type { NatsBus } from '@cascade/server-kit';

/** A tenant's settings as identity keeps them; undefined when they cannot be learnt now. */
export interface TenantSettingsSource {
  settings(tenantId: string): Promise<TenantSettings | undefined>;
}

export interface TenantSettingsLog {
  warn(message: string): void;
}

/** How long a tenant's settings are used before identity is asked again. */
export const TENANT_SETTINGS_TTL_MS = 30_000;

/**
 * Asks identity for a tenant's settings (`identity.tenant-settings` over NATS) and keeps each
 * answer for `ttlMs`, so a change of the tenant's limits applies within that long. When identity
 * does not answer (down, overloaded, unknown tenant), the last answer is used however old, or
 * none: the service's own ceilings still apply.
 */
export class NatsTenantSettings implements TenantSettingsSource {
  readonly #cache = new Map<string, { settings: TenantSettings; at: number }>();

  constructor(
    private readonly bus: NatsBus,
    private readonly subjectPrefix: string,
    private readonly timeoutMs: number,
    private readonly log: TenantSettingsLog,
    private readonly ttlMs = TENANT_SETTINGS_TTL_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  async settings(tenantId: string): Promise<TenantSettings | undefined> {
    const cached = this.#cache.get(tenantId);
    if (cached && this.clock() - cached.at < this.ttlMs) return cached.settings;
    try {
      const raw = await this.bus.request(
        createSubjects(this.subjectPrefix).identityTenantSettings(),
        { tenantId },
        this.timeoutMs,
      );
      const settings = unwrapReply(TenantSettingsQueryReply.parse(raw));
      this.#cache.set(tenantId, { settings, at: this.clock() });
      return settings;
    } catch (error) {
      const why = isCascadeError(error) ? `${error.code}: ${error.message}` : String(error);
      this.log.warn(`tenant ${tenantId}: identity did not give its settings (${why})`);
      return cached?.settings;
    }
  }
}
