// Loads every action into the registry.
import './metadata.js';
import './disruptive.js';
import './setvar.js';
import './collections.js';
import './ctl.js';

export { getAction } from './action.js';
