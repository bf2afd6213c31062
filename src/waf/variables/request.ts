// Variables of the request line, headers, cookies and arguments (ModSecurity v3 semantics: see
// Transaction::processURI / addRequestHeader / extractArguments).
import { collection, namesOf, registerVariable, scalar, stable, type Entry } from './variable.js';

registerVariable(stable(scalar('REQUEST_METHOD', (tx) => tx.method)));
registerVariable(stable(scalar('REQUEST_URI', (tx) => tx.requestUri)));
registerVariable(stable(scalar('REQUEST_URI_RAW', (tx) => tx.uriRaw)));
registerVariable(stable(scalar('REQUEST_LINE', (tx) => tx.requestLine)));
registerVariable(stable(scalar('REQUEST_PROTOCOL', (tx) => tx.protocol)));
registerVariable(stable(scalar('REQUEST_FILENAME', (tx) => tx.requestFilename)));
registerVariable(stable(scalar('PATH_INFO', (tx) => tx.requestFilename)));
registerVariable(stable(scalar('REQUEST_BASENAME', (tx) => tx.requestBasename)));
registerVariable(stable(scalar('QUERY_STRING', (tx) => tx.queryString)));
registerVariable(stable(scalar('SERVER_NAME', (tx) => tx.serverName)));
registerVariable(stable(scalar('AUTH_TYPE', (tx) => tx.authType)));

registerVariable(stable(collection('REQUEST_HEADERS', (tx) => tx.requestHeaders)));
registerVariable(stable(collection('REQUEST_HEADERS_NAMES', (tx) => namesOf(tx.requestHeaders))));
registerVariable(stable(collection('REQUEST_COOKIES', (tx) => tx.requestCookies)));
registerVariable(stable(collection('REQUEST_COOKIES_NAMES', (tx) => namesOf(tx.requestCookies))));

registerVariable(stable(collection('ARGS', (tx) => tx.args)));
registerVariable(stable(collection('ARGS_GET', (tx) => tx.argsGet)));
registerVariable(stable(collection('ARGS_POST', (tx) => tx.argsPost)));
registerVariable(stable(collection('ARGS_NAMES', (tx) => tx.derivedFromArgs('ARGS_NAMES', () => namesOf(tx.args)))));
registerVariable(stable(collection('ARGS_GET_NAMES', (tx) => tx.derivedFromArgs('ARGS_GET_NAMES', () => namesOf(tx.argsGet)))));
registerVariable(stable(collection('ARGS_POST_NAMES', (tx) => tx.derivedFromArgs('ARGS_POST_NAMES', () => namesOf(tx.argsPost)))));
registerVariable(stable(scalar('ARGS_COMBINED_SIZE', (tx) => (tx.args.length > 0 ? String(tx.argsCombinedSize) : undefined))));
registerVariable(stable(scalar('URLENCODED_ERROR', (tx) => (tx.urlEncodedError ? '1' : undefined))));

export type { Entry };
