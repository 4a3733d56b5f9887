import { timingSafeEqual } from 'node:crypto';

import { SessionDelivery } from '@cascade/contracts';
import type { Request, Response } from 'express';

import { hashSecret, newSecret } from '../common/ids';
import type { PrismaClient } from '../generated/prisma/client';

export const STATE_COOKIE = 'cascade_oauth_state';
const STATE_TTL_MS = 10 * 60_000;

/** What the sign-in started with, carried from `/auth/google` to the callback. */
export interface SignInContext {
  tenantId: string;
  /** An allowed address, or a path on this site (with `cookie` delivery only). */
  returnTo: string | null;
  delivery: SessionDelivery;
}

export type RequestWithSignIn = Request & { cascadeSignIn?: SignInContext };

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * passport-oauth2's state store: `state` is a random value kept (hashed) in the database with
 * the tenant, return address and session delivery, and in an HttpOnly cookie of the browser that
 * started the sign-in. The callback must bring both, once, within ten minutes.
 *
 * The cookie is scoped to the callback's path as the browser sees it (`GOOGLE_CALLBACK_URL`'s
 * path: `/api/identity/auth/google/callback` behind the web app's proxy), where it is needed.
 */
export class OAuthStateStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly cookie: { secure: boolean; path: string },
    private readonly now: () => number = Date.now,
  ) {}

  store(req: Request, _meta: unknown, callback: (err: Error | null, state?: string) => void): void {
    const context = (req as RequestWithSignIn).cascadeSignIn;
    if (!context) {
      callback(new Error('sign-in context missing'));
      return;
    }
    const state = newSecret();
    this.prisma.oAuthState
      .create({
        data: {
          stateHash: hashSecret(state),
          tenantId: context.tenantId,
          returnTo: context.returnTo,
          delivery: context.delivery,
          expiresAt: new Date(this.now() + STATE_TTL_MS),
        },
      })
      .then(
        () => {
          (req.res as Response).cookie(STATE_COOKIE, state, {
            httpOnly: true,
            sameSite: 'lax',
            secure: this.cookie.secure,
            path: this.cookie.path,
            maxAge: STATE_TTL_MS,
          });
          callback(null, state);
        },
        (error: unknown) => callback(error as Error),
      );
  }

  verify(
    req: Request,
    state: unknown,
    _meta: unknown,
    callback: (err: Error | null, ok: boolean, info?: { message: string }) => void,
  ): void {
    const fromCookie = cookie(req, STATE_COOKIE);
    (req.res as Response).clearCookie(STATE_COOKIE, { path: this.cookie.path });
    if (typeof state !== 'string' || state.length === 0 || state.length > 200) {
      callback(null, false, { message: 'missing sign-in state' });
      return;
    }
    if (fromCookie === undefined || !sameString(fromCookie, state)) {
      callback(null, false, { message: 'sign-in state does not match this browser' });
      return;
    }
    this.#take(state).then(
      (context) => {
        if (!context) {
          callback(null, false, { message: 'sign-in state is unknown, used or expired' });
          return;
        }
        (req as RequestWithSignIn).cascadeSignIn = context;
        callback(null, true);
      },
      (error: unknown) => callback(error as Error, false),
    );
  }

  /** Takes the state's row and deletes it in one statement, so a state is used at most once. */
  async #take(state: string): Promise<SignInContext | undefined> {
    const rows = await this.prisma.$queryRaw<
      Array<{ tenant_id: string; return_to: string | null; delivery: string; expires_at: Date }>
    >`DELETE FROM oauth_states WHERE state_hash = ${hashSecret(state)}
      RETURNING tenant_id, return_to, delivery, expires_at`;
    const row = rows[0];
    if (!row || row.expires_at.getTime() <= this.now()) return undefined;
    const delivery = SessionDelivery.safeParse(row.delivery);
    if (!delivery.success) return undefined;
    return { tenantId: row.tenant_id, returnTo: row.return_to, delivery: delivery.data };
  }
}
