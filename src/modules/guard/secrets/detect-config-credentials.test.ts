import { describe, it, expect } from 'vitest';
import { mergeFindings } from '../pipeline/merge-findings.js';
import { detectSecrets } from './detect-secrets.js';

const hits = (text: string): string[] =>
  mergeFindings(detectSecrets(text).filter((f) => f.confidence >= 0.5)).map((f) => text.slice(f.start, f.end));

// Values are assembled at run time so the file does not itself look like a leak.
const pw = ['Hq7', 'vLp2', 'Xs9w'].join('#');

describe('secrets in config files and calls', () => {
  it('finds .netrc, .pgpass, PHP define and login-call passwords', () => {
    expect(hits(`machine api.example.net login builder password ${pw}`)).toEqual([pw]);
    expect(hits(`db.internal:5432:orders:app:${pw}`)).toEqual([pw]);
    expect(hits(`define( 'DB_PASSWORD', '${pw}' );`)).toEqual([pw]);
    expect(hits(`ftp.login("uploader", "${pw}")`)).toEqual([pw]);
    expect(hits(`curl -u ci-bot:${pw} https://ci.example.com`)).toEqual([pw]);
  });
  it('finds password hashes (bcrypt, phpass, apr1)', () => {
    const bcrypt = `$2y$10$${'Q9lC2bW8eTqk7uZp1VxYmeQpL3nR5sT7vW9xY1zA3bC5dE7fG9hI2'}`;
    expect(hits(`INSERT INTO users VALUES ('carol','${bcrypt}')`)).toEqual([bcrypt]);
    const phpass = `$P$${'BZlPX7NIx8MYpXokBW2AGsN7i.aUOt0'}`;
    expect(hits(`'admin','${phpass}'`)).toEqual([phpass]);
  });
  it('reports a high-entropy value that an assignment marks as a credential', () => {
    const v = ['gX69YO4CvBsVjzAw', 'YxdGyDd30t5+9ez31gKATtj4'].join('');
    expect(hits(`SIGNING_SEED=${v}`)).toEqual([v]);
  });
  it('ignores placeholders, templates and empty key blocks', () => {
    expect(hits('curl -u username:token https://x\ncurl --user "{{ .Values.user }}:{{ .Values.pw }}" x')).toEqual([]);
    expect(hits('define( "AUTH_KEY", "put your unique phrase here" );')).toEqual([]);
    expect(hits('-----BEGIN OPENSSH PRIVATE KEY----------END OPENSSH PRIVATE KEY-----')).toEqual([]);
    expect(hits('xoxb-12345-abcd234 and AIzaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).toEqual([]);
  });
});

describe('secrets in manifests and connection strings', () => {
  it('finds Kubernetes Secret data and a JDBC password without the query string after it', () => {
    const b64 = Buffer.from(pw).toString('base64');
    expect(hits(`apiVersion: v1\nkind: Secret\ndata:\n  password: ${b64}\n`)).toEqual([b64]);
    expect(hits(`url=jdbc:postgresql://db/shop?user=shop&password=${pw.replace(/#/g, '')}&ssl=true`)).toEqual([
      pw.replace(/#/g, ''),
    ]);
  });
});
