import {
  CascadeError,
  GoogleSignInQuery,
  ReturnPath,
  type SessionDelivery,
  type SessionTokens,
  parseOrThrow,
} from '@cascade/contracts';
import { SERVICE_CONFIG } from '@cascade/server-kit';
import { Controller, Get, Logger, Module, Query, Req, Res } from '@nestjs/common';
import { ApiFoundResponse, ApiTags } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Passport } from 'passport';
import {
  type Profile as PassportProfile,
  Strategy as GoogleStrategy,
} from 'passport-google-oauth20';

import { invalidField } from '../common/errors';
import { IdentityConfig } from '../config';
import { Database } from '../database/database.module';
import { ProfilesModule } from '../profiles/profiles.module';
import { type GoogleProfile, type UserRow, Users } from '../profiles/users';
import { BrowserSessions } from '../sessions/browser-sessions';
import { RequestLimiter } from '../sessions/request-limiter';
import { Sessions } from '../sessions/sessions';
import { SessionsModule } from '../sessions/sessions.module';
import { type TenantRow, Tenants } from '../tenants/tenants';
import { TenantsModule } from '../tenants/tenants.module';
import { OAuthStateStore, type RequestWithSignIn } from './oauth-state-store';

export function toGoogleProfile(profile: PassportProfile): GoogleProfile {
  const email = profile.emails?.[0];
  const verified = (email as { verified?: unknown } | undefined)?.verified;
  return {
    subject: profile.id,
    displayName:
      profile.displayName || [profile.name?.givenName, profile.name?.familyName].join(' '),
    givenName: profile.name?.givenName,
    familyName: profile.name?.familyName,
    email: email?.value,
    emailVerified: verified === true || verified === 'true',
    picture: profile.photos?.[0]?.value,
  };
}

/** Google's redirect flow through passport-google-oauth20, with our own `state` store. */
export class GoogleSignIn {
  readonly #passport = new Passport();
  readonly #logger = new Logger('google');

  constructor(
    config: IdentityConfig,
    stateStore: OAuthStateStore,
    private readonly users: Users,
  ) {
    this.#passport.use(
      new GoogleStrategy(
        {
          clientID: config.GOOGLE_CLIENT_ID as string,
          clientSecret: config.GOOGLE_CLIENT_SECRET as string,
          callbackURL: config.GOOGLE_CALLBACK_URL as string,
          authorizationURL: config.GOOGLE_AUTHORIZATION_URL,
          tokenURL: config.GOOGLE_TOKEN_URL,
          userProfileURL: config.GOOGLE_USERINFO_URL,
          scope: ['openid', 'email', 'profile'],
          store: stateStore as never,
          passReqToCallback: true,
        },
        (
          req: Request,
          _at: string,
          _rt: string,
          profile: PassportProfile,
          done: (e: unknown, u?: UserRow) => void,
        ) => {
          const context = (req as RequestWithSignIn).cascadeSignIn;
          if (!context) {
            done(new Error('sign-in context missing'));
            return;
          }
          this.users.signInGoogle(context.tenantId, toGoogleProfile(profile)).then(
            (user) => done(null, user),
            (error: unknown) => done(error),
          );
        },
      ),
    );
  }

  /** Sends the browser to Google's consent page (passport answers the redirect). */
  redirect(req: Request, res: Response, next: NextFunction): void {
    this.#passport.authenticate('google', { session: false })(req, res, next);
  }

  /** Completes the callback: the signed-in user, or UNAUTHENTICATED saying why not. */
  callback(req: Request, res: Response): Promise<UserRow> {
    return new Promise((resolve, reject) => {
      this.#passport.authenticate(
        'google',
        { session: false },
        (error: unknown, user: UserRow | false, info: { message?: string } | undefined) => {
          if (error) {
            if (error instanceof CascadeError) return reject(error);
            this.#logger.warn(`Google sign-in failed: ${String(error)}`);
            return reject(new CascadeError('UNAUTHENTICATED', 'Google sign-in failed'));
          }
          if (!user) {
            return reject(
              new CascadeError('UNAUTHENTICATED', info?.message ?? 'Google sign-in failed'),
            );
          }
          resolve(user);
        },
      )(req, res, (error: unknown) => reject(error));
    });
  }
}

