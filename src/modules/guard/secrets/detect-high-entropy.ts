import type { Finding } from '../detector.js';
import { SECRETS_DETECTOR } from './classes.js';
import { isIdentifierName, isPlainCodeVariable, isWordIdentifier } from './identifiers.js';
import { isPlaceholder } from './placeholder.js';
import { shannonEntropy } from './shannon-entropy.js';

const HEX = /^[0-9a-fA-F]+$/;
const HASH_LENGTHS = new Set([32, 40, 56, 64, 96, 128]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SECRET_WORD = /key|token|secret|pass|pwd|auth|cred|bearer|signature|private/i;
const HASH_WORD = /sha\d*|md5|hash|digest|checksum|commit|integrity|etag|fingerprint|sum\b/i;
const MIN_TOKEN = 20;
// `KEY=`, `key: `, `"key": "`, `key => '` right before the token: the file's own syntax says it is a value.
const ASSIGNED_AFTER_EQ = /(?:^|[\s;,{(])[A-Za-z_][\w.-]{0,40}\s*=$/;
const ASSIGNMENT_BEFORE = /(?:^|[\s;,{(])["']?([A-Za-z_][\w.-]{0,60})["']?\s*(?:=|:|=>|:=)\s*(?:!!binary\s+)?(["'`]?)$/;
const AT = 64;
const MAX_TOKEN = 1024;

// Token characters [A-Za-z0-9+/_-] as a lookup table: one pass over char codes finds every maximal run, where a
// regex with a lookbehind would be retried at every position of every word.
const TOKEN_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-') TOKEN_CHAR[c.charCodeAt(0)] = 1;
const EQ = 61;
const DOT = 46;
const isTokenChar = (code: number): boolean => code < 128 && TOKEN_CHAR[code] === 1;

function lineAround(text: string, start: number, end: number): string {
  const from = text.lastIndexOf('\n', start) + 1;
  const to = text.indexOf('\n', end);
  return text.slice(from, to === -1 ? text.length : to);
}

/**
 * Candidate tokens: maximal runs of 20–1,024 token characters, optionally followed by up to two '=', not preceded by
 * '=' or '.' and not followed by a further token character or '='. (Same matches as the former
 * `(?<![A-Za-z0-9+/=_.-])[A-Za-z0-9+/_-]{20,1024}={0,2}(?![A-Za-z0-9+/=_-])` pattern, found in one linear pass.)
 */
function tokenCandidates(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const n = text.length;
  // `pos` is 0 or follows a non-token character, so no run extends to its left. Probe MIN_TOKEN - 1 ahead: a
  // non-token character there means no run of MIN_TOKEN starts in between, and the probe skips that stretch unread
  // (in prose most words are far shorter than a token).
  let pos = 0;
  while (pos + MIN_TOKEN - 1 < n) {
    const probe = pos + MIN_TOKEN - 1;
    if (!isTokenChar(text.charCodeAt(probe))) {
      pos = probe + 1;
      continue;
    }
    let start = probe;
    while (start > pos && isTokenChar(text.charCodeAt(start - 1))) start--;
    let i = probe + 1;
    while (i < n && isTokenChar(text.charCodeAt(i))) i++;
    const runEnd = i;
    pos = runEnd + 1;
    if (runEnd - start < MIN_TOKEN || runEnd - start > MAX_TOKEN) continue;
    const before = start > 0 ? text.charCodeAt(start - 1) : -1;
    // After '=' only as the whole value of an assignment (`NAME=token`), not inside base64 or a query string.
    if (before === DOT || (before === EQ && !ASSIGNED_AFTER_EQ.test(text.slice(Math.max(0, start - 48), start))))
      continue;
    let end = runEnd;
    while (end < n && end - runEnd < 2 && text.charCodeAt(end) === EQ) end++;
    if (end < n && (text.charCodeAt(end) === EQ || isTokenChar(text.charCodeAt(end)))) continue;
    out.push({ start, end });
  }
  return out;
}

// Certificates, public keys and CSRs are published: a token inside such a PEM block (also one inside a JSON string with
// `\n` escapes) is not a secret. Private-key blocks have their own recogniser.
const PUBLIC_PEM = /-----BEGIN ((?!PRIVATE)[A-Z0-9]+(?: (?!PRIVATE)[A-Z0-9]+)*)-----[\s\S]{0,65536}?-----END \1-----/g;
// base64 of `-----BEGIN ` (kubeconfig `certificate-authority-data`, Kubernetes `ca.crt`).
const BASE64_PEM_PREFIX = 'LS0tLS1CRUdJTi';

function publicPemRanges(text: string): { start: number; end: number }[] {
  if (!text.includes('-----BEGIN ')) return [];
  PUBLIC_PEM.lastIndex = 0;
  return [...text.matchAll(PUBLIC_PEM)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

/** True when a token is base64 of a PEM block that holds no private key (a certificate or public key). */
function isBase64PublicPem(token: string): boolean {
  if (!token.startsWith(BASE64_PEM_PREFIX)) return false;
  return !Buffer.from(token.slice(0, 120), 'base64').toString('latin1').includes('PRIVATE');
}

// After a token: a call `(`, or `.` and a member name (`.default`, `.from_pretrained`, `.typeOrValueSchema`).
const MEMBER_AFTER = /^\.([a-z_$][\w$]*)/y;

/** True when the text right after a token uses it as code: a call, or access to a lower-case or word-built member. */
function isCodeUse(text: string, end: number): boolean {
  if (text.charCodeAt(end) === 40) return true;
  MEMBER_AFTER.lastIndex = 0;
  const member = MEMBER_AFTER.exec(text.slice(end, end + 80))?.[1];
  return member !== undefined && (/^[a-z_$]+$/.test(member) || isWordIdentifier(member));
}

/**
 * Finds long random-looking tokens by Shannon entropy.
 * Hashes (hex of digest lengths), UUIDs, words, identifiers and paths are skipped; without a secret-ish word on the line
 * or an assignment before it a token is reported below the policy threshold.
 */
export function detectHighEntropy(text: string): Finding[] {
  const out: Finding[] = [];
  const publicPem = publicPemRanges(text);
  for (const { start, end } of tokenCandidates(text)) {
    if (publicPem.some((r) => r.start <= start && end <= r.end)) continue;
    const raw = text.slice(start, end);
    const token = raw.replace(/=+$/, '');
    if (UUID.test(token) || isPlaceholder(token)) continue;
    if (!/\d/.test(token) || !/[A-Za-z]/.test(token)) continue;
    // CamelCase words (`AutoModelForSeq2SeqLM`) are a class or function name; `token(` or `token.member` is code.
    if (isWordIdentifier(token) || isCodeUse(text, end) || isBase64PublicPem(token)) continue;
    const hex = HEX.test(token);
    // `owner/repo@<commit>`, `action@<sha>`, `image@<digest>`: hex right after '@' pins a version.
    if (hex && start > 0 && text.charCodeAt(start - 1) === AT) continue;
    const line = lineAround(text, start, end).replace(raw, '');
    const assignment = ASSIGNMENT_BEFORE.exec(
      text.slice(Math.max(0, text.lastIndexOf('\n', start) + 1, start - 80), start),
    );
    const name = assignment?.[1];
    // The value of `client_id`/`foreign_key_id` is an identifier, even with a secret word in the name.
    const identifier = name !== undefined && isIdentifierName(name);
    const named = !identifier && SECRET_WORD.test(line);
    // `sumOfExposures = 3Kof…;`: the bare (unquoted) value of a code variable without a secret word is an expression,
    // not a credential; a quoted literal (`signingSeed = "…"`) still is one.
    const bareCodeValue = name !== undefined && assignment?.[2] === '' && isPlainCodeVariable(name);
    const assigned = name !== undefined && !identifier && !bareCodeValue;
    if (hex && (HASH_LENGTHS.has(token.length) || HASH_WORD.test(line)) && !named) continue;
    // Paths and dotted/underscored identifiers: several purely alphabetic segments.
    const segments = token.split(/[/_.-]/);
    if (segments.length > 2 && segments.filter((s) => /^[A-Za-z]{3,}$/.test(s)).length >= segments.length / 2) continue;
    const entropy = shannonEntropy(token);
    const threshold = hex
      ? Math.min(3.0, 0.75 * Math.log2(token.length))
      : Math.min(4.2, 0.85 * Math.log2(token.length));
    // Context that marks the value as a credential lowers the bar (short base64 secrets have lower entropy).
    if (entropy < threshold - (named || assigned ? 0.4 : 0)) continue;
    if (!hex && !(/[a-z]/.test(token) && /[A-Z]/.test(token))) continue;
    out.push({
      class: 'secret.high_entropy',
      start,
      end,
      // SECURITY: a high-entropy value that its context marks as a credential (a secret word on the line, or the value
      // of a config/code assignment) is reported; only a bare token in prose stays below the policy threshold.
      confidence: named ? 0.75 : assigned ? 0.6 : 0.4,
      reason: named
        ? 'guard.secret.high_entropy_named'
        : assigned
          ? 'guard.secret.high_entropy_assigned'
          : 'guard.secret.high_entropy',
      detector: SECRETS_DETECTOR,
    });
  }
  return out;
}
