// Request body processors (URLENCODED, MULTIPART, JSON, XML) with ModSecurity v3's behaviour, on
// byte strings. None of them throws on any input; each is linear in the body and bounded in memory.

import type { BodyLimits, BodyProcessorName, ParsedBody } from './body.js';
import { processJson } from './json.js';
import { processMultipart } from './multipart.js';
import { processUrlEncoded } from './urlencoded.js';
import { processXml } from './xml.js';

export type { BodyLimits, BodyProcessorName, FilePart, MultipartFlags, ParsedBody, XmlDocument } from './body.js';
export { DEFAULT_BODY_LIMITS } from './body.js';
export { parseUrlEncoded, urlEncodedError } from './urlencoded.js';
export { urlDecodeNonStrict } from './url-decode.js';

/**
 * Runs one body processor. `contentType` is the request's Content-Type header value (MULTIPART
 * takes its boundary from it; the others ignore it). SecArgumentsLimit is applied to the body's
 * own arguments: v3 counts ARGS_GET too, so the engine passes maxArgs minus those.
 */
export function parseRequestBody(processor: BodyProcessorName, body: string, contentType: string, limits: BodyLimits): ParsedBody {
  switch (processor) {
    case 'URLENCODED':
      return processUrlEncoded(body, limits.maxArgs);
    case 'MULTIPART':
      return processMultipart(body, contentType, limits);
    case 'JSON':
      return processJson(body, limits);
    case 'XML':
      return processXml(body);
    default:
      return { args: [], files: [], partHeaders: [], error: `Unknown request body processor: ${String(processor)}` };
  }
}
