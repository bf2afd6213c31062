// Variables of the response.
import { collection, namesOf, registerVariable, scalar, stable } from './variable.js';

registerVariable(stable(scalar('RESPONSE_STATUS', (tx) => tx.responseStatus)));
registerVariable(stable(scalar('STATUS', (tx) => tx.responseStatus)));
registerVariable(stable(scalar('RESPONSE_PROTOCOL', (tx) => tx.responseProtocol)));
registerVariable(stable(collection('RESPONSE_HEADERS', (tx) => tx.responseHeaders)));
registerVariable(stable(collection('RESPONSE_HEADERS_NAMES', (tx) => namesOf(tx.responseHeaders))));
registerVariable(stable(scalar('RESPONSE_CONTENT_TYPE', (tx) => tx.responseContentType)));
registerVariable(stable(scalar('RESPONSE_CONTENT_LENGTH', (tx) => tx.responseContentLength)));
registerVariable(stable(scalar('RESPONSE_BODY', (tx) => tx.responseBody)));
registerVariable(scalar('OUTBOUND_DATA_ERROR', (tx) => tx.outboundDataError));
