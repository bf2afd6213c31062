// Variables of the request body and its processors.
import type { MultipartFlags } from '../bodies/body.js';
import type { TransactionState } from '../engine/transaction-state.js';
import { collection, registerVariable, scalar, stable, type Entry } from './variable.js';

registerVariable(stable(scalar('REQUEST_BODY', (tx) => tx.requestBody)));
registerVariable(stable(scalar('REQUEST_BODY_LENGTH', (tx) => (tx.requestBody !== undefined ? String(tx.requestBody.length) : undefined))));
registerVariable(stable(scalar('FULL_REQUEST', (tx) => tx.fullRequest)));
registerVariable(stable(scalar('FULL_REQUEST_LENGTH', (tx) => (tx.fullRequest !== undefined ? String(tx.fullRequest.length) : undefined))));
registerVariable(scalar('REQBODY_PROCESSOR', (tx) => tx.reqbodyProcessor));
registerVariable(scalar('REQBODY_ERROR', (tx) => tx.reqbodyError));
registerVariable(scalar('REQBODY_ERROR_MSG', (tx) => tx.reqbodyErrorMsg));
registerVariable(scalar('REQBODY_PROCESSOR_ERROR', (tx) => tx.reqbodyProcessorError));
registerVariable(scalar('REQBODY_PROCESSOR_ERROR_MSG', (tx) => tx.reqbodyProcessorErrorMsg));
registerVariable(scalar('INBOUND_DATA_ERROR', (tx) => tx.inboundDataError));

registerVariable(stable(collection('FILES', (tx) => tx.files)));
registerVariable(stable(collection('FILES_NAMES', (tx) => tx.filesNames)));
registerVariable(stable(collection('FILES_SIZES', (tx) => tx.filesSizes)));
registerVariable(collection('FILES_TMPNAMES', () => []));
registerVariable(collection('FILES_TMP_CONTENT', () => []));
registerVariable(stable(scalar('FILES_COMBINED_SIZE', (tx) => (tx.filesCombinedSize !== undefined ? String(tx.filesCombinedSize) : undefined))));
registerVariable(stable(collection('MULTIPART_PART_HEADERS', (tx) => tx.multipartPartHeaders)));
registerVariable(stable(scalar('MULTIPART_FILENAME', (tx) => tx.multipartFilename)));
registerVariable(stable(scalar('MULTIPART_NAME', (tx) => tx.multipartName)));

const flags: Array<[string, keyof MultipartFlags]> = [
  ['MULTIPART_STRICT_ERROR', 'strictError'],
  ['MULTIPART_BOUNDARY_QUOTED', 'boundaryQuoted'],
  ['MULTIPART_BOUNDARY_WHITESPACE', 'boundaryWhitespace'],
  ['MULTIPART_DATA_BEFORE', 'dataBefore'],
  ['MULTIPART_DATA_AFTER', 'dataAfter'],
  ['MULTIPART_HEADER_FOLDING', 'headerFolding'],
  ['MULTIPART_LF_LINE', 'lfLine'],
  ['MULTIPART_CRLF_LF_LINES', 'crlfLfLines'],
  ['MULTIPART_MISSING_SEMICOLON', 'missingSemicolon'],
  ['MULTIPART_INVALID_QUOTING', 'invalidQuoting'],
  ['MULTIPART_INVALID_PART', 'invalidPart'],
  ['MULTIPART_INVALID_HEADER_FOLDING', 'invalidHeaderFolding'],
  ['MULTIPART_FILE_LIMIT_EXCEEDED', 'fileLimitExceeded'],
  ['MULTIPART_UNMATCHED_BOUNDARY', 'unmatchedBoundary'],
];
for (const [name, field] of flags) {
  registerVariable(scalar(name, (tx: TransactionState) => (tx.multipart ? String(tx.multipart[field]) : undefined)));
}

registerVariable({
  kind: 'xpath',
  name: 'XML',
  stable: true,
  select(tx: TransactionState, expression: string): readonly Entry[] {
    const doc = tx.xml;
    if (!doc) return [];
    let values: string[];
    try {
      values = doc.select(expression);
    } catch {
      return [];
    }
    return values.map((value) => ({ key: expression, value }));
  },
});
