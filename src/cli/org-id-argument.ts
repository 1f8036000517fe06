import { AppError } from '../lib/errors/index.js';
import { isId, type OrgId } from '../lib/ids.js';

/** The `--org` option's value as an org id, or a 400-class error naming the option. */
export function orgIdArgument(value: string): OrgId {
  if (!isId('org', value))
    throw new AppError('http.bad_request', {
      publicMessage: `--org: not an org id: ${JSON.stringify(value.slice(0, 64))}`,
    });
  return value;
}
