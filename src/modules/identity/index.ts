export type * from './identity.js';
