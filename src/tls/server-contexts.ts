// TLS for listeners: certificates chosen by SNI (exact names, then "*.example.com" wildcards, then
// the first certificate), TLS 1.2 at least, and only forward-secret AEAD cipher suites (the
// "intermediate" profile that current browsers and API clients all speak). Contexts are rebuilt
// from new certificate material without restarting the listener.
import tls, { type SecureContext, type SecureContextOptions } from 'node:tls';
import type { ListenerSettings } from '../config/settings.js';

export const CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

type TlsSettings = NonNullable<ListenerSettings['tls']>;

export function contextOptions(settings: TlsSettings, index = 0): SecureContextOptions {
  const c = settings.certificates[index]!;
  return {
    cert: c.certPem,
    key: c.keyPem,
    minVersion: settings.minVersion,
    ciphers: CIPHERS,
    honorCipherOrder: true,
  };
}

/** SNI lookup over the certificates of one listener. */
export class SniContexts {
  private exact = new Map<string, SecureContext>();
  private wildcard = new Map<string, SecureContext>();
  private fallback: SecureContext | undefined;

  constructor(settings: TlsSettings) {
    this.update(settings);
  }

  update(settings: TlsSettings): void {
    const exact = new Map<string, SecureContext>();
    const wildcard = new Map<string, SecureContext>();
    let fallback: SecureContext | undefined;
    settings.certificates.forEach((c, i) => {
      const ctx = tls.createSecureContext(contextOptions(settings, i));
      fallback ??= ctx;
      for (const name of c.serverNames) {
        if (name.startsWith('*.')) {
          if (!wildcard.has(name.slice(2))) wildcard.set(name.slice(2), ctx);
        } else if (!exact.has(name)) {
          exact.set(name, ctx);
        }
      }
    });
    this.exact = exact;
    this.wildcard = wildcard;
    this.fallback = fallback;
  }

  lookup(servername: string): SecureContext | undefined {
    const name = servername.toLowerCase();
    const hit = this.exact.get(name);
    if (hit) return hit;
    const dot = name.indexOf('.');
    // A wildcard covers exactly one label (RFC 6125 §6.4.3).
    if (dot !== -1) {
      const w = this.wildcard.get(name.slice(dot + 1));
      if (w) return w;
    }
    return this.fallback;
  }

  readonly callback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void): void => {
    cb(null, this.lookup(servername));
  };
}
