import { REFRESH_COOKIE_NAME, RefreshToken } from '@cascade/contracts';
import { parseCookie, stringifySetCookie } from 'cookie';

/** `auto`: Secure unless the request is for localhost; `true` and `false` force it. */
export type CookieSecurity = 'auto' | 'true' | 'false';

export interface RefreshCookieSettings {
  /** The path of identity's `/auth` routes as the browser sees them (`/api/identity/auth`). */
  path: string;
  secure: CookieSecurity;
  /** The refresh token's lifetime: the cookie lives exactly as long. */
  maxAgeSeconds: number;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether a Host header names this machine (`localhost:5173`, `127.0.0.1`, `[::1]:3001`). */
export function isLocalHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const value = host.trim().toLowerCase();
  const name = value.startsWith('[')
    ? value.slice(0, value.indexOf(']') + 1)
    : (value.split(':')[0] ?? '');
  return LOCAL_HOSTS.has(name);
}

/**
 * The HttpOnly cookie ({@link REFRESH_COOKIE_NAME}) that carries a browser session's refresh
 * token: SameSite=Lax, scoped to identity's `/auth` path, as long-lived as the token, and Secure
 * as configured. Works on header values only, so it knows nothing of the HTTP framework.
 */
export class RefreshCookie {
  constructor(private readonly settings: RefreshCookieSettings) {}

  /** The refresh token in a `Cookie` header; undefined when absent or not a refresh token. */
  read(cookieHeader: string | undefined): string | undefined {
    if (cookieHeader === undefined || cookieHeader.length === 0) return undefined;
    const value = parseCookie(cookieHeader)[REFRESH_COOKIE_NAME];
    return value !== undefined && RefreshToken.safeParse(value).success ? value : undefined;
  }

  /** The `Set-Cookie` value that stores `refreshToken`, answering a request made to `host`. */
  set(refreshToken: string, host: string | undefined): string {
    return stringifySetCookie({
      name: REFRESH_COOKIE_NAME,
      value: refreshToken,
      ...this.#attributes(host),
      maxAge: this.settings.maxAgeSeconds,
    });
  }

  /** The `Set-Cookie` value that deletes the cookie (same name, path and flags, expired). */
  clear(host: string | undefined): string {
    return stringifySetCookie({
      name: REFRESH_COOKIE_NAME,
      value: '',
      ...this.#attributes(host),
      maxAge: 0,
      expires: new Date(0),
    });
  }

  secure(host: string | undefined): boolean {
    if (this.settings.secure === 'auto') return !isLocalHost(host);
    return this.settings.secure === 'true';
  }

  #attributes(host: string | undefined) {
    return {
      httpOnly: true,
      sameSite: 'lax' as const,
      path: this.settings.path,
      secure: this.secure(host),
    };
  }
}
