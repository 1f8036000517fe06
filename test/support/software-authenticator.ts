import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';

type CborValue = Parameters<typeof isoCBOR.encode>[0];

const ES256 = -7;
const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

/** A fixed AAGUID of the test authenticator, so tests can look for it in audit details. */
export const SOFTWARE_AUTHENTICATOR_AAGUID = '5b0f7e3a-9c1d-4e2b-8a6f-0d3c2b1a4e5f';

/** How one ceremony is answered; the defaults are an honest authenticator on `origin`. */
export interface CeremonyAnswer {
  /** The origin the browser reports in clientDataJSON (the page the user is on). */
  origin: string;
  /** The RP ID whose hash goes into authenticator data; defaults to the options' RP ID (the honest case). */
  rpId?: string;
  /** false: the authenticator reports user presence but no user verification (no PIN or biometric). */
  userVerified?: boolean;
  /**
   * The signature counter to report instead of advancing it: a clone reports a counter the original already used.
   * The authenticator's own counter does not move then.
   */
  counter?: number;
}

/** Options of a software authenticator. */
export interface SoftwareAuthenticatorOptions {
  /** false: an authenticator that keeps no signature counter (reports 0 always, as many synced passkeys do). */
  countsSignatures?: boolean;
  /** The signature counter reported at registration (default 0). */
  initialCounter?: number;
  transports?: string[];
}

function sha256(data: Uint8Array | string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

function uint32(value: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function aaguidBytes(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(SOFTWARE_AUTHENTICATOR_AAGUID.replace(/-/g, ''), 'hex'));
}

/**
 * A real WebAuthn authenticator in code holding ONE credential (an ES256 key pair and a random credential id):
 * it answers registration options with a `none` attestation and authentication options with an assertion signed over
 * authenticatorData || SHA-256(clientDataJSON), both as `PublicKeyCredential.toJSON()` would send them. Each answer
 * can be made to misbehave (see {@link CeremonyAnswer}); {@link clone} copies the key and counter, as an extracted key would.
 */
export class SoftwareAuthenticator {
  readonly credentialId: Uint8Array<ArrayBuffer>;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly countsSignatures: boolean;
  private readonly transports: string[];
  private signCount: number;
  private userHandle: string | undefined;

  constructor(options: SoftwareAuthenticatorOptions = {}, from?: SoftwareAuthenticator) {
    if (from) {
      this.credentialId = from.credentialId;
      this.privateKey = from.privateKey;
      this.publicKey = from.publicKey;
      this.userHandle = from.userHandle;
    } else {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      this.privateKey = pair.privateKey;
      this.publicKey = pair.publicKey;
      this.credentialId = new Uint8Array(randomBytes(32));
    }
    this.countsSignatures = options.countsSignatures ?? from?.countsSignatures ?? true;
    this.signCount = options.initialCounter ?? from?.signCount ?? 0;
    this.transports = options.transports ?? from?.transports ?? ['internal', 'hybrid'];
  }

  /** The credential id as the server stores it (base64url). */
  get credentialIdBase64url(): string {
    return isoBase64URL.fromBuffer(this.credentialId);
  }

  /** The signature counter the next honest assertion will exceed. */
  get counter(): number {
    return this.signCount;
  }

  /** A second authenticator with this one's key, credential id and counter: what a cloned authenticator is. */
  clone(): SoftwareAuthenticator {
    return new SoftwareAuthenticator({}, this);
  }

  /** Answers `navigator.credentials.create()` options. Throws (as a browser's InvalidStateError) when this credential is excluded. */
  createCredential(options: PublicKeyCredentialCreationOptionsJSON, answer: CeremonyAnswer): RegistrationResponseJSON {
    if (!options.pubKeyCredParams.some((param) => param.alg === ES256))
      throw new Error('NotSupportedError: ES256 not offered');
    if (options.excludeCredentials?.some((c) => c.id === this.credentialIdBase64url))
      throw new Error('InvalidStateError: credential already registered with this relying party');
    this.userHandle = options.user.id;
    const jwk = this.publicKey.export({ format: 'jwk' });
    const coseKey = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, ES256], // alg
      [-1, 1], // crv: P-256
      [-2, isoBase64URL.toBuffer(jwk.x ?? '')],
      [-3, isoBase64URL.toBuffer(jwk.y ?? '')],
    ]);
    const idLength = new Uint8Array([this.credentialId.length >> 8, this.credentialId.length & 0xff]);
    const authData = concat(
      this.authDataHead(answer.rpId ?? options.rp.id ?? '', answer, FLAG_AT, this.signCount),
      aaguidBytes(),
      idLength,
      this.credentialId,
      isoCBOR.encode(coseKey),
    );
    const attestationObject = isoCBOR.encode(
      new Map<string, CborValue>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, answer.origin);
    const spki = new Uint8Array(this.publicKey.export({ format: 'der', type: 'spki' }));
    return {
      id: this.credentialIdBase64url,
      rawId: this.credentialIdBase64url,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: isoBase64URL.fromBuffer(clientDataJSON),
        attestationObject: isoBase64URL.fromBuffer(attestationObject),
        authenticatorData: isoBase64URL.fromBuffer(authData),
        transports: this.transports,
        publicKeyAlgorithm: ES256,
        publicKey: isoBase64URL.fromBuffer(spki),
      },
      clientExtensionResults: {},
    };
  }

  /**
   * Answers `navigator.credentials.get()` options with a signed assertion, advancing the counter (unless told which
   * counter to report). Throws (as a browser's NotAllowedError) when the options allow only other credentials.
   */
  getAssertion(options: PublicKeyCredentialRequestOptionsJSON, answer: CeremonyAnswer): AuthenticationResponseJSON {
    const allowed = options.allowCredentials ?? [];
    if (allowed.length > 0 && !allowed.some((c) => c.id === this.credentialIdBase64url))
      throw new Error('NotAllowedError: no allowed credential on this authenticator');
    let counter = answer.counter;
    if (counter === undefined) {
      if (this.countsSignatures) this.signCount += 1;
      counter = this.countsSignatures ? this.signCount : 0;
    }
    const authData = this.authDataHead(answer.rpId ?? options.rpId ?? '', answer, 0, counter);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, answer.origin);
    // ES256 in WebAuthn is ECDSA P-256 with SHA-256, DER-encoded (node's default encoding).
    const signature = sign('sha256', concat(authData, sha256(clientDataJSON)), this.privateKey);
    return {
      id: this.credentialIdBase64url,
      rawId: this.credentialIdBase64url,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: isoBase64URL.fromBuffer(clientDataJSON),
        authenticatorData: isoBase64URL.fromBuffer(authData),
        signature: isoBase64URL.fromBuffer(new Uint8Array(signature)),
        ...(this.userHandle ? { userHandle: this.userHandle } : {}),
      },
      clientExtensionResults: {},
    };
  }

  private authDataHead(
    rpId: string,
    answer: CeremonyAnswer,
    extraFlags: number,
    counter: number,
  ): Uint8Array<ArrayBuffer> {
    const flags = FLAG_UP | (answer.userVerified === false ? 0 : FLAG_UV) | extraFlags;
    return concat(sha256(rpId), new Uint8Array([flags]), uint32(counter));
  }

  private clientData(
    type: 'webauthn.create' | 'webauthn.get',
    challenge: string,
    origin: string,
  ): Uint8Array<ArrayBuffer> {
    return new Uint8Array(new TextEncoder().encode(JSON.stringify({ type, challenge, origin, crossOrigin: false })));
  }
}
