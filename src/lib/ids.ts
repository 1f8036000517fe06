import { randomBytes } from 'node:crypto';

/** Prefixes of Bulwark's ids; the prefix says what an id names. */
export const idPrefixes = {
  org: 'org',
  user: 'usr',
  serviceAccount: 'svc',
  apiKey: 'key',
  membership: 'mem',
  auditEvent: 'evt',
  policy: 'pol',
  request: 'req',
  quarantine: 'qtn',
  dataKey: 'dek',
  providerConnection: 'prv',
  orgModel: 'mdl',
  payment: 'pay',
  paymentMethod: 'pmt',
  refund: 'ref',
  dispute: 'dsp',
  legalHold: 'hld',
  subscription: 'sub',
  document: 'doc',
  job: 'job',
  webhookEndpoint: 'whe',
  webhookEvent: 'wev',
  webhookDelivery: 'whd',
  recoveryCase: 'rcv',
  outboxMessage: 'msg',
  oauthClient: 'cli',
  signingKey: 'sgk',
  passkey: 'pky',
} as const;

export type IdPrefix = (typeof idPrefixes)[keyof typeof idPrefixes];

/** A prefixed id such as `org_01jd…`; branded so an org id cannot be passed where a user id is expected. */
export type Id<P extends IdPrefix> = `${P}_${string}` & { readonly __idBrand: P };
export type OrgId = Id<'org'>;
export type UserId = Id<'usr'>;
export type ServiceAccountId = Id<'svc'>;
export type ApiKeyId = Id<'key'>;
export type RequestId = Id<'req'>;

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
const BODY = new RegExp(`^[${CROCKFORD}]{${TIME_CHARS + RANDOM_CHARS}}$`);

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < TIME_CHARS; i += 1) {
    out = CROCKFORD[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(): string {
  const bytes = randomBytes(RANDOM_CHARS);
  let out = '';
  for (const byte of bytes) out += CROCKFORD[byte & 31];
  return out;
}

/**
 * A new id: prefix, then a ULID-like body (48-bit millisecond time, 80 random bits) in lowercase
 * Crockford base32, so ids sort by creation time, which keyset pagination relies on.
 */
export function newId<P extends IdPrefix>(prefix: P, nowMs: number = Date.now()): Id<P> {
  return `${prefix}_${encodeTime(nowMs)}${encodeRandom()}` as Id<P>;
}

/** True when `value` is a well-formed id of this prefix. */
export function isId<P extends IdPrefix>(prefix: P, value: unknown): value is Id<P> {
  if (typeof value !== 'string' || !value.startsWith(`${prefix}_`)) return false;
  return BODY.test(value.slice(prefix.length + 1));
}
