import { describe, it, expect } from 'vitest';
import { mergeFindings } from '../pipeline/merge-findings.js';
import { detectSecrets } from './detect-secrets.js';
import { isIdentifierName, isSecretVariableReference, isWordIdentifier } from './identifiers.js';
import { isTypedSequence } from './placeholder.js';

// One test per false-positive cause the secrets corpus and benign text showed, each beside a real secret of the same
// shape that must still be found. Random-looking values are assembled at run time so this file does not look like a leak.
const hits = (text: string): string[] =>
  mergeFindings(detectSecrets(text).filter((f) => f.confidence >= 0.5)).map((f) => text.slice(f.start, f.end));

const RANDOM = ['Zk29fLq0', 'VbX8mP3n', 'R7tWqJ5s', 'Hd2Yc6Ge'].join('');
const RANDOM_64 = ['3Kof2VffNQ0QgYIh', 'XUPJosVlCaQKm2hf', 'pWE6F1fT9YGY74bl', 'QBIPsrkCcf1TwKE5'].join('');
const HEX_40 = ['5e141933554a', '0b74e7341841', 'f318be21e895339c'].join('');

describe('a name whose last word is id names an identifier', () => {
  it('ignores foreign_key_id, id and allowlisted_id values', () => {
    expect(hits(`foreign_key_id = ${RANDOM}`)).toEqual([]);
    expect(hits(`id = '${RANDOM_64}'`)).toEqual([]);
    expect(hits(`allowlisted_id: '${RANDOM}'`)).toEqual([]);
  });
  it("still finds foreign_key, api_key and Vault's secret_id", () => {
    expect(hits(`foreign_key = ${RANDOM}`)).toEqual([RANDOM]);
    expect(hits(`api_key = '${RANDOM}'`)).toEqual([RANDOM]);
    expect(hits(`secret_id: ${RANDOM}`)).toEqual([RANDOM]);
    expect(isIdentifierName('keyId')).toBe(true);
    expect(isIdentifierName('secret_id')).toBe(false);
  });
});

describe('hex right after @ pins a version', () => {
  it('ignores a repo@commit pin on a line that mentions secrets', () => {
    expect(hits(`| Yelp/detect-secrets@${HEX_40} | Apache-2.0 |`)).toEqual([]);
    expect(hits(`uses: actions/upload-secret-artifact@${HEX_40}`)).toEqual([]);
  });
  it('still finds a 40-hex token after a secret name', () => {
    expect(hits(`GITHUB_TOKEN=${HEX_40}`)).toEqual([HEX_40]);
  });
});

describe('a key or token typed as a sequence is made up', () => {
  it('ignores counting runs, repeated groups and an encoded counting test vector', () => {
    expect(hits(`"token1": "xoxp-${'1234567890'}"`)).toEqual([]);
    expect(hits(`"token3": "xoxp-${'1234-'.repeat(3)}4ddbc191d40ee098cbaae6f3523ada2d"`)).toEqual([]);
    expect(hits(`SUMO_ACCESS_KEY: ${'AbCeFG'}123`)).toEqual([]);
    expect(hits(`secret: "${'GEZDGNBVGY3TQOJQ'}GEZDGNBVGY"`)).toEqual([]);
  });
  it('still finds a random token, and a typed password', () => {
    expect(hits(`"token1": "xoxp-${RANDOM}"`)).toEqual([`xoxp-${RANDOM}`]);
    expect(hits(`SUMO_ACCESS_KEY: ${RANDOM.slice(0, 9)}`)).toEqual([RANDOM.slice(0, 9)]);
    expect(hits(`password = ${'123456789'}a1234`)).toEqual(['123456789a1234']);
    expect(isTypedSequence(RANDOM)).toBe(false);
  });
});

describe('an identifier built of words is code', () => {
  it('ignores class, function and module names with digits', () => {
    expect(hits('from transformers import AutoTokenizer, AutoModelForSeq2SeqLM')).toEqual([]);
    expect(hits('const resolved = convertJsonSchemaToOpenapi3(schema) // secret')).toEqual([]);
    expect(hits('const key = verifySignature_js_1.verify;')).toEqual([]);
    expect(hits('export type JSONSchema4 = JSONSchema4AllOfSchema | string; // token')).toEqual([]);
  });
  it('still finds a random token of the same alphabet next to a secret word', () => {
    expect(hits(`signature ${RANDOM}`)).toEqual([RANDOM]);
    expect(isWordIdentifier(RANDOM)).toBe(false);
  });
});

describe('a token used as code (called or dereferenced) is not a literal', () => {
  it('ignores `token(` and `token.member`', () => {
    expect(hits(`model = Qm9vbGVhbjpUcnVlLTk4NzY1.from_pretrained(secret_name)`)).toEqual([]);
    expect(hits(`const auth = ${RANDOM}(options);`)).toEqual([]);
  });
  it('still finds a token at the end of a sentence', () => {
    expect(hits(`the api token is ${RANDOM}.`)).toEqual([RANDOM]);
  });
});

describe('a value that is itself named after a secret refers to it', () => {
  it('ignores newPassword, AUTH_TOKEN_V2 and a PascalCase type ending in a secret word', () => {
    expect(hits('        s_password = newPassword;')).toEqual([]);
    expect(hits('token = AUTH_TOKEN_V2')).toEqual([]);
    expect(hits('export type messages_AuthenticationMD5Password = AuthenticationMD5Password;')).toEqual([]);
    expect(hits('enum Keys { SECRET_KEY_2 = "SECRET_KEY_2" }')).toEqual([]);
  });
  it('still finds a literal password built of words', () => {
    expect(hits('DB_PASSWORD=MySecretPass1')).toEqual(['MySecretPass1']);
    expect(isSecretVariableReference('MySecretPass1')).toBe(false);
  });
});

