import { describe, it, expect } from 'vitest';
import { mergeFindings } from '../pipeline/merge-findings.js';
import { detectSecrets } from './detect-secrets.js';

// Fake credentials are assembled at run time so this file does not itself look like a leak.
const A = 'aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY';
const fakes = {
  aws: `AKIA${'Z3MSJV4WW5QRTYUP'}`,
  github: `ghp_${A}1234`,
  gitlab: `glpat-${A.slice(0, 20)}`,
  stripe: `sk_live_${A.slice(0, 24)}`,
  slack: `xoxb-583920174653-9081726354012-${A.slice(0, 24)}`,
  sendgrid: `SG.${A.slice(0, 22)}.${A}${A.slice(0, 11)}`,
  openai: `sk-proj-${A}${A}`,
  anthropic: `sk-ant-api03-${A}${A}${A}`,
  hf: `hf_${'qWmZkTrVbNxLpHsJdFgCyUeIoAzXwQvR'}`,
  npm: `npm_${A}1234`,
  gcp: `AIza${A}abc`,
};

const hits = (text: string): string[] =>
  mergeFindings(detectSecrets(text).filter((f) => f.confidence >= 0.5)).map(
    (f) => `${f.class}:${text.slice(f.start, f.end)}`,
  );

describe('detectSecrets: provider formats', () => {
  for (const [name, value] of Object.entries(fakes)) {
    it(`finds a ${name} key in prose`, () => {
      const t = `here is the key ${value} please use it`;
      expect(hits(t)).toEqual([expect.stringContaining(`:${value}`)]);
    });
  }
  it('finds an AWS secret key next to an AWS word, not a random 40-char token', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzKEY1234';
    expect(hits(`aws_secret_access_key = ${secret}`)).toEqual([`secret.aws_secret_key:${secret}`]);
  });
});

describe('detectSecrets: structural', () => {
  it('finds PEM and OpenSSH private keys, also inside JSON', () => {
    const pem = `-----BEGIN OPENSSH PRIVATE KEY-----\n${'b3BlbnNzaC1rZXktdjEAAAAA'.repeat(3)}\n-----END OPENSSH PRIVATE KEY-----`;
    expect(hits(pem)).toEqual([`secret.private_key:${pem}`]);
    const json = `{"private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n"}`;
    expect(hits(json)[0]).toMatch(/^secret\.private_key:-----BEGIN PRIVATE KEY-----/);
  });
  it('finds a JWT whose header has alg, not any three dotted base64 parts', () => {
    const jwt =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    expect(hits(`token ${jwt}`)).toEqual([`secret.jwt:${jwt}`]);
    expect(hits('eyJmb28iOiJiYXIifQ.eyJzdWIiOiIxMjM0In0.abc')).toEqual([]);
  });
  it('finds the password of a URL or connection string, not the user or host', () => {
    expect(hits('DATABASE_URL=postgres://app:S3cr3t-Pa55@db.internal:5432/main')).toEqual([
      'secret.url_password:S3cr3t-Pa55',
    ]);
    expect(hits('see https://user:${PASSWORD}@host/ and https://example.com/a:b@c')).toEqual([]);
  });
  it('finds config and code assignments of secret names', () => {
    expect(hits('DB_PASSWORD=Tr0ub4dor&3')).toEqual(['secret.assignment:Tr0ub4dor&3']);
    expect(hits('"client_secret": "9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c"')).toEqual([
      'secret.assignment:9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c',
    ]);
    expect(hits("api_key: 'Zk29fLq0VbX8mP3nR7tW'")).toEqual(['secret.assignment:Zk29fLq0VbX8mP3nR7tW']);
  });
});

describe('detectSecrets: decoys', () => {
  it('ignores hashes, UUIDs, placeholders and code references', () => {
    const t = [
      'commit 3f786850e387550fdab836ed7e6dc881de23001b',
      'sha256: 9b74c9897bac770ffc029102a200c5de9b74c9897bac770ffc029102a200c5de',
      'request_id: 123e4567-e89b-12d3-a456-426614174000',
      'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE',
      'OPENAI_API_KEY=<your-api-key>',
      'password = "${DB_PASSWORD}"',
      'const secret = config.auth.secret;',
      'function login(password: string, token: string) {}',
      'max_tokens: 512, token_type: bearer',
      'the password policy requires 12 characters and a rotated secret',
      '.AbstractSingletonProxyFactoryBean { display: none }',
      '/usr/local/lib/node_modules/typescript/lib/tsserver.js',
    ].join('\n');
    expect(hits(t)).toEqual([]);
  });
  it('reports a named high-entropy token but keeps an unnamed one below the threshold', () => {
    const tok = 'Qm9vbGVhbjpUcnVlLTk4NzY1NDMyMTBhYmNkZWZn';
    expect(hits(`signature ${tok}`)).toEqual([`secret.high_entropy:${tok}`]);
    expect(hits(`blob ${tok}`)).toEqual([]);
  });
});
