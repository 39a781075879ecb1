import type { IndicatorType } from '../domain/indicator.js';
import type { Normalised } from './result.js';
import { normaliseDomain } from './domain.js';
import { isIpv4, normaliseIpv4, normaliseIpv6 } from './ip.js';
import { normaliseCidr } from './cidr.js';
import { normaliseUrl } from './url.js';
import { normaliseEmail } from './email.js';
import { normaliseHash } from './hash.js';
import { normaliseIpPort } from './ip-port.js';

export type { Normalised };

/** Normalises a value of a known type; the one entry point ingest and the API use. */
export function normalise(type: IndicatorType, value: string): Normalised {
  switch (type) {
    case 'domain':
      return normaliseDomain(value);
    case 'ipv4':
      return value.includes('/') ? normaliseCidr(value) : normaliseIpv4(value);
    case 'ipv6':
      return value.includes('/') ? normaliseCidr(value) : normaliseIpv6(value);
    case 'cidr':
      return normaliseCidr(value);
    case 'url':
      return normaliseUrl(value);
    case 'email':
      return normaliseEmail(value);
    case 'ip-port':
      return normaliseIpPort(value);
    case 'md5':
    case 'sha1':
    case 'sha256':
      return normaliseHash(type, value);
  }
}

/**
 * The type a bare value most likely has, for formats that do not say (plain lists, hosts files):
 * a URL has a scheme, an address parses as one, a hash is hex of a hash's length, an email has @.
 */
export function inferType(value: string): IndicatorType {
  const v = value.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return 'url';
  if (v.includes('/')) return 'cidr';
  if (isIpv4(v)) return 'ipv4';
  if (v.includes(':') && /^[0-9a-f:.]+$/i.test(v) && !/^[^:]+:\d+$/.test(v)) return 'ipv6';
  if (/^(\[[0-9a-f:.]+\]|[\d.]+):\d+$/i.test(v)) return 'ip-port';
  if (/^[0-9a-f]{64}$/i.test(v)) return 'sha256';
  if (/^[0-9a-f]{40}$/i.test(v)) return 'sha1';
  if (/^[0-9a-f]{32}$/i.test(v)) return 'md5';
  if (v.includes('@')) return 'email';
  return 'domain';
}

/** Normalises a value whose type may be unknown. */
export function normaliseAny(value: string, type?: IndicatorType): Normalised {
  return normalise(type ?? inferType(value), value);
}
