// Names and values that are program identifiers, not secrets: the recognisers ask these before reporting a value.

// A word of a name that says it holds a credential (`db_password`, `apiKey`, `AUTH_TOKEN`).
const SECRET_NAME_WORD =
  /^(?:pass(?:words?|wd|phrase|code)?|pwd|secrets?|tokens?|keys?|apikey|authkey|creds?|credentials?|auth|salt|signature|private)$/;
const IDENTIFIER_WORD = /^(?:ids?|uuid|guid)$/;
const CAMEL_CASE = /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+$/;
const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
const PASCAL_CASE = /^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$/;
// Parts of a CamelCase token: a capitalised or lower-case word, an acronym (`HTTP`, `LM`) or a number.
const IDENTIFIER_PART = /[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+/g;
const VOWELS = /[aeiouy]/gi;
const IDENTIFIER = /^[_$]*[A-Za-z][A-Za-z0-9_$]*$/;
const CONSONANT_CLUSTER = /[b-df-hj-np-tv-xz]{5}/i;

/** Lower-case words of an identifier, split at `_`, `-`, `.` and camelCase boundaries (`foreign_key_id`, `keyId`). */
function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

const hasSecretWord = (words: readonly string[]): boolean => words.some((w) => SECRET_NAME_WORD.test(w));

/**
 * True when a name's last word is `id` (or `uuid`, `guid`): it names an identifier (`client_id`, `foreign_key_id`,
 * `keyId`), whatever secret word comes before. Vault's `secret_id` is the exception: there the id is the credential.
 */
export function isIdentifierName(name: string): boolean {
  const words = wordsOf(name);
  const last = words.at(-1);
  return last !== undefined && IDENTIFIER_WORD.test(last) && words.at(-2) !== 'secret';
}

/**
 * True for a camelCase program variable whose words say nothing of a credential (`sumOfExposures`, `rookTable`):
 * code names a variable that holds a secret after it (`apiKey`, `clientSecret`), while deploy-time values without a
 * secret word go by environment/config names (`SIGNING_SEED`, `signing_seed`), which this leaves alone.
 */
export function isPlainCodeVariable(name: string): boolean {
  return CAMEL_CASE.test(name) && !hasSecretWord(wordsOf(name));
}

/**
 * True when a value is itself a variable or field named after a secret (`newPassword`, `authToken`, `API_KEY`,
 * `AuthenticationMD5Password`): the assignment refers to the secret, the value is not the secret.
 */
export function isSecretVariableReference(value: string): boolean {
  if (CAMEL_CASE.test(value) || UPPER_SNAKE.test(value)) return hasSecretWord(wordsOf(value));
  // PascalCase only when the secret word ends it (`AuthenticationMD5Password`): `MySecretPass1` may be a password.
  const words = PASCAL_CASE.test(value) ? wordsOf(value) : [];
  return words.length >= 2 && hasSecretWord(words.slice(-1));
}

/**
 * True when letters read like words: a vowel in three of ten letters, as in English, and never five consonants in a row.
 * Random lower-case letters fail this mostly (five in six of 16 letters, 39 in 40 of 32).
 */
export function isWordLike(text: string): boolean {
  const letters = text.replace(/[^A-Za-z]/g, '');
  return (text.match(VOWELS)?.length ?? 0) >= 0.3 * letters.length && !CONSONANT_CLUSTER.test(text);
}

/**
 * True for an identifier built of words (`AutoModelForSeq2SeqLM`, `convertJsonSchemaToOpenapi3`, `_Request_tbs`,
 * `verifySignature_js_1`, `BetaTool20260301`). It splits at `_`, `$` and case changes into words, two-letter words
 * (`To`, `Of`), vowel-less abbreviations of up to four letters (`Http`) or between underscores (`_js_1`), at most two
 * acronyms of up to five capitals and at most two numbers (versions, dates). At least two real words (three or more
 * letters, a vowel, no five consonants in a row) must make up 60% of the characters, with vowels in three of ten of
 * their letters as in English. A random token breaks into isolated letters, consonant clusters, capital runs and
 * scattered digits instead: about 1 in 500 random 20-character base62 tokens passes, 1 in 1,500 at 24 and 1 in
 * 15,000 at 32 characters.
 */
export function isWordIdentifier(token: string): boolean {
  if (!IDENTIFIER.test(token)) return false;
  let words = 0;
  let wordLetters = 0;
  let vowels = 0;
  let acronyms = 0;
  let numbers = 0;
  let parts = 0;
  for (const chunk of token.split(/[_$]+/)) {
    // A whole `_`-delimited abbreviation or counter (`verifySignature_js_1`) is a module or type suffix.
    if (/^(?:[a-z]{2,3}|\d{1,2})$/.test(chunk)) {
      parts++;
      continue;
    }
    for (const part of chunk.match(IDENTIFIER_PART) ?? []) {
      parts++;
      if (/\d/.test(part)) {
        if (part.length > 8 || ++numbers > 2) return false;
      } else if (/[a-z]/.test(part)) {
        const partVowels = part.match(VOWELS)?.length ?? 0;
        if (part.length === 1 || (partVowels === 0 && (part.length === 2 || part.length > 4))) return false;
        if (part.length === 2 || partVowels === 0) continue;
        if (CONSONANT_CLUSTER.test(part)) return false;
        words++;
        wordLetters += part.length;
        vowels += partVowels;
      } else if (part.length > 5 || ++acronyms > 2) return false;
    }
  }
  const letters = token.replace(/[_$]/g, '').length;
  return words >= 2 && parts >= 3 && wordLetters >= 0.6 * letters && vowels >= 0.3 * wordLetters;
}
