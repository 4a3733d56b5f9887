import { CascadeError } from '@cascade/contracts';
import type { z } from 'zod';

import { readError } from './errors';
import type { SessionManager } from './session';

export type Query = Record<string, string | number | undefined | null>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
}

/**
 * The HTTP APIs as the app uses them: JSON in and out, the access token attached, every answer
 * validated against its contracts schema. A request refused as UNAUTHENTICATED refreshes the
 * session (single-flight, see {@link SessionManager}) and is sent once more; when the refresh
 * fails too, the session is over and `onSignedOut` sends the user to sign-in.
 */
export class ApiClient {
  constructor(
    private readonly session: SessionManager,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  async request<S extends z.ZodType>(
    schema: S,
    path: string,
    options: RequestOptions = {},
  ): Promise<z.output<S>> {
    const response = await this.#send(path, options);
    return schema.parse(await response.json());
  }

  /** A request whose answer has no body (204). */
  async send(path: string, options: RequestOptions = {}): Promise<void> {
    await this.#send(path, options);
  }

  async #send(path: string, options: RequestOptions): Promise<Response> {
    const token = await this.session.accessToken();
    if (token === null) throw new CascadeError('UNAUTHENTICATED', 'You are signed out.');
    let response = await this.#fetch(path, options, token);
    if (response.status === 401) {
      const fresh = await this.session.refresh();
      if (fresh === null) throw new CascadeError('UNAUTHENTICATED', 'Your session has ended.');
      response = await this.#fetch(path, options, fresh);
    }
    if (!response.ok) throw await readError(response);
    return response;
  }

  #fetch(path: string, options: RequestOptions, token: string): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    return this.fetchImpl(withQuery(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      credentials: 'same-origin',
    });
  }
}

export function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}
