// i18next set-up: the two dictionaries, the initial locale (saved choice, else the browser's language) and <html lang>.
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en, type Messages } from './en';
import { ja } from './ja';

export type Locale = 'ja' | 'en';
export const LOCALES: readonly Locale[] = ['ja', 'en'];
const STORAGE_KEY = 'mizugiwa.locale';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Messages };
  }
}

export function isLocale(value: unknown): value is Locale {
  return value === 'ja' || value === 'en';
}

function readStoredLocale(): Locale | null {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return isLocale(stored) ? stored : null;
  } catch {
    return null;
  }
}

/** The saved choice, else ja when the browser prefers Japanese, else en. */
export function initialLocale(): Locale {
  return readStoredLocale() ?? (navigator.language.toLowerCase().startsWith('ja') ? 'ja' : 'en');
}

/** Switches the UI language and remembers the choice. */
export function setLocale(locale: Locale): void {
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Storage can be disabled (private mode, policy); the choice then lasts for this page only.
  }
  void i18n.changeLanguage(locale);
}

/** The locale the UI currently shows. */
export function currentLocale(): Locale {
  return isLocale(i18n.resolvedLanguage) ? i18n.resolvedLanguage : 'en';
}

i18n.on('languageChanged', (lng) => {
  document.documentElement.lang = isLocale(lng) ? lng : 'en';
});

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, ja: { translation: ja } },
  lng: initialLocale(),
  fallbackLng: 'en',
  supportedLngs: LOCALES,
  interpolation: { escapeValue: false }, // React escapes already
  returnNull: false,
  initAsync: false, // resources are bundled: be ready before the first render
});

export default i18n;
