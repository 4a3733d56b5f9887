import {
  type AvatarSource,
  type Profile,
  type PublicProfile,
  type UpdateProfileRequest,
  type UserRole,
} from '@cascade/contracts';

import { invalidField, notFound } from '../common/errors';
import { newId } from '../common/ids';
import type { PrismaClient, User as UserRow } from '../generated/prisma/client';
import { generatedAvatar } from './avatar';

export type { UserRow };

/** What Google tells about a person at sign-in. */
export interface GoogleProfile {
  subject: string;
  displayName: string;
  givenName?: string | undefined;
  familyName?: string | undefined;
  email?: string | undefined;
  emailVerified: boolean;
  picture?: string | undefined;
}

export function avatarUrl(row: UserRow): string {
  return row.avatarSource === 'google' && row.pictureUrl
    ? row.pictureUrl
    : generatedAvatar(row.id, row.displayName);
}

export function toProfile(row: UserRow): Profile {
  return {
    id: row.id,
    tenantId: row.tenantId,
    email: row.email,
    displayName: row.displayName,
    givenName: row.givenName,
    familyName: row.familyName,
    avatarUrl: avatarUrl(row),
    avatarSource: row.avatarSource as AvatarSource,
    hasGooglePicture: row.pictureUrl !== null,
    role: row.role as UserRole,
    language: row.language,
    createdAt: row.createdAt.toISOString(),
  };
}

export function toPublicProfile(row: UserRow): PublicProfile {
  return { id: row.id, displayName: row.displayName, avatarUrl: avatarUrl(row) };
}

const GOOGLE = 'google';

/** Users of a tenant: created at sign-in, read and edited through their profile. */
export class Users {
  constructor(private readonly prisma: PrismaClient) {}

  /** The user, or NOT_FOUND when it does not exist in this tenant. */
  async get(tenantId: string, userId: string): Promise<UserRow> {
    const row = await this.prisma.user.findFirst({ where: { id: userId, tenantId } });
    if (!row) throw notFound('user');
    return row;
  }

  /**
   * The users of this tenant among `userIds`, in the order asked; unknown ids and other
   * tenants' users are left out. One query.
   */
  async publicProfiles(tenantId: string, userIds: readonly string[]): Promise<PublicProfile[]> {
    if (userIds.length === 0) return [];
    const rows = await this.prisma.user.findMany({
      where: { tenantId, id: { in: [...new Set(userIds)] } },
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return [...new Set(userIds)].flatMap((id) => {
      const row = byId.get(id);
      return row ? [toPublicProfile(row)] : [];
    });
  }

  async update(tenantId: string, userId: string, request: UpdateProfileRequest): Promise<Profile> {
    const row = await this.get(tenantId, userId);
    if (request.avatarSource === 'google' && row.pictureUrl === null) {
      throw invalidField('avatarSource', 'there is no Google picture to use');
    }
    const updated = await this.prisma.user.update({
      where: { id: row.id },
      data: {
        ...(request.displayName !== undefined && { displayName: request.displayName }),
        ...(request.avatarSource !== undefined && { avatarSource: request.avatarSource }),
        ...(request.language !== undefined && { language: request.language }),
      },
    });
    return toProfile(updated);
  }

  async setRole(tenantId: string, userId: string, role: UserRole): Promise<Profile> {
    await this.get(tenantId, userId);
    return toProfile(await this.prisma.user.update({ where: { id: userId }, data: { role } }));
  }

  /**
   * Development sign-in: the user with this email in the tenant, else a new one. Without an
   * email, every sign-in is a new user.
   */
  async signInDev(tenantId: string, displayName: string, email?: string): Promise<UserRow> {
    if (email !== undefined) {
      const existing = await this.prisma.user.findFirst({ where: { tenantId, email } });
      if (existing) return existing;
    }
    return this.prisma.user.create({
      data: { id: newId('usr'), tenantId, displayName, email: email ?? null },
    });
  }

  /**
   * Google sign-in: the user linked to this Google account in the tenant, its names, email and
   * picture refreshed; else the tenant's user with the same verified email, now linked; else a
   * new user. The display name is the user's own once set, so it is not overwritten.
   */
  async signInGoogle(tenantId: string, google: GoogleProfile): Promise<UserRow> {
    return this.prisma.$transaction(async (tx) => {
      const identity = await tx.identity.findUnique({
        where: {
          tenantId_provider_subject: { tenantId, provider: GOOGLE, subject: google.subject },
        },
      });
      const email = google.emailVerified ? (google.email ?? null) : null;
      const fromGoogle = {
        givenName: google.givenName ?? null,
        familyName: google.familyName ?? null,
        pictureUrl: google.picture ?? null,
      };
      if (identity) {
        const current = await tx.user.findUniqueOrThrow({ where: { id: identity.userId } });
        const emailTaken =
          email !== null &&
          email !== current.email &&
          (await tx.user.count({ where: { tenantId, email } })) > 0;
        return tx.user.update({
          where: { id: identity.userId },
          data: {
            ...fromGoogle,
            ...(email !== null && !emailTaken && { email }),
            ...(google.picture === undefined &&
              current.avatarSource === 'google' && { avatarSource: 'generated' }),
          },
        });
      }
      const byEmail =
        email === null ? null : await tx.user.findFirst({ where: { tenantId, email } });
      const user =
        byEmail !== null
          ? await tx.user.update({ where: { id: byEmail.id }, data: fromGoogle })
          : await tx.user.create({
              data: {
                id: newId('usr'),
                tenantId,
                email,
                displayName: google.displayName.trim().slice(0, 100) || 'Google user',
                ...fromGoogle,
                avatarSource: google.picture !== undefined ? 'google' : 'generated',
              },
            });
      await tx.identity.create({
        data: {
          id: newId('idn'),
          tenantId,
          userId: user.id,
          provider: GOOGLE,
          subject: google.subject,
        },
      });
      return user;
    });
  }
}
