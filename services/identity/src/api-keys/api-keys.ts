import {
  type ApiKey,
  CascadeError,
  type CreatedApiKey,
  type Page,
  type PageQuery,
} from '@cascade/contracts';

import { notFound } from '../common/errors';
import { hashSecret, newId, newSecret, secretMatches } from '../common/ids';
import { decodeCursor, toPage } from '../common/pagination';
import type { ApiKey as ApiKeyRow, PrismaClient } from '../generated/prisma/client';
import { NO_REVOCATION_NOTICE, type RevocationNotice } from '../sessions/revocation-publisher';

export interface ApiKeyAuth {
  kind: 'api-key';
  keyId: string;
  tenantId: string;
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

const KEY = /^(key_[A-Za-z0-9]{1,60})\.([A-Za-z0-9_-]{20,100})$/;
const invalidKey = () => new CascadeError('UNAUTHENTICATED', 'invalid API key');

/**
 * A tenant's API keys: `<id>.<secret>`, the secret shown once at creation and stored as its
 * SHA-256. A revoked key stays listed (with `revokedAt`) and authenticates nothing.
 */
export class ApiKeys {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly now: () => number = Date.now,
    private readonly revoked: RevocationNotice = NO_REVOCATION_NOTICE,
  ) {}

  async create(tenantId: string, name: string, createdByUserId: string): Promise<CreatedApiKey> {
    const secret = newSecret();
    const row = await this.prisma.apiKey.create({
      data: { id: newId('key'), tenantId, name, secretHash: hashSecret(secret), createdByUserId },
    });
    return { ...toApiKey(row), key: `${row.id}.${secret}` };
  }

  async list(tenantId: string, query: PageQuery): Promise<Page<ApiKey>> {
    const after = decodeCursor(query.cursor);
    const rows = await this.prisma.apiKey.findMany({
      where: { tenantId, ...(after !== undefined && { id: { gt: after } }) },
      orderBy: { id: 'asc' },
      take: query.limit + 1,
    });
    return toPage(rows, query.limit, (r) => r.id, toApiKey);
  }

  /**
   * Revokes a key: it authenticates nothing any more, and the gateways are told, so that the
   * live sessions opened with join tokens it minted end within seconds (announced again when
   * it was already revoked: a lost announcement gets another chance).
   */
  async revoke(tenantId: string, keyId: string): Promise<ApiKey> {
    const row = await this.prisma.apiKey.findFirst({ where: { id: keyId, tenantId } });
    if (!row) throw notFound('API key');
    const revoked =
      row.revokedAt === null
        ? await this.prisma.apiKey.update({
            where: { id: keyId },
            data: { revokedAt: new Date(this.now()) },
          })
        : row;
    await this.revoked({
      type: 'api-key',
      tenantId,
      apiKeyId: keyId,
      revokedAt: (revoked.revokedAt ?? new Date(this.now())).getTime(),
    });
    return toApiKey(revoked);
  }

  async authenticate(key: string): Promise<ApiKeyAuth> {
    const match = KEY.exec(key);
    if (!match) throw invalidKey();
    const [, id, secret] = match as unknown as [string, string, string];
    const row = await this.prisma.apiKey.findUnique({ where: { id } });
    if (!row || !secretMatches(secret, row.secretHash)) throw invalidKey();
    if (row.revokedAt) throw new CascadeError('UNAUTHENTICATED', 'this API key was revoked');
    await this.prisma.apiKey.update({
      where: { id },
      data: { lastUsedAt: new Date(this.now()) },
    });
    return { kind: 'api-key', keyId: row.id, tenantId: row.tenantId };
  }
}
