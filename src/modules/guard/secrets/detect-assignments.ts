import type { Finding } from '../detector.js';
import { SECRETS_DETECTOR } from './classes.js';
import { isIdentifierName, isSecretVariableReference, isWordIdentifier, isWordLike } from './identifiers.js';
import { isPlaceholder, isTypedSequence } from './placeholder.js';
import { shannonEntropy } from './shannon-entropy.js';

const SECRET_NAME = String.raw`(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|client[_.-]?secret|auth[_.-]?(?:token|key|secret)|authkey|credentials?|signing[_.-]?key|encryption[_.-]?key|master[_.-]?key|secret[_.-]?key|session[_.-]?key|app[_.-]?key|license[_.-]?key|webhook[_.-]?secret|salt)`;
// Anchored on the secret word (rare in prose), then the rest of the name and `= value` are read with a sticky regex.
const KEYWORD = new RegExp(SECRET_NAME, 'gi');
const SECRET_STEM = /pass|pwd|secret|token|key|cred|salt/i;
const NAME_CHAR = /[A-Za-z0-9_.-]/;
const REST = new RegExp(
  String.raw`[A-Za-z0-9_.-]{0,24}["']?\s*(?::=|=>|:|=(?!=))\s*` +
    String.raw`(?:"([^"\n]{1,512})"|'([^'\n]{1,512})'|\x60([^\x60\n]{1,512})\x60|((?:(?!&\w{1,32}=)[^\s"'\x60,;{}()\[\]<>]){1,512}))`,
  'y',
);
const PASSWORD_NAME = /pass|pwd/i;
const NON_SECRET_NAME =
  /(?:_?(?:type|name|length|len|count|url|uri|endpoint|path|file|dir|expir\w*|ttl|timeout|field|label|hint|prompt|policy|reset|id_token_signed|hash_algorithm|limit|max|min|size|format|header|param|enabled?|required|usage|algorithm|alg|version|encoding|prefix|scheme|kind|mode|status|ref)$|^max_?tokens?|tokeni[sz]er|token_?ids?$)/i;
// Type names and language keywords (`password: typeof Password`, `token: new`) are never the value itself.
const TYPE_WORD =
  /^(?:string|str|number|int|integer|bool|boolean|any|unknown|bytes|secretstr|optional\[\w+\]|none|null|nil|required|optional|typeof|keyof|new|await|function|class|instanceof|void|readonly)$/i;
// Regular-expression syntax: a character class with a quantifier (`[A-Za-z0-9._~+/-]+=*`) or a class escape (`\d`).
const REGEX_SYNTAX = /\[[^\]]+\][+*?{]|\\[dwsbDWS]/;
// One capitalised or lower-case word (`Unauthorized`, `username`) that reads like one (`isWordLike`): a message or a
// field name, not a generated key.
const SINGLE_WORD = /^[A-Z]?[a-z]+$/;
// Numbers, versions and version ranges (`8080`, `1.2.3`, `^10.2.2`, `>=3.9`, `v2.0.1-rc.1`).
const VERSION = /^(?:[~^]|[<>]=?|=)?v?\d+(?:\.[\dx*]+)*(?:[-+][\w.]+)?$/;
// Lower-case words joined by '-', '_' or '.' (`steverson-horse-and-phone`, `gen_ai.usage.ephemeral_5m_tokens`; a
// trailing ':' makes it the next label), digits at most one character in ten, reading like words: a name or key.
const SLUG = /^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)+:?$/;
const isSlug = (value: string): boolean =>
  SLUG.test(value) && (value.match(/\d/g)?.length ?? 0) * 10 <= value.length && isWordLike(value);
// Dotted paths (also `?.`), calls, environment lookups and negated references (`!!node.flag`, `!isSet`).
const CODE_REFERENCE =
  /^(?:!{1,2}[a-z_$][\w$]*(?:\??\.[\w$]+)*|[A-Za-z_$][\w$]*(?:\??\.[\w$]+)+|[A-Za-z_$][\w$]*\(.*|process\.env.*|os\.environ.*|env\(.*|\$\w+|%\w+%|@\w+)$/;
// Letters that may follow a secret word inside one word of a name: a plural or a further secret word (`SECRETKEY`).
const CONTINUES_AS_SECRET = /^(?:s$|key|token|pass|pwd|secret|salt|cred|auth|code)/i;

/**
 * True when the secret word that ends at `end` runs on into a longer word of the same case (`passes`, `passed`,
 * `tokenizer`, `keyword`, `secretary`, `PASSENGER`): that word is something else. A case change (`passThrough`), a
 * separator, a plural or a further secret word (`SECRETKEY`, `tokens`) keeps it a secret word.
 */
function runsOnIntoLongerWord(text: string, end: number): boolean {
  const last = text[end - 1] ?? '';
  const lower = /[a-z]/.test(last);
  const rest = /^[A-Za-z]+/.exec(text.slice(end, end + 24))?.[0] ?? '';
  const sameCase = lower ? /^[a-z]+/.exec(rest)?.[0] : /^[A-Z]+/.exec(rest)?.[0];
  return sameCase !== undefined && !CONTINUES_AS_SECRET.test(sameCase);
}

/** Finds `.env`/config/code assignments of secret-looking names (`PASSWORD=…`, `api_key: "…"`, `"client_secret": "…"`); the finding covers the value. */
export function detectAssignments(text: string): Finding[] {
  // Every secret name contains one of these stems; one cheap test skips the keyword scan on ordinary prose.
  if (!SECRET_STEM.test(text)) return [];
  const out: Finding[] = [];
  KEYWORD.lastIndex = 0;
  for (let k = KEYWORD.exec(text); k !== null; k = KEYWORD.exec(text)) {
    if (runsOnIntoLongerWord(text, k.index + k[0].length)) continue;
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
    if (NON_SECRET_NAME.test(name) || isIdentifierName(name)) continue;
    if (value.length < 4 || /\s/.test(value) || value.includes('://')) continue;
    if (isPlaceholder(value) || TYPE_WORD.test(value) || VERSION.test(value)) continue;
    // `enum { API_KEY = "API_KEY" }`, `password = newPassword`, `token = loadToken()`, `key = keys[0]`: code.
    if (value === name || isSecretVariableReference(value)) continue;
    if (quoted === undefined && (CODE_REFERENCE.test(value) || /[([]/.test(text[matchEnd] ?? ''))) continue;
    const password = PASSWORD_NAME.test(name);
    // A key or token is generated: a typed sequence, a slug of words or (unquoted) a word-built identifier is an
    // example, a name or code. A password may be typed (`123456789a`, `correct-horse-battery`), so it is kept.
    if (!password && (isTypedSequence(value) || isSlug(value) || (SINGLE_WORD.test(value) && isWordLike(value))))
      continue;
    if (REGEX_SYNTAX.test(value)) continue;
    if (!password && quoted === undefined && isWordIdentifier(value)) continue;
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
