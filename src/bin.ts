/**
 * Entry point of the compiled build (`npm run build`, then `node dist/bin.js serve`): the same CLI as
 * bin/bulwark.js without the TypeScript loader. dist/ sits beside src/, so `policies/` and `db/migrations/`
 * resolve from it as they do from the sources.
 */
import { runCli } from './main.js';

await runCli(process.argv);