@ApiTags('sign-in')
@Controller('auth/google')
export class GoogleController {
  constructor(
    private readonly google: GoogleSignIn,
    private readonly tenants: Tenants,
    private readonly sessions: Sessions,
    private readonly browser: BrowserSessions,
    private readonly limiter: RequestLimiter,
  ) {}

  /**
   * Starts Google sign-in for a tenant. `returnTo` (an address on one of the tenant's allowed
   * origins) receives the tokens in its fragment; without it the callback answers JSON. With
   * `delivery: 'cookie'` the session goes into the cookie and `returnTo` may also be a path on
   * this site; the browser comes back to it with no token in the address.
   */
  @Get()
  @ApiFoundResponse({ description: 'redirect to Google' })
  async start(@Req() req: Request, @Res() res: Response, @Query() query: unknown): Promise<void> {
    await this.limiter.hit('sign-in', req);
    const request = parseOrThrow(GoogleSignInQuery, query, 'sign-in request');
    const tenant = await this.tenants.bySlug(request.tenant);
    checkReturnTo(request.returnTo, request.delivery, tenant);
    (req as RequestWithSignIn).cascadeSignIn = {
      tenantId: tenant.id,
      returnTo: request.returnTo ?? null,
      delivery: request.delivery,
    };
    await new Promise<void>((resolve, reject) => {
      res.on('finish', () => resolve());
      this.google.redirect(req, res, (error?: unknown) => (error ? reject(error) : resolve()));
    });
  }

  @Get('callback')
  @ApiFoundResponse({
    description:
      'redirect to returnTo (with the tokens in the fragment, or none with cookie delivery), ' +
      'or the session as JSON',
  })
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.limiter.hit('sign-in', req);
    const providerError = (req.query as Record<string, unknown>)['error'];
    if (typeof providerError === 'string') {
      throw new CascadeError(
        'UNAUTHENTICATED',
        `Google sign-in did not complete: ${providerError.slice(0, 100)}`,
      );
    }
    const user = await this.google.callback(req, res);
    const tokens = await this.sessions.start(user);
    const context = (req as RequestWithSignIn).cascadeSignIn;
    const returnTo = context?.returnTo;
    if (context?.delivery === 'cookie') {
      const session = this.browser.deliver(req, res, tokens);
      if (returnTo) res.redirect(302, returnTo);
      else res.status(200).json(session);
      return;
    }
    if (returnTo) {
      res.redirect(302, `${returnTo.split('#')[0]}#${fragment(tokens)}`);
      return;
    }
    res.status(200).json(tokens);
  }
}

/**
 * Where the browser may be sent back: an address on one of the tenant's allowed origins, or,
 * when the session goes into the cookie, a path on this site (tokens never travel in it).
 */
function checkReturnTo(
  returnTo: string | undefined,
  delivery: SessionDelivery,
  tenant: TenantRow,
): void {
  if (returnTo === undefined) return;
  if (ReturnPath.safeParse(returnTo).success) {
    if (delivery !== 'cookie') {
      throw invalidField('returnTo', 'a path is for delivery "cookie"; give an allowed address');
    }
    return;
  }
  if (!tenant.allowedOrigins.includes(new URL(returnTo).origin)) {
    throw invalidField('returnTo', "is not on one of the tenant's allowed origins");
  }
}

function fragment(tokens: SessionTokens): string {
  return new URLSearchParams({
    access_token: tokens.accessToken,
    token_type: tokens.tokenType,
    expires_in: String(tokens.expiresIn),
    refresh_token: tokens.refreshToken,
  }).toString();
}

/** The state cookie goes only where the browser brings it back: the callback, as it sees it. */
function stateCookie(callbackUrl: string): { secure: boolean; path: string } {
  const url = new URL(callbackUrl);
  return { secure: url.protocol === 'https:', path: url.pathname };
}

@Module({
  imports: [TenantsModule, ProfilesModule, SessionsModule],
  controllers: [GoogleController],
  providers: [
    {
      provide: GoogleSignIn,
      inject: [SERVICE_CONFIG, Database, Users],
      useFactory: (config: IdentityConfig, db: Database, users: Users) =>
        new GoogleSignIn(
          config,
          new OAuthStateStore(db.prisma, stateCookie(config.GOOGLE_CALLBACK_URL as string)),
          users,
        ),
    },
  ],
})
export class GoogleModule {}