describe('a key value made of lower-case words is a name', () => {
  it('ignores slugs and attribute keys under key or token names', () => {
    expect(hits('secret-diary-of-an-fa: steverson-horse-and-phone: pretentiousfwds')).toEqual([]);
    expect(hits("const ATTR_USAGE_CACHE_INPUT_TOKENS = 'gen_ai.usage.cache_5m.input_tokens';")).toEqual([]);
    expect(hits('[options.invalidToken.message="Unauthorized"]')).toEqual([]);
  });
  it('still finds a passphrase of words, and random lower-case letters under a key name', () => {
    expect(hits('passphrase: correct-horse-battery-staple')).toEqual(['correct-horse-battery-staple']);
    const letters = ['qwhdkzmx', 'nvbrtplk'].join('');
    expect(hits(`api_key = ${letters}`)).toEqual([letters]);
    expect(hits('api_key: kzmx-qwrt-vbnp')).toEqual(['kzmx-qwrt-vbnp']);
  });
});

describe('the bare value of a camelCase variable without a secret word is an expression', () => {
  it('ignores sumOfExposures = <random>; and rookTable = <random>', () => {
    expect(hits(`sumOfExposures = ${RANDOM_64};`)).toEqual([]);
    expect(hits(`rookTable = 0023452${RANDOM}`)).toEqual([]);
  });
  it('still finds the same value under an environment name or as a quoted literal', () => {
    expect(hits(`SIGNING_SEED=${RANDOM_64}`)).toEqual([RANDOM_64]);
    expect(hits(`const signingSeed = "${RANDOM_64}";`)).toEqual([RANDOM_64]);
  });
});

describe('a secret word running on into a longer word is that word', () => {
  it('ignores passes, passed and secretary names', () => {
    expect(hits('    times: { passes: LintStatsTimePass; }')).toEqual([]);
    expect(hits('const passedLoggerFn = typeof x;')).toEqual([]);
    expect(hits(`secretary = ${RANDOM.slice(0, 12)}`)).toEqual([]);
  });
  it('still finds glued upper-case names (DBPASS, SECRETKEY)', () => {
    expect(hits(`DBPASS=${RANDOM.slice(0, 12)}`)).toEqual([RANDOM.slice(0, 12)]);
    expect(hits(`SECRETKEY=${RANDOM}`)).toEqual([RANDOM]);
  });
});

describe('code expressions, versions, patterns and templates are not values', () => {
  it('ignores negations, optional chains, comparisons, version ranges, regexes and ${…} templates', () => {
    expect(hits('this._passThroughOptions = !!passThrough;')).toEqual([]);
    expect(hits('const password = result.groups?.password;')).toEqual([]);
    expect(hits('if ("unknownCredential"===t.signalName) {}')).toEqual([]);
    expect(hits('"@secretlint/secretlint-rule-1password": "^10.2.2",')).toEqual([]);
    expect(hits('const TOKEN_STRINGS = "[A-Za-z0-9._~+/-]+=*";')).toEqual([]);
    expect(hits('exports.session_secret_oid = `${object_identifiers_1.id_ce}.16`;')).toEqual([]);
  });
  it('still finds literal values with the same punctuation', () => {
    expect(hits(`token = "${RANDOM}"`)).toEqual([RANDOM]);
    expect(hits('password: "^Zq8.vT2mLp"')).toEqual(['^Zq8.vT2mLp']);
    expect(hits('secret = "Zq8[vT2m]Lp4Rw9"')).toEqual(['Zq8[vT2m]Lp4Rw9']);
  });
});

describe('config-file grammars', () => {
  const pw = ['N8vq', '2Lx7'].join('\\:');
  it('ignores IPv6 addresses as .pgpass lines and prose as .netrc entries', () => {
    expect(hits("  '1:2:3:4:5:6:7',\n  '1:2:3:4:5:6:7:8:9',")).toEqual([]);
    expect(
      hits("program.argument('[password]', 'password for user, if required');\n// login with the default user"),
    ).toEqual([]);
    expect(hits("fastURI.parse('uri://user:pass@example.com:123/one/two')")).toEqual([]);
  });
  it('still finds a .pgpass password with an escaped colon and a .netrc entry', () => {
    expect(hits(`db.internal:5432:orders:app:${pw}`)).toEqual([pw]);
    expect(hits(`machine api.example.net\n  login builder\n  password ${RANDOM.slice(0, 12)}`)).toEqual([
      RANDOM.slice(0, 12),
    ]);
  });
});

describe('certificates and public keys are published', () => {
  const body = `MIIC${RANDOM}${RANDOM_64}`;
  it('ignores the base64 body of a certificate, also in a JSON string and base64-encoded', () => {
    expect(hits(`"auth_ca": "-----BEGIN CERTIFICATE-----\\n${body}\\n-----END CERTIFICATE-----\\n"`)).toEqual([]);
    const ca = Buffer.from(`-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`).toString('base64');
    expect(hits(`    certificate-authority-data: ${ca}`)).toEqual([]);
  });
  it('still finds a private key block and a base64 client key', () => {
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`;
    expect(hits(pem)).toEqual([pem]);
    const key = Buffer.from(`${pem}\n`).toString('base64');
    expect(hits(`    client-key-data: ${key}`)).toEqual([key]);
  });
});
