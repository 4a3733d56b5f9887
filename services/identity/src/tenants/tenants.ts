import {
  type CreateTenantRequest,
  type Page,
  type PageQuery,
  type PublicTenant,
  TENANT_DEFAULT_MAX_ROOM_CAPACITY,
  type Tenant,
  CascadeError,
  type UpdateTenantRequest,
} from '@cascade/contracts';

import { isUniqueViolation, notFound } from '../common/errors';
import { newId } from '../common/ids';
import { decodeCursor, toPage } from '../common/pagination';
import type { PrismaClient, Tenant as TenantRow } from '../generated/prisma/client';

export type { TenantRow };

export function toTenant(row: TenantRow): Tenant {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    settings: {
      maxRoomCapacity: row.maxRoomCapacity,
      allowedOrigins: row.allowedOrigins,
      chatRetentionDays: row.chatRetentionDays,
    },
    createdAt: row.createdAt.toISOString(),
  };
}

export function toPublicTenant(row: TenantRow): PublicTenant {
  return { id: row.id, slug: row.slug, name: row.name };
}

/** Tenants: created and configured by the operator, looked up by everything else. */
export class Tenants {
  constructor(private readonly prisma: PrismaClient) {}

  async create(request: CreateTenantRequest): Promise<Tenant> {
    try {
      const row = await this.prisma.tenant.create({
        data: {
          id: newId('tnt'),
          slug: request.slug,
          name: request.name,
          maxRoomCapacity: request.settings?.maxRoomCapacity ?? TENANT_DEFAULT_MAX_ROOM_CAPACITY,
          allowedOrigins: request.settings?.allowedOrigins ?? [],
          chatRetentionDays: request.settings?.chatRetentionDays ?? null,
        },
      });
      return toTenant(row);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new CascadeError('CONFLICT', `a tenant with slug ${request.slug} already exists`);
      }
      throw error;
    }
  }

  /** Creates the tenant `slug` (named after it) unless it exists; safe when replicas race. */
  async ensure(slug: string): Promise<TenantRow> {
    return this.prisma.tenant.upsert({
      where: { slug },
      create: {
        id: newId('tnt'),
        slug,
        name: slug,
        maxRoomCapacity: TENANT_DEFAULT_MAX_ROOM_CAPACITY,
        allowedOrigins: [],
      },
      update: {},
    });
  }

  async get(id: string): Promise<TenantRow> {
    const row = await this.prisma.tenant.findUnique({ where: { id } });
    if (!row) throw notFound('tenant');
    return row;
  }

  async bySlug(slug: string): Promise<TenantRow> {
    const row = await this.prisma.tenant.findUnique({ where: { slug } });
    if (!row) throw notFound('tenant');
    return row;
  }

  async update(id: string, request: UpdateTenantRequest): Promise<Tenant> {
    await this.get(id);
    const row = await this.prisma.tenant.update({
      where: { id },
      data: {
        ...(request.name !== undefined && { name: request.name }),
        ...(request.settings?.maxRoomCapacity !== undefined && {
          maxRoomCapacity: request.settings.maxRoomCapacity,
        }),
        ...(request.settings?.allowedOrigins !== undefined && {
          allowedOrigins: request.settings.allowedOrigins,
        }),
        ...(request.settings?.chatRetentionDays !== undefined && {
          chatRetentionDays: request.settings.chatRetentionDays,
        }),
      },
    });
    return toTenant(row);
  }

  async list(query: PageQuery): Promise<Page<Tenant>> {
    const after = decodeCursor(query.cursor);
    const rows = await this.prisma.tenant.findMany({
      where: after === undefined ? {} : { id: { gt: after } },
      orderBy: { id: 'asc' },
      take: query.limit + 1,
    });
    return toPage(rows, query.limit, (r) => r.id, toTenant);
  }
}
