import type { ErrorCode } from './error-codes.js';
import type { ErrorDetailsMap } from './error-details.js';
import { type Formatter, formatter, type Locale } from './format.js';
import { english } from './recommendations-en.js';
import { french } from './recommendations-fr.js';

export type { Locale } from './format.js';

/** One language's advice for every code, written from the error's details. */
export type Catalogue = {
  [C in ErrorCode]: (
    details: ErrorDetailsMap[C],
    f: Formatter,
  ) => ReadonlyArray<string | false | undefined | null>;
};

const catalogues: Record<Locale, Catalogue> = { en: english, fr: french };
const formatters: Record<Locale, Formatter> = { en: formatter('en'), fr: formatter('fr') };

/** What to do next about an error with this code and these details, in the given language. */
export function recommend<C extends ErrorCode>(
  code: C,
  details: ErrorDetailsMap[C],
  locale: Locale = 'en',
): string[] {
  const entry = catalogues[locale][code] as Catalogue[C];
  return entry(details ?? ({} as ErrorDetailsMap[C]), formatters[locale]).filter(
    (line): line is string => typeof line === 'string' && line.length > 0,
  );
}

/** Picks the best supported locale from an Accept-Language header or a locale tag. */
export function pickLocale(preference: string | undefined | null): Locale {
  if (!preference) return 'en';
  for (const part of preference.split(',')) {
    const tag = part.split(';')[0]?.trim().toLowerCase() ?? '';
    if (tag.startsWith('fr')) return 'fr';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}
