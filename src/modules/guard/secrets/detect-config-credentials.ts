import type { Finding } from '../detector.js';
import { matchAllOf } from '../pipeline/match-all.js';
import { SECRETS_DETECTOR } from './classes.js';
import { isPlaceholder } from './placeholder.js';

const finding = (start: number, value: string, reason: string, confidence = 0.8): Finding => ({
  class: 'secret.config_credential',
  start,
  end: start + value.length,
  confidence,
  reason,
  detector: SECRETS_DETECTOR,
});

// .netrc: `machine host login user password secret` (one line or several).
const NETRC = /\b(?:password|passwd)[ \t]+([^\s"']{3,256})/g;
const NETRC_CONTEXT = /\b(?:machine|login|default)[ \t]+\S/;
// The entry before `password`: `machine <host>` or `default`, then only token/value pairs (`login <user>`). Prose
// ("the password for the user") has other words between.
const NETRC_ENTRY_BEFORE = /(?:^|\s)(?:machine\s+\S+|default)(?:\s+(?:login|account|port|protocol)\s+\S+)*\s+$/;
const NETRC_LOOKBEHIND = 512;
// .pgpass: hostname:port:database:username:password
// INVARIANT: the file escapes ':' and '\' inside a field as '\:' and '\\', so an unescaped ':' in the password means a
// sixth field: not a .pgpass line (an IPv6 address `1:2:3:4:5:6:7`, a timestamp list).
const PGPASS = /^[ \t]*[^\s:#]+:(?:\d{1,5}|\*):[^\s:]+:[^\s:]+:((?:[^\s:\\]|\\.){3,256})[ \t]*$/gm;
// .htpasswd / shadow: user:hash (the hash detector finds the modular-crypt forms; this adds DES crypt and bare SHA).
const HTPASSWD = /^[ \t]*[A-Za-z0-9._@-]{1,64}:((?:\{SHA\}[A-Za-z0-9+/]{27}=)|(?:[./A-Za-z0-9]{13}))[ \t]*$/gm;
// PHP constants: define('DB_PASSWORD', '…'), define( 'AUTH_KEY', '…' ) (wp-config.php keys and salts).
const PHP_DEFINE = /\bdefine\s*\(\s*['"]([A-Za-z0-9_]+)['"]\s*,\s*(['"])((?:(?!\2)[^\n\\]|\\.){1,256})\2\s*\)/g;
const PHP_SECRET_NAME = /PASS|PWD|SECRET|TOKEN|(?:^|_)KEY$|_SALT$|NONCE|CREDENTIAL/i;
// Calls that take a password as a positional string argument: login("user", "pass"), mysqli_connect(h, u, "pass").
const LOGIN_CALL =
  /\b(?:log_?in|sign_?in|authenticate|auth|set_?credentials|basic_?auth|HTTPBasicAuth|with_?credentials)\s*\(\s*(['"])[^'"\n]{1,128}\1\s*,\s*(['"])([^'"\n]{3,128})\2/gi;
const CONNECT_CALL =
  /\b(?:mysqli?_connect|mysqli|pg_connect|connect|PDO|ftp_login|ldap_bind|smtp_?login|imap_open)\s*\(\s*(['"])[^'"\n]{0,256}\1\s*,\s*(['"])[^'"\n]{1,128}\2\s*,\s*(['"])([^'"\n]{3,128})\3/gi;
// curl -u user:pass / --user "user:pass" / -u ":pass"
const CURL_USER = /(?:\s-u|--user)[ \t=]+((?:"[^"\n]*"|'[^'\n]*'|[^\s'"]+)+)/g;
const CURL_PLACEHOLDER = /^(?:pass(?:word)?|token|pwd|secret|key|[a-z]{1,4}|y+|x+)$/i;
// Docker config.json / registry auth: "auth": "base64(user:password)"
const DOCKER_AUTH = /"(?:auth|password|identitytoken)"\s*:\s*"([A-Za-z0-9+/=_.-]{8,2048})"/g;
// Kubernetes / kubeconfig: base64 private keys and tokens under well-known keys.
const KUBE_KEY = /\b(?:client-key-data|token|tls\.key|ssh-privatekey)\s*:\s*["']?([A-Za-z0-9+/=._-]{20,8192})/g;

// Kubernetes Secret manifests: every value under `data:` / `stringData:` is a secret (secretlint's no-k8s-kind-secret).
const K8S_SECRET_KIND = /^kind:\s*Secret\s*$/m;
const K8S_DATA_BLOCK = /^(?:data|stringData):[ \t]*\n((?:[ \t]+[^\n]*\n?)+)/gm;
const K8S_ENTRY = /^[ \t]+[A-Za-z0-9._-]+:[ \t]*["']?([^\s"'#]{4,8192})/gm;

const CALL_GATE = /[Ll]og_?[Ii]n|[Ss]ign_?[Ii]n|[Aa]uth|[Cc]redentials|connect|PDO|_bind|imap_open|mysqli/;

function decodesToCredential(b64: string): boolean {
  try {
    const s = Buffer.from(b64, 'base64').toString('utf8');
    return /^[\x20-\x7e]{1,128}:[\x20-\x7e]{3,256}$/.test(s);
  } catch {
    return false;
  }
}

/** Finds credentials in config-file formats: .netrc, .pgpass, .htpasswd, PHP defines (wp-config), login/connect calls, curl -u, Docker auth, base64 keys in Kubernetes configs and Kubernetes Secret data. */
export function detectConfigCredentials(text: string): Finding[] {
  const out: Finding[] = [];
  if (/passw/i.test(text) && NETRC_CONTEXT.test(text)) {
    for (const m of matchAllOf(NETRC, text)) {
      const v = m[1] ?? '';
      if (isPlaceholder(v) || /^[:=]/.test(v)) continue;
      if (!NETRC_ENTRY_BEFORE.test(text.slice(Math.max(0, m.index - NETRC_LOOKBEHIND), m.index))) continue;
      out.push(finding(m.index + m[0].length - v.length, v, 'guard.secret.netrc_password', 0.85));
    }
  }
  if (text.includes(':')) {
    for (const m of matchAllOf(PGPASS, text)) {
      const v = m[1] ?? '';
      if (isPlaceholder(v) || v.includes('://')) continue;
      out.push(finding(m.index + m[0].trimEnd().length - v.length, v, 'guard.secret.pgpass_password', 0.8));
    }
    for (const m of matchAllOf(HTPASSWD, text)) {
      const v = m[1] ?? '';
      // DES crypt is 13 characters of [./A-Za-z0-9]; require mixed classes so plain words and numbers do not pass.
      if (!v.startsWith('{') && !(/\d|[./]/.test(v) && /[a-z]/.test(v) && /[A-Z]/.test(v))) continue;
      out.push(finding(m.index + m[0].trimEnd().length - v.length, v, 'guard.secret.htpasswd_hash', 0.75));
    }
  }
  if (text.includes('define')) {
    for (const m of matchAllOf(PHP_DEFINE, text)) {
      const name = m[1] ?? '';
      const v = m[3] ?? '';
      if (!PHP_SECRET_NAME.test(name) || isPlaceholder(v) || v.length < 4) continue;
      if (/^(?:put your unique phrase here|)$/i.test(v)) continue;
      const start = m.index + m[0].lastIndexOf(v);
      out.push(finding(start, v, 'guard.secret.php_define', 0.85));
    }
  }
  if (text.includes('(') && CALL_GATE.test(text)) {
    for (const re of [LOGIN_CALL, CONNECT_CALL]) {
      for (const m of matchAllOf(re, text)) {
        const v = m[m.length - 1] ?? '';
        if (isPlaceholder(v) || /^\$|^\{\{/.test(v)) continue;
        const start = m.index + m[0].length - 1 - v.length;
        out.push(finding(start, v, 'guard.secret.login_call_password', 0.75));
      }
    }
  }
  if (text.includes('-u') || text.includes('--user')) {
    for (const m of matchAllOf(CURL_USER, text)) {
      const arg = m[1] ?? '';
      if (arg.includes('{{') || arg.includes('${')) continue;
      const argStart = m.index + m[0].length - arg.length;
      const colon = arg.indexOf(':');
      if (colon < 0) continue;
      // The password is what follows the first ':' (quotes and braces stripped); `-u "secret:"` puts it first.
      const after = arg.slice(colon + 1).replace(/^['"{<]+|['"}>]+$/g, '');
      const before = arg.slice(0, colon).replace(/^['"{<]+|['"}>]+$/g, '');
      const v = after.length >= 3 ? after : before;
      if (v.length < 3 || isPlaceholder(v) || CURL_PLACEHOLDER.test(v) || /^[$<[%]/.test(v)) continue;
      const start = argStart + (after.length >= 3 ? arg.indexOf(v, colon + 1) : arg.indexOf(v));
      out.push(finding(start, v, 'guard.secret.curl_user_password', 0.85));
    }
  }
  if (text.includes('"auth') || text.includes('"password"') || text.includes('"identitytoken"')) {
    for (const m of matchAllOf(DOCKER_AUTH, text)) {
      const v = m[1] ?? '';
      if (!decodesToCredential(v) && !/identitytoken/.test(m[0])) continue;
      out.push(finding(m.index + m[0].length - 1 - v.length, v, 'guard.secret.docker_auth', 0.85));
    }
  }
  if (/client-key-data|token:|tls\.key|ssh-privatekey/.test(text)) {
    for (const m of matchAllOf(KUBE_KEY, text)) {
      const v = m[1] ?? '';
      if (isPlaceholder(v)) continue;
      const pem = v.startsWith('LS0tLS1CRUdJTi');
      const mixed = /\d/.test(v) && /[a-z]/.test(v) && /[A-Z]/.test(v);
      if (!pem && !(mixed && v.length >= 20)) continue;
      out.push(finding(m.index + m[0].length - v.length, v, 'guard.secret.kube_credential', pem ? 0.95 : 0.75));
    }
  }
  if (text.includes('Secret') && K8S_SECRET_KIND.test(text)) {
    for (const block of matchAllOf(K8S_DATA_BLOCK, text)) {
      const body = block[1] ?? '';
      const bodyStart = block.index + block[0].length - body.length;
      for (const m of matchAllOf(K8S_ENTRY, body)) {
        const v = m[1] ?? '';
        if (isPlaceholder(v)) continue;
        out.push(finding(bodyStart + m.index + m[0].length - v.length, v, 'guard.secret.k8s_secret_data', 0.85));
      }
    }
  }
  return out;
}
