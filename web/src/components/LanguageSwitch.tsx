// The ja / en switch. The choice is remembered in localStorage (mizugiwa.locale) and sets <html lang>.
import { useTranslation } from 'react-i18next';
import { LOCALES, currentLocale, isLocale, setLocale } from '../i18n';

export function LanguageSwitch() {
  const { t } = useTranslation();
  return (
    <label className="field-inline">
      <span className="field-inline-label">{t('header.language')}</span>
      <select
        data-testid="lang-switch"
        value={currentLocale()}
        onChange={(event) => {
          if (isLocale(event.target.value)) setLocale(event.target.value);
        }}
      >
        {LOCALES.map((locale) => (
          <option key={locale} value={locale} lang={locale}>
            {t(`locales.${locale}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
