// Variables of the response.
import { collection, namesOf, registerVariable, scalar } from './variable.js';

registerVariable(scalar('RESPONSE_STATUS', (tx) => tx.responseStatus));
registerVariable(scalar('STATUS', (tx) => tx.responseStatus));
registerVariable(scalar('RESPONSE_PROTOCOL', (tx) => tx.responseProtocol));
registerVariable(collection('RESPONSE_HEADERS', (tx) => tx.responseHeaders));
registerVariable(collection('RESPONSE_HEADERS_NAMES', (tx) => namesOf(tx.responseHeaders)));
registerVariable(scalar('RESPONSE_CONTENT_TYPE', (tx) => tx.responseContentType));
registerVariable(scalar('RESPONSE_CONTENT_LENGTH', (tx) => tx.responseContentLength));
registerVariable(scalar('RESPONSE_BODY', (tx) => tx.responseBody));
registerVariable(scalar('OUTBOUND_DATA_ERROR', (tx) => tx.outboundDataError));
