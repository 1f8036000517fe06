// Starts bench/token-load.ts in a worker thread: workers do not inherit tsx's loader, so register it first.
import { register } from 'tsx/esm/api';

register();
await import('./token-load.ts');
