// Loads every variable family into the registry.
import './request.js';
import './body.js';
import './response.js';
import './context.js';

export { getVariable, variableNames } from './variable.js';
export type { Entry, VariableDef } from './variable.js';
