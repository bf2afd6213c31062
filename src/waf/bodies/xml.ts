// The XML body processor. ModSecurity v3 hands the body to libxml2 and reports only
// "XML parsing error: XML: Failed parsing document." when libxml2 finds it not well-formed (an
// empty body included); we add what went wrong in parentheses. No ARGS: rules read the document
// through XML:<xpath>.

import type { ParsedBody } from './body.js';
import { toUtf8 } from './xml-encoding.js';
import { ParsedXmlDocument } from './xml-document.js';
import { parseXmlTree } from './xml-parser.js';

const FAILED = 'XML parsing error: XML: Failed parsing document.';

/** Parses an XML body; never throws, linear in the body. */
export function processXml(body: string): ParsedBody {
  const encoded = toUtf8(body);
  if (encoded.text === undefined) return { args: [], files: [], partHeaders: [], error: `${FAILED} (${encoded.error})` };
  // XML's end-of-line handling, before anything else: CRLF and lone CR become LF.
  const text = encoded.text.includes('\r') ? encoded.text.replace(/\r\n?/g, '\n') : encoded.text;
  const parsed = parseXmlTree(text);
  if (parsed.tree === undefined) return { args: [], files: [], partHeaders: [], error: `${FAILED} (${parsed.error})` };
  return { args: [], files: [], partHeaders: [], xml: new ParsedXmlDocument(parsed.tree) };
}
