// Operators that live outside the operators/ folder's own registry file: the libinjection ones.
import { registerOperator } from '../operators/registry.js';
import { detectSqliOperator } from '../operators/detect-sqli.js';
import { detectXssOperator } from '../operators/detect-xss.js';

registerOperator(detectSqliOperator);
registerOperator(detectXssOperator);
