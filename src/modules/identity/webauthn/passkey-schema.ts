import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';
import { passkeyTransports, type PasskeyTransport } from './passkey.js';

const base64url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, 'base64url without padding');

// The bounds of user_passkeys.credential_id.
const credentialId = base64url(16, 1400);

// Attestation statements with certificate chains (packed, TPM) run to a few KB; 64 KB leaves room and bounds the rest.
const registrationShape = z.object({
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  response: z.object({
    clientDataJSON: base64url(1, 8192),
    attestationObject: base64url(1, 65536),
    authenticatorData: base64url(1, 8192).optional(),
    transports: z.array(z.string().max(32)).max(10).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url(1, 8192).optional(),
  }),
  clientExtensionResults: z.record(z.string(), z.unknown()).optional(),
});

const authenticationShape = z.object({
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  response: z.object({
    clientDataJSON: base64url(1, 8192),
    authenticatorData: base64url(37, 8192),
    signature: base64url(1, 2048),
    userHandle: base64url(0, 128).optional(),
  }),
  clientExtensionResults: z.record(z.string(), z.unknown()).optional(),
});

/** Keeps the transports Bulwark knows, once each; a browser's unknown hint is dropped, not stored. */
export function knownTransports(values: readonly string[] | undefined): PasskeyTransport[] {
  const known = new Set<string>(passkeyTransports);
  return [...new Set(values ?? [])].filter((value): value is PasskeyTransport => known.has(value)).sort();
}

// Bulwark requests no extensions, so whatever extension outputs the browser sent are dropped before verification.
/** A browser's registration response (PublicKeyCredential.toJSON()), bounded; undefined when malformed. */
export function parseRegistrationResponse(input: unknown): RegistrationResponseJSON | undefined {
  const parsed = registrationShape.safeParse(input);
  if (!parsed.success) return undefined;
  return { ...parsed.data, clientExtensionResults: {} };
}

/** A browser's authentication response (PublicKeyCredential.toJSON()), bounded; undefined when malformed. */
export function parseAuthenticationResponse(input: unknown): AuthenticationResponseJSON | undefined {
  const parsed = authenticationShape.safeParse(input);
  if (!parsed.success) return undefined;
  return { ...parsed.data, clientExtensionResults: {} };
}
