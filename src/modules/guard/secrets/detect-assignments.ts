import type { Finding } from '../detector.js';
import { SECRETS_DETECTOR } from './classes.js';
import { isPlaceholder } from './placeholder.js';
import { shannonEntropy } from './shannon-entropy.js';

const SECRET_NAME = String.raw`(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|client[_.-]?secret|auth[_.-]?(?:token|key|secret)|authkey|credentials?|signing[_.-]?key|encryption[_.-]?key|master[_.-]?key|secret[_.-]?key|session[_.-]?key|app[_.-]?key|license[_.-]?key|webhook[_.-]?secret|salt)`;
// Anchored on the secret word (rare in prose), then the rest of the name and `= value` are read with a sticky regex.
const KEYWORD = new RegExp(SECRET_NAME, 'gi');
const SECRET_STEM = /pass|pwd|secret|token|key|cred|salt/i;
const NAME_CHAR = /[A-Za-z0-9_.-]/;
const REST = new RegExp(
  String.raw`[A-Za-z0-9_.-]{0,24}["']?\s*(?::=|=>|:|=)\s*` +
    String.raw`(?:"([^"\n]{1,512})"|'([^'\n]{1,512})'|\x60([^\x60\n]{1,512})\x60|((?:(?!&\w{1,32}=)[^\s"'\x60,;{}()\[\]<>]){1,512}))`,
  'y',
);
const PASSWORD_NAME = /pass|pwd/i;
const NON_SECRET_NAME =
  /(?:_?(?:type|name|length|len|count|url|uri|endpoint|path|file|dir|expir\w*|ttl|timeout|field|label|hint|prompt|policy|reset|id_token_signed|hash_algorithm|limit|max|min|size|format|header|param|enabled?|required|usage)$|^max_?tokens?|tokeni[sz]er|token_?ids?$)/i;
const TYPE_WORD =
  /^(?:string|str|number|int|integer|bool|boolean|any|unknown|bytes|secretstr|optional\[\w+\]|none|null|nil|required|optional)$/i;
const CODE_REFERENCE =
  /^(?:[A-Za-z_$][\w$]*(?:\.[\w$]+)+|[A-Za-z_$][\w$]*\(.*|process\.env.*|os\.environ.*|env\(.*|\$\w+|%\w+%|@\w+)$/;

/** Finds `.env`/config/code assignments of secret-looking names (`PASSWORD=…`, `api_key: "…"`, `"client_secret": "…"`); the finding covers the value. */
export function detectAssignments(text: string): Finding[] {
  // Every secret name contains one of these stems; one cheap test skips the keyword scan on ordinary prose.
  if (!SECRET_STEM.test(text)) return [];
  const out: Finding[] = [];
  KEYWORD.lastIndex = 0;
  for (let k = KEYWORD.exec(text); k !== null; k = KEYWORD.exec(text)) {
    let nameStart = k.index;
    while (nameStart > 0 && k.index - nameStart < 40 && NAME_CHAR.test(text[nameStart - 1] ?? '')) nameStart--;
    REST.lastIndex = k.index + k[0].length;
    const m = REST.exec(text);
    if (m === null) continue;
    const matchEnd = REST.lastIndex;
    const name = text.slice(nameStart, matchEnd - m[0].length) + m[0].slice(0, m[0].search(/["'\s:=]/));
    const quoted = m[1] ?? m[2] ?? m[3];
    const value = quoted ?? m[4];
    if (value === undefined) continue;
    KEYWORD.lastIndex = matchEnd;
    if (NON_SECRET_NAME.test(name)) continue;
    if (value.length < 4 || /\s/.test(value) || value.includes('://')) continue;
    if (isPlaceholder(value) || TYPE_WORD.test(value) || /^[\d.]+$/.test(value)) continue;
    if (quoted === undefined && CODE_REFERENCE.test(value)) continue;
    const password = PASSWORD_NAME.test(name);
    const entropy = shannonEntropy(value);
    const mixed = /\d/.test(value) && /[A-Za-z]/.test(value);
    // Unquoted bare words are usually identifiers in code; a password may still be a bare word in .env files.
    if (!password && (value.length < 8 || (!mixed && entropy < 3.5))) continue;
    if (password && quoted === undefined && /^[A-Za-z_]+$/.test(value) && value.length < 6) continue;
    const confidence = entropy >= 3 && value.length >= 8 ? 0.85 : password ? 0.75 : 0.6;
    const start = matchEnd - value.length - (quoted === undefined ? 0 : 1);
    out.push({
      class: 'secret.assignment',
      start,
      end: start + value.length,
      confidence,
      reason: password ? 'guard.secret.password_assignment' : 'guard.secret.secret_assignment',
      detector: SECRETS_DETECTOR,
    });
  }
  return out;
}
