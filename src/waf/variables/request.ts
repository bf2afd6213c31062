// Variables of the request line, headers, cookies and arguments (ModSecurity v3 semantics: see
// Transaction::processURI / addRequestHeader / extractArguments).
import { collection, namesOf, registerVariable, scalar, type Entry } from './variable.js';

registerVariable(scalar('REQUEST_METHOD', (tx) => tx.method));
registerVariable(scalar('REQUEST_URI', (tx) => tx.requestUri));
registerVariable(scalar('REQUEST_URI_RAW', (tx) => tx.uriRaw));
registerVariable(scalar('REQUEST_LINE', (tx) => tx.requestLine));
registerVariable(scalar('REQUEST_PROTOCOL', (tx) => tx.protocol));
registerVariable(scalar('REQUEST_FILENAME', (tx) => tx.requestFilename));
registerVariable(scalar('PATH_INFO', (tx) => tx.requestFilename));
registerVariable(scalar('REQUEST_BASENAME', (tx) => tx.requestBasename));
registerVariable(scalar('QUERY_STRING', (tx) => tx.queryString));
registerVariable(scalar('SERVER_NAME', (tx) => tx.serverName));
registerVariable(scalar('AUTH_TYPE', (tx) => tx.authType));

registerVariable(collection('REQUEST_HEADERS', (tx) => tx.requestHeaders));
registerVariable(collection('REQUEST_HEADERS_NAMES', (tx) => namesOf(tx.requestHeaders)));
registerVariable(collection('REQUEST_COOKIES', (tx) => tx.requestCookies));
registerVariable(collection('REQUEST_COOKIES_NAMES', (tx) => namesOf(tx.requestCookies)));

registerVariable(collection('ARGS', (tx) => tx.args));
registerVariable(collection('ARGS_GET', (tx) => tx.argsGet));
registerVariable(collection('ARGS_POST', (tx) => tx.argsPost));
registerVariable(collection('ARGS_NAMES', (tx) => tx.derivedFromArgs('ARGS_NAMES', () => namesOf(tx.args))));
registerVariable(collection('ARGS_GET_NAMES', (tx) => tx.derivedFromArgs('ARGS_GET_NAMES', () => namesOf(tx.argsGet))));
registerVariable(collection('ARGS_POST_NAMES', (tx) => tx.derivedFromArgs('ARGS_POST_NAMES', () => namesOf(tx.argsPost))));
registerVariable(scalar('ARGS_COMBINED_SIZE', (tx) => (tx.args.length > 0 ? String(tx.argsCombinedSize) : undefined)));
registerVariable(scalar('URLENCODED_ERROR', (tx) => (tx.urlEncodedError ? '1' : undefined)));

export type { Entry };
