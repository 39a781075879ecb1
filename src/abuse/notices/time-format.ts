import type { Locale } from '../../i18n/messages.js';

// Times as a subscriber reads them: in the ISP's zone (Japan time by default), to the second, since the
// subscriber may compare them with a router's log. Storage stays UTC; only notices and exports convert.

type Parts = { year: string; month: string; day: string; hour: string; minute: string; second: string };

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(iso: string, zone: string): Parts | undefined {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) out[p.type] = p.value;
  return out as Parts;
}

/** `2026年11月20日 14:05:07` (ja) or `2026-11-20 14:05:07` (en), in `zone`; the text as given when it is no time. */
export function noticeTime(iso: string, locale: Locale, zone: string): string {
  const p = partsIn(iso, zone);
  if (!p) return iso;
  return locale === 'ja'
    ? `${p.year}年${Number(p.month)}月${Number(p.day)}日 ${p.hour}:${p.minute}:${p.second}`
    : `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** The date alone: `2026年11月20日` or `2026-11-20`. */
export function noticeDate(iso: string, locale: Locale, zone: string): string {
  const p = partsIn(iso, zone);
  if (!p) return iso;
  return locale === 'ja' ? `${p.year}年${Number(p.month)}月${Number(p.day)}日` : `${p.year}-${p.month}-${p.day}`;
}

/** ISO 8601 with the zone's offset (`2026-11-20T14:05:07+09:00`): for the CSV export, exact and readable. */
export function zonedIso(iso: string, zone: string): string {
  const ms = Date.parse(iso);
  const p = partsIn(iso, zone);
  if (!p) return iso;
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  const offsetMin = Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${offset}`;
}

/** What the times in a notice are: `日本時間` / `Japan Standard Time (JST, UTC+9)`, else the zone's name. */
export function zoneName(zone: string, locale: Locale): string {
  if (zone === 'Asia/Tokyo') return locale === 'ja' ? '日本時間' : 'Japan Standard Time (JST, UTC+9)';
  if (zone === 'UTC' || zone === 'Etc/UTC')
    return locale === 'ja' ? '協定世界時（UTC）' : 'Coordinated Universal Time (UTC)';
  return zone;
}
