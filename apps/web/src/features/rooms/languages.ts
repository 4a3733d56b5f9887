/** Languages offered for rooms and profiles (BCP 47), the most spoken first after English. */
export const LANGUAGE_CODES = [
  'en',
  'es',
  'fr',
  'de',
  'pt',
  'pt-BR',
  'it',
  'nl',
  'pl',
  'ru',
  'uk',
  'tr',
  'ar',
  'hi',
  'bn',
  'ja',
  'ko',
  'zh',
  'id',
  'vi',
  'th',
  'sv',
  'da',
  'fi',
  'nb',
  'cs',
  'el',
  'he',
  'ro',
  'hu',
] as const;

const names = new Intl.DisplayNames(['en'], { type: 'language' });

/** `pt-BR` → "Brazilian Portuguese"; an unknown tag as it is. */
export function languageName(code: string): string {
  try {
    return names.of(code) ?? code;
  } catch {
    return code;
  }
}

export const LANGUAGE_OPTIONS = LANGUAGE_CODES.map((code) => ({ code, name: languageName(code) }));

/** The user's language as one of ours: exact, then by its primary subtag, else English. */
export function defaultLanguage(preferred: string | null | undefined): string {
  const candidates = [preferred, ...(typeof navigator === 'undefined' ? [] : navigator.languages)];
  for (const tag of candidates) {
    if (!tag) continue;
    if ((LANGUAGE_CODES as readonly string[]).includes(tag)) return tag;
    const primary = tag.split('-')[0];
    if (primary && (LANGUAGE_CODES as readonly string[]).includes(primary)) return primary;
  }
  return 'en';
}
