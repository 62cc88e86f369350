/**
 * i18next with English, Polish and Russian bundled (they are small; switching needs no request).
 * The language is the one chosen in the switcher (localStorage `hom.language`, written only
 * when the user picks one), else the browser's first supported language, else English.
 */
import i18n from "i18next";
import { useCallback, useSyncExternalStore } from "react";
import { initReactI18next } from "react-i18next";
import { en } from "./en";
import { pl } from "./pl";
import { ru } from "./ru";

export const LANGUAGE_KEY = "hom.language";
export const LANGUAGES = ["en", "pl", "ru"] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language's name in that language: what the switcher shows to someone who cannot read the current one. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: "English", pl: "Polski", ru: "Русский" };

declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "translation";
    resources: { translation: typeof en };
  }
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

function readStoredLanguage(): Language | null {
  try {
    const stored = localStorage.getItem(LANGUAGE_KEY);
    return isLanguage(stored) ? stored : null;
  } catch {
    return null;
  }
}

function browserLanguage(): Language | null {
  const wanted = typeof navigator === "undefined" ? [] : navigator.languages;
  for (const tag of wanted) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLanguage(base)) return base;
  }
  return null;
}

function applyDocumentLanguage(language: string): void {
  if (typeof document !== "undefined") document.documentElement.lang = language;
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, pl: { translation: pl }, ru: { translation: ru } },
  lng: readStoredLanguage() ?? browserLanguage() ?? "en",
  fallbackLng: "en",
  supportedLngs: [...LANGUAGES],
  // Resources are bundled: initialise synchronously, so the first render is already translated.
  initAsync: false,
  // React escapes what it renders.
  interpolation: { escapeValue: false },
});
applyDocumentLanguage(i18n.language);
i18n.on("languageChanged", applyDocumentLanguage);

export { i18n };

export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : "en";
}

/** Switches the language and remembers the choice on this device. */
export function setLanguage(language: Language): void {
  try {
    localStorage.setItem(LANGUAGE_KEY, language);
  } catch {
    // Storage disabled: the choice lasts until reload.
  }
  void i18n.changeLanguage(language);
}

/**
 * After login: a device where nobody picked a language follows the account's language (which
 * an admin's "language of new accounts" setting decides for new accounts). Not remembered, so
 * the next person on a shared tablet gets theirs.
 */
export function adoptAccountLanguage(locale: string | null | undefined): void {
  if (readStoredLanguage() === null && isLanguage(locale) && locale !== i18n.language) void i18n.changeLanguage(locale);
}

function subscribe(onChange: () => void): () => void {
  i18n.on("languageChanged", onChange);
  return () => i18n.off("languageChanged", onChange);
}

/** The current language and a setter that switches and remembers it. */
export function useLanguage(): [Language, (language: Language) => void] {
  const language = useSyncExternalStore(subscribe, currentLanguage);
  const set = useCallback((next: Language) => setLanguage(next), []);
  return [language, set];
}

// Another tab switched the language.
if (typeof window !== "undefined") {
  window.addEventListener("storage", (event) => {
    if (event.key !== LANGUAGE_KEY) return;
    const next = readStoredLanguage();
    if (next && next !== i18n.language) void i18n.changeLanguage(next);
  });
}
