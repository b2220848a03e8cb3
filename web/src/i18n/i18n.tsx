import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from 'react';
import { setApiLanguage } from '../api/client';
import { en, type Messages } from './en';
import { type Formatters, formatters } from './format';
import { fr } from './fr';

export type Lang = 'en' | 'fr';
export const languages: readonly Lang[] = ['en', 'fr'];
const catalogues: Record<Lang, Messages> = { en, fr };
/** Locales for Intl: French as written in France; English with the browser's own region if any. */
const locales: Record<Lang, string> = { en: 'en-US', fr: 'fr-FR' };
const storageKey = 'holdfast.lang';

/** The reader's choice if made, else the first of the browser's languages that is ours, else English. */
export function detectLang(): Lang {
  const saved = globalThis.localStorage?.getItem(storageKey);
  if (saved === 'en' || saved === 'fr') return saved;
  for (const tag of globalThis.navigator?.languages ?? []) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'fr' || base === 'en') return base;
  }
  return 'en';
}

interface I18n {
  readonly lang: Lang;
  readonly locale: string;
  readonly m: Messages;
  readonly f: Formatters;
  setLang(lang: Lang): void;
}

const I18nContext = createContext<I18n | undefined>(undefined);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(detectLang);
  setApiLanguage(lang);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo<I18n>(
    () => ({
      lang,
      locale: locales[lang],
      m: catalogues[lang],
      f: formatters(locales[lang]),
      setLang: (next) => {
        globalThis.localStorage?.setItem(storageKey, next);
        setApiLanguage(next);
        setLangState(next);
      },
    }),
    [lang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
