// English and French. Each module keeps its own messages beside its code
// (defineMessages), with both languages checked by the compiler to carry
// the same keys; t() fills {name} placeholders. Dates and "5 minutes ago"
// come from the browser's Intl in the chosen language. Two languages and
// no plural rules beyond one/other do not call for a library.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

import { loadLanguage, storeLanguage } from '../session';

export type Language = 'en' | 'fr';
export const LANGUAGES: { code: Language; name: string }[] = [
  { code: 'en', name: 'English' },
  { code: 'fr', name: 'Français' },
];

export type Messages<K extends string> = Record<Language, Record<K, string>>;

// defineMessages makes a module's dictionary; fr must have every key of en.
export function defineMessages<K extends string>(m: { en: Record<K, string>; fr: Record<K, string> }): Messages<K> {
  return m;
}

export function pickLanguage(tag: string | null | undefined): Language | null {
  if (!tag) return null;
  const base = tag.toLowerCase().split(/[-_]/)[0];
  return base === 'fr' ? 'fr' : base === 'en' ? 'en' : null;
}

interface I18n {
  lang: Language;
  // setLang is this browser's choice, kept across visits. Until there is
  // one the browser's language is used. (The profile's preferred language
  // is the language of mail; saving it on the profile also sets this.)
  setLang(l: Language): void;
}

const Ctx = createContext<I18n>({ lang: 'en', setLang: () => {} });

function initial(): Language {
  return pickLanguage(loadLanguage()) ?? pickLanguage(navigator.language) ?? 'en';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Language>(initial);
  const setLang = useCallback((l: Language) => {
    storeLanguage(l);
    setLangState(l);
  }, []);
  document.documentElement.lang = lang;
  const value = useMemo(() => ({ lang, setLang }), [lang, setLang]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useLanguage(): I18n {
  return useContext(Ctx);
}

export type T<K extends string> = (key: K, vars?: Record<string, string | number>) => string;

// useT returns the translator of a module's messages in the current language.
export function useT<K extends string>(messages: Messages<K>): T<K> {
  const { lang } = useContext(Ctx);
  return useCallback(
    (key: K, vars?: Record<string, string | number>) => {
      let s = messages[lang][key] ?? messages.en[key] ?? key;
      if (vars) {
        for (const [k, v] of Object.entries(vars)) s = s.split(`{${k}}`).join(String(v));
      }
      return s;
    },
    [lang, messages],
  );
}

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['week', 7 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
];

const justNow: Record<Language, string> = { en: 'just now', fr: "à l'instant" };

// relativeTime: "5 minutes ago" / "il y a 5 minutes"; "just now" under a minute.
export function relativeTime(lang: Language, iso: string, now = Date.now()): string {
  const secs = Math.round((Date.parse(iso) - now) / 1000);
  const fmt = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  for (const [unit, size] of units) {
    if (Math.abs(secs) >= size) return fmt.format(Math.round(secs / size), unit);
  }
  return justNow[lang];
}

export function dateTime(lang: Language, iso: string): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}
