import { isAppError } from '../lib/errors/index.js';

/** Exit codes of the `bulwark` command. */
export const EXIT = { ok: 0, failed: 1, config: 2 } as const;

/**
 * Runs a command body and turns failures into a one-line message and an exit code:
 * 2 for invalid configuration (with every bad field), a refused production setting, a privileged serving database
 * login or a data folder another process holds; 1 for anything else. No stack traces.
 */
export async function runCommand(body: () => Promise<number | void>): Promise<void> {
  try {
    const code = await body();
    process.exitCode = code ?? EXIT.ok;
  } catch (error) {
    if (isAppError(error, 'config.invalid')) {
      const issues = (error.details?.issues ?? []) as { path: string; message: string }[];
      process.stderr.write(
        `bulwark: invalid configuration\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}\n`,
      );
      process.exitCode = EXIT.config;
      return;
    }
    if (
      isAppError(error, 'config.dev_shortcut_in_production') ||
      isAppError(error, 'db.data_dir_in_use') ||
      isAppError(error, 'db.serving_role_unsafe')
    ) {
      process.stderr.write(`bulwark: ${error.publicMessage}\n`);
      process.exitCode = EXIT.config;
      return;
    }
    const message = isAppError(error)
      ? `${error.code}: ${error.publicMessage}`
      : error instanceof Error
        ? error.message
        : String(error);
    process.stderr.write(`bulwark: ${message}\n`);
    process.exitCode = EXIT.failed;
  }
}
