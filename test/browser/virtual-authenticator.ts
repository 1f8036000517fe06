import type { CDPSession, Page } from 'playwright-core';

/** A credential as Chromium's virtual authenticator holds it (private key included). */
export type VirtualCredential = Awaited<ReturnType<VirtualAuthenticator['credentials']>>[number];

/**
 * Chromium's virtual authenticator on a page (DevTools protocol, WebAuthn domain): a platform authenticator
 * (CTAP2, internal transport) that keeps discoverable credentials and verifies its user, answering every
 * ceremony at once. Passkey ceremonies of the page run against it exactly as against a real one.
 */
export class VirtualAuthenticator {
  private constructor(
    private readonly cdp: CDPSession,
    private readonly authenticatorId: string,
  ) {}

  /** Attaches a new virtual authenticator to `page`. */
  static async attach(page: Page): Promise<VirtualAuthenticator> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return new VirtualAuthenticator(cdp, authenticatorId);
  }

  /** The credentials it holds. */
  async credentials() {
    return (await this.cdp.send('WebAuthn.getCredentials', { authenticatorId: this.authenticatorId })).credentials;
  }

  /** Puts a credential (from another authenticator: the same passkey in a new browser session) into this one. */
  async add(credential: VirtualCredential): Promise<void> {
    await this.cdp.send('WebAuthn.addCredential', { authenticatorId: this.authenticatorId, credential });
  }
}
