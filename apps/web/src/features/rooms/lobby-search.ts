/** The lobby's search and filters, kept in the URL so that a link reproduces the view. */
export interface LobbyFilters {
  q?: string;
  language?: string;
  topic?: string;
}

const KEYS = ['q', 'language', 'topic'] as const;
const MAX = { q: 120, language: 35, topic: 60 } as const;

/** Reads the filters from a URL's query; blank or over-long values are left out. */
export function parseLobbyFilters(params: URLSearchParams): LobbyFilters {
  const filters: LobbyFilters = {};
  for (const key of KEYS) {
    const value = params.get(key)?.trim();
    if (value && value.length <= MAX[key]) filters[key] = value;
  }
  return filters;
}

/**
 * The URL query for some filters, keeping any other parameter of `current` as it is. An empty
 * value removes its parameter.
 */
export function lobbySearchParams(
  current: URLSearchParams,
  change: Partial<Record<keyof LobbyFilters, string | undefined>>,
): URLSearchParams {
  const next = new URLSearchParams(current);
  for (const key of KEYS) {
    if (!(key in change)) continue;
    const value = change[key]?.trim();
    if (value) next.set(key, value);
    else next.delete(key);
  }
  return next;
}

export function hasFilters(filters: LobbyFilters): boolean {
  return KEYS.some((key) => filters[key] !== undefined);
}
