// LOCAL STUB (not committed): replaced by the real body processors on merge.
import type { BodyLimits, BodyProcessorName, ParsedBody } from './body.js';
export function parseUrlEncoded(text: string, separator = '&'): Array<[string, string]> {
  const dec = (s: string) => s.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return text.split(separator).filter((x) => x !== '').map((kv) => { const i = kv.indexOf('='); return i === -1 ? [dec(kv), ''] : [dec(kv.slice(0, i)), dec(kv.slice(i + 1))]; });
}
export function parseRequestBody(processor: BodyProcessorName, body: string, _ct: string, _l: BodyLimits): ParsedBody {
  if (processor === 'URLENCODED') return { args: parseUrlEncoded(body), files: [], partHeaders: [] };
  return { args: [], files: [], partHeaders: [] };
}
