/** When a signing key was created (published) and from when it signs. */
export interface ScheduledKey {
  readonly kid: string;
  readonly createdAt: Date;
  readonly signsFrom: Date;
}

/** What the key rows mean at one instant: the key that signs, the keys in the JWKS, and the keys no token needs. */
export interface KeySchedule {
  /** The key that signs new tokens; undefined when there is no key yet. */
  readonly signing: string | undefined;
  /** Keys published in the JWKS: the signing key, keys waiting to sign, and retired keys whose tokens may live. */
  readonly published: readonly string[];
  /** Retired keys whose last token has expired: they leave the JWKS and may be deleted. */
  readonly expired: readonly string[];
  /** A key created but not signing yet, if one is waiting. */
  readonly pending: string | undefined;
}

/**
 * The schedule every node derives from the same rows and its clock. Keys sign in `signsFrom` order: a key signs from
 * its `signsFrom` until the next key's `signsFrom` passes. A retired key verifies for `tokenLifetimeMs` more (plus
 * leeway), then leaves the JWKS. Before the first `signsFrom` passes, the earliest key signs (first start).
 */
export function keySchedule(keys: readonly ScheduledKey[], now: Date, tokenLifetimeMs: number): KeySchedule {
  const ordered = [...keys].sort((a, b) => a.signsFrom.getTime() - b.signsFrom.getTime() || (a.kid < b.kid ? -1 : 1));
  const due = ordered.filter((key) => key.signsFrom.getTime() <= now.getTime());
  const signing = (due.at(-1) ?? ordered[0])?.kid;
  const published: string[] = [];
  const expired: string[] = [];
  let pending: string | undefined;
  ordered.forEach((key, index) => {
    const successor = ordered[index + 1];
    if (key.kid === signing || !successor || successor.signsFrom.getTime() > now.getTime()) {
      if (key.kid !== signing && key.signsFrom.getTime() > now.getTime()) pending ??= key.kid;
      published.push(key.kid);
      return;
    }
    // SECURITY: the last token this key signed was issued just before its successor began signing.
    const lastTokenExpires = successor.signsFrom.getTime() + tokenLifetimeMs;
    (now.getTime() < lastTokenExpires ? published : expired).push(key.kid);
  });
  // The signing key comes first: oidc-provider signs ID tokens (none issued yet) with the first key of an alg.
  return { signing, published: signing ? [signing, ...published.filter((k) => k !== signing)] : [], expired, pending };
}
