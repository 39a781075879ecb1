// Locale- and time-zone-aware formatting. Every time the UI shows goes through dateTime(), in the operator's zone.
import type { TFunction } from 'i18next';
import type { Locale } from './i18n';

export const DEFAULT_TIME_ZONE = 'Asia/Tokyo';

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Every zone the browser knows, with the ones given first (server default, current choice) kept if missing. */
export function timeZoneChoices(...extra: string[]): string[] {
  let zones: string[];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    zones = [];
  }
  return [...new Set([...extra.filter(isValidTimeZone), 'UTC', ...zones])].sort((a, b) =>
    a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b),
  );
}

export interface Formatters {
  locale: Locale;
  timeZone: string;
  /** An ISO 8601 time as date and time in the chosen zone; '—' for null. */
  dateTime(iso: string | null | undefined): string;
  number(value: number | null | undefined, maximumFractionDigits?: number): string;
  bytes(value: number | null | undefined): string;
  duration(seconds: number | null | undefined): string;
}

export function makeFormatters(locale: Locale, timeZone: string, t: TFunction): Formatters {
  const dateTimeFormat = new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const numberFormats = new Map<number, Intl.NumberFormat>();
  const numberFormat = (digits: number) => {
    let format = numberFormats.get(digits);
    if (!format) {
      format = new Intl.NumberFormat(locale, { maximumFractionDigits: digits });
      numberFormats.set(digits, format);
    }
    return format;
  };
  const none = t('common.none');

  return {
    locale,
    timeZone,
    dateTime(iso) {
      if (!iso) return none;
      const date = new Date(iso);
      return Number.isNaN(date.getTime()) ? iso : dateTimeFormat.format(date);
    },
    number(value, maximumFractionDigits = 0) {
      if (value === null || value === undefined || !Number.isFinite(value)) return none;
      return numberFormat(maximumFractionDigits).format(value);
    },
    bytes(value) {
      if (value === null || value === undefined || !Number.isFinite(value)) return none;
      if (value < 1024) return t('common.bytes', { value: numberFormat(0).format(value) });
      if (value < 1024 * 1024) return t('common.kib', { value: numberFormat(1).format(value / 1024) });
      return t('common.mib', { value: numberFormat(1).format(value / 1024 / 1024) });
    },
    duration(seconds) {
      if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return none;
      const total = Math.round(seconds);
      const h = Math.floor(total / 3600);
      const m = Math.floor((total % 3600) / 60);
      const s = total % 60;
      if (h > 0) return t('duration.hms', { h, m });
      if (m > 0) return t('duration.ms', { m, s });
      return t('duration.s', { s });
    },
  };
}
