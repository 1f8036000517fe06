import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { errors as providerErrors } from 'oidc-provider';
import { constantTimeEqual } from '../../../lib/constant-time.js';
import { AppError } from '../../../lib/errors/index.js';
import type { OrgId, UserId } from '../../../lib/ids.js';
import type { Db } from '../../../platform/db/index.js';
import type { AuditEventInput, AuditLog } from '../../audit/index.js';
import type { FactorCheck, Identity, SignInMeta } from '../../identity/index.js';
import { activeOwner, needsPasskey } from '../../tenancy/index.js';
import { acrFor, rolesForSignIn, type SignInMethod } from './sign-in-methods.js';
import type { SignInProgress, SignInProgressStore } from './sign-in-progress.js';

/** The passkey ceremonies a sign-in runs, bound to Bulwark's relying party. */
export interface SignInPasskeys {
  /** Options for registering a new passkey, and the challenge to keep. */
  registrationOptions(userId: UserId, userName: string): Promise<{ options: unknown; challenge: string }>;
  register(userId: UserId, response: unknown, challenge: string, meta: SignInMeta): Promise<boolean>;
  /** Options for signing in with one of the user's passkeys (undefined when the user has none). */
  authenticationOptions(userId: UserId): Promise<{ options: unknown; challenge: string } | undefined>;
  authenticate(userId: UserId, response: unknown, challenge: string, meta: SignInMeta): Promise<boolean>;
}

/** What the sign-in needs. */
export interface SignInDeps {
  provider: () => Promise<Provider>;
  identity: Identity;
  passkeys: SignInPasskeys;
  progress: SignInProgressStore;
  db: Db;
  audit: AuditLog;
  /** The path of an interaction's page. */
  interactionPath: (uid: string) => string;
}

/** What a page of the sign-in shows. */
export type SignInStep =
  | { step: 'password'; error?: string }
  | { step: 'second_factor'; totp: boolean; recovery: boolean; passkeyOptions?: unknown; error?: string }
  | { step: 'enroll'; totpSecret: string; otpauthUri: string; passkeyOptions: unknown; error?: string }
  | { step: 'recovery_codes'; codes: string[] }
  | { step: 'passkey_setup'; passkeyOptions: unknown; error?: string }
  | { step: 'consent'; scopes: string[] };

/** A page of the sign-in, with what every form of it echoes and where the sign-in returns to. */
export type SignInView = SignInStep & { uid: string; csrf: string; clientName: string; redirectOrigin: string };

/** What answers a request of the sign-in: a page (with its status) or a redirect. */
export type SignInOutcome = { kind: 'page'; status: number; view: SignInView } | { kind: 'redirect'; location: string };

/** A form posted by a sign-in page. */
export type SignInAction =
  | { action: 'password'; email: string; password: string }
  | { action: 'totp'; code: string }
  | { action: 'recovery'; code: string }
  | { action: 'enroll_totp'; code: string }
  | { action: 'passkey'; response: unknown }
  | { action: 'register_passkey'; response: unknown }
  | { action: 'skip_passkey' }
  | { action: 'continue' }
  | { action: 'consent'; approve: boolean };

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

interface Context {
  req: IncomingMessage;
  res: ServerResponse;
  meta: SignInMeta;
  provider: Provider;
  interaction: Interaction;
  progress: SignInProgress;
  expiresAt: Date;
  client: { id: string; name: string; orgId: OrgId };
}

const SECOND_FACTORS: readonly SignInMethod[] = ['otp', 'hwk', 'mfa'];

/**
 * The sign-in of an interaction of the provider: password, then a second factor (MFA is required for every user),
 * a passkey for the roles that need one, then consent for third-party clients. Each step is checked and audited
 * by the identity module; only when all are done does the provider hear of the login, with the `amr` and `acr`
 * earned.
 */
export class SignIn {
  constructor(private readonly deps: SignInDeps) {}

  /** The page an interaction is at (or the redirect onward once nothing is left to ask). */
  async show(req: IncomingMessage, res: ServerResponse, meta: SignInMeta): Promise<SignInOutcome> {
    return this.advance(await this.context(req, res, meta));
  }

  /** Takes a posted form. `csrf` must be the interaction's; a wrong one is refused before anything is checked. */
  async submit(
    req: IncomingMessage,
    res: ServerResponse,
    csrf: string,
    form: SignInAction,
    meta: SignInMeta,
  ): Promise<SignInOutcome> {
    const ctx = await this.context(req, res, meta);
    // SECURITY: the interaction cookie (SameSite=Lax, path of this interaction) and this token together: a form
    // posted from another site carries neither.
    if (!constantTimeEqual(csrf, ctx.progress.csrf)) throw new AppError('oidc.sign_in_forbidden');
    if (ctx.interaction.prompt.name === 'consent') {
      if (form.action !== 'consent') return this.advance(ctx);
      return this.consent(ctx, form.approve);
    }
    const { progress } = ctx;
    const userId = progress.userId as UserId | undefined;
    if (form.action === 'password') return this.password(ctx, form.email, form.password, meta);
    if (!userId) return this.advance(ctx);
    const secondDone = progress.amr.some((method) => SECOND_FACTORS.includes(method));
    switch (form.action) {
      case 'totp':
        return this.factor(ctx, await this.deps.identity.checkTotp(userId, form.code, meta), 'otp');
      case 'recovery':
        return this.factor(ctx, await this.deps.identity.useRecoveryCode(userId, form.code, meta), 'mfa');
      case 'enroll_totp': {
        const enrolled = await this.deps.identity.confirmTotpEnrollment(userId, form.code, meta);
        if (!enrolled.ok) return this.advance(ctx, failure(enrolled));
        await this.record(ctx, progress, ['otp']);
        return this.page(ctx, 200, { step: 'recovery_codes', codes: enrolled.recoveryCodes });
      }
      case 'passkey':
      case 'register_passkey': {
        const challenge = progress.challenge;
        progress.challenge = undefined;
        await this.deps.progress.save(progress, ctx.expiresAt);
        if (!challenge) return this.advance(ctx, 'The passkey prompt expired; try again.');
        const firstFactor = form.action === 'register_passkey' && !secondDone;
        const ok =
          form.action === 'passkey'
            ? await this.deps.passkeys.authenticate(userId, form.response, challenge, meta)
            : (await this.mayRegisterPasskey(userId, secondDone)) &&
              (await this.deps.passkeys.register(userId, form.response, challenge, meta));
        if (!ok) return this.advance(ctx, 'The passkey was not accepted.');
        await this.record(ctx, progress, ['hwk']);
        // A passkey as the only second factor: recovery codes, so losing that one device is no lockout.
        if (firstFactor) {
          const codes = await this.deps.identity.issueRecoveryCodes(userId, meta);
          return this.page(ctx, 200, { step: 'recovery_codes', codes });
        }
        return this.advance(ctx);
      }
      case 'skip_passkey':
        if (secondDone) await this.record(ctx, progress, [], { skippedPasskey: true });
        return this.advance(ctx);
      case 'continue':
        return this.advance(ctx);
      case 'consent':
        return this.advance(ctx);
    }
  }

  // SECURITY: a passkey is registered as a first factor only by a user with no second factor yet (enrollment);
  // anyone else registers one after their second factor, so a stolen password alone never adds a passkey.
  private async mayRegisterPasskey(userId: UserId, secondDone: boolean): Promise<boolean> {
    if (secondDone) return true;
    const factors = await this.deps.identity.factors(userId);
    return !factors.totp && factors.passkeys === 0;
  }

  private async context(req: IncomingMessage, res: ServerResponse, meta: SignInMeta): Promise<Context> {
    const provider = await this.deps.provider();
    let interaction: Interaction;
    try {
      interaction = await provider.interactionDetails(req, res);
    } catch (error) {
      if (error instanceof providerErrors.SessionNotFound) throw new AppError('oidc.sign_in_expired');
      throw error;
    }
    const expiresAt = new Date(interaction.exp * 1000);
    const clientId = String(interaction.params.client_id ?? '');
    const client = await provider.Client.find(clientId);
    const metadata: Record<string, unknown> = client?.metadata() ?? {};
    if (!client || typeof metadata.org_id !== 'string') throw new AppError('oidc.sign_in_expired');
    const progress = await this.deps.progress.load(interaction.uid, expiresAt);
    return {
      req,
      res,
      meta,
      provider,
      interaction,
      progress,
      expiresAt,
      client: { id: clientId, name: client.clientName ?? clientId, orgId: metadata.org_id as OrgId },
    };
  }

  private page(ctx: Context, status: number, step: SignInStep): SignInOutcome {
    return {
      kind: 'page',
      status,
      view: {
        ...step,
        uid: ctx.interaction.uid,
        csrf: ctx.progress.csrf,
        clientName: ctx.client.name,
        redirectOrigin: new URL(String(ctx.interaction.params.redirect_uri)).origin,
      },
    };
  }

  private async password(ctx: Context, email: string, password: string, meta: SignInMeta): Promise<SignInOutcome> {
    const checked = await this.deps.identity.checkPassword(email, password, meta);
    if (!checked.ok) {
      const throttled = checked.reason === 'identity.login_throttled';
      return this.page(ctx, throttled ? 429 : 401, {
        step: 'password',
        error: throttled
          ? `Too many attempts. Try again in ${checked.retryAfterSeconds} seconds.`
          : 'The e-mail address or password is not right.',
      });
    }
    // A new password check starts the sign-in over (another account may be signing in on this interaction).
    ctx.progress.userId = checked.userId;
    ctx.progress.amr = ['pwd'];
    ctx.progress.challenge = undefined;
    await this.deps.progress.save(ctx.progress, ctx.expiresAt);
    return this.redirectToPage(ctx);
  }

  private async factor(ctx: Context, checked: FactorCheck, method: SignInMethod): Promise<SignInOutcome> {
    if (!checked.ok)
      return this.advance(ctx, failure(checked), checked.reason === 'identity.login_throttled' ? 429 : 401);
    await this.record(ctx, ctx.progress, [method]);
    return this.advance(ctx);
  }

  private async record(
    ctx: Context,
    progress: SignInProgress,
    methods: SignInMethod[],
    extra: { skippedPasskey?: boolean } = {},
  ): Promise<void> {
    for (const method of methods) if (!progress.amr.includes(method)) progress.amr.push(method);
    Object.assign(progress, extra);
    await this.deps.progress.save(progress, ctx.expiresAt);
  }

  private redirectToPage(ctx: Context): SignInOutcome {
    return { kind: 'redirect', location: this.deps.interactionPath(ctx.interaction.uid) };
  }

  // The next page of the sign-in, or its end.
  private async advance(ctx: Context, error?: string, status = error ? 401 : 200): Promise<SignInOutcome> {
    if (ctx.interaction.prompt.name === 'consent') return this.page(ctx, 200, { step: 'consent', scopes: ['openid'] });
    const { progress } = ctx;
    const userId = progress.userId as UserId | undefined;
    if (!userId) return this.page(ctx, status, { step: 'password', ...(error ? { error } : {}) });
    const secondDone = progress.amr.some((method) => SECOND_FACTORS.includes(method));
    if (!secondDone) {
      const factors = await this.deps.identity.factors(userId);
      if (!factors.totp && factors.passkeys === 0) return this.enroll(ctx, userId, status, error);
      const passkey = factors.passkeys > 0 ? await this.deps.passkeys.authenticationOptions(userId) : undefined;
      await this.keepChallenge(ctx, passkey?.challenge);
      return this.page(ctx, status, {
        step: 'second_factor',
        totp: factors.totp,
        recovery: factors.recoveryCodesLeft > 0,
        ...(passkey ? { passkeyOptions: passkey.options } : {}),
        ...(error ? { error } : {}),
      });
    }
    const roles = await this.memberRoles(ctx.client.orgId, userId);
    if (!roles) return this.refuse(ctx, userId, 'oidc.not_a_member');
    if (needsPasskey(roles) && !progress.amr.includes('hwk') && !progress.skippedPasskey) {
      const factors = await this.deps.identity.factors(userId);
      if (factors.passkeys === 0) {
        const ceremony = await this.deps.passkeys.registrationOptions(userId, await this.emailOf(userId));
        await this.keepChallenge(ctx, ceremony.challenge);
        return this.page(ctx, status, {
          step: 'passkey_setup',
          passkeyOptions: ceremony.options,
          ...(error ? { error } : {}),
        });
      }
    }
    return this.finish(ctx, userId, roles);
  }

  private async enroll(ctx: Context, userId: UserId, status: number, error?: string): Promise<SignInOutcome> {
    const email = await this.emailOf(userId);
    const totp = await this.deps.identity.startTotpEnrollment(userId, email);
    const ceremony = await this.deps.passkeys.registrationOptions(userId, email);
    await this.keepChallenge(ctx, ceremony.challenge);
    return this.page(ctx, status, {
      step: 'enroll',
      totpSecret: totp.secret,
      otpauthUri: totp.otpauthUri,
      passkeyOptions: ceremony.options,
      ...(error ? { error: `${error} A new key is shown: add it to your authenticator again.` } : {}),
    });
  }

  private async keepChallenge(ctx: Context, challenge: string | undefined): Promise<void> {
    ctx.progress.challenge = challenge;
    await this.deps.progress.save(ctx.progress, ctx.expiresAt);
  }

  private async finish(ctx: Context, userId: UserId, memberRoles: string[]): Promise<SignInOutcome> {
    const amr = [...ctx.progress.amr];
    const acr = acrFor(amr);
    const roles = rolesForSignIn(memberRoles, amr);
    await this.deps.audit.record(ctx.client.orgId, [
      this.event(ctx, userId, {
        action: 'identity.login.succeeded',
        decision: 'allow',
        details: {
          client_id: ctx.client.id,
          amr,
          acr,
          roles,
          ...(roles.length < memberRoles.length
            ? { roles_withheld: memberRoles.filter((r) => !roles.includes(r)) }
            : {}),
        },
      }),
    ]);
    await this.deps.progress.end(ctx.interaction.uid);
    const location = await ctx.provider.interactionResult(ctx.req, ctx.res, {
      login: { accountId: userId, amr, acr, remember: true },
    });
    return { kind: 'redirect', location };
  }

  private async refuse(ctx: Context, userId: UserId, reason: 'oidc.not_a_member'): Promise<SignInOutcome> {
    await this.deps.audit.record(ctx.client.orgId, [
      this.event(ctx, userId, {
        action: 'identity.login.refused',
        decision: 'deny',
        reasonCodes: [reason],
        details: { client_id: ctx.client.id },
      }),
    ]);
    await this.deps.progress.end(ctx.interaction.uid);
    const location = await ctx.provider.interactionResult(ctx.req, ctx.res, {
      error: 'access_denied',
      error_description: 'the account has no access to this application',
    });
    return { kind: 'redirect', location };
  }

  private async consent(ctx: Context, approve: boolean): Promise<SignInOutcome> {
    const { interaction, provider } = ctx;
    const accountId = interaction.session?.accountId;
    if (!accountId) throw new AppError('oidc.sign_in_expired');
    if (!approve) {
      await this.deps.audit.record(ctx.client.orgId, [
        this.event(ctx, accountId as UserId, {
          action: 'identity.consent.declined',
          decision: 'deny',
          reasonCodes: ['oidc.consent_declined'],
          details: { client_id: ctx.client.id },
        }),
      ]);
      const location = await provider.interactionResult(ctx.req, ctx.res, {
        error: 'access_denied',
        error_description: 'the user declined the request',
      });
      return { kind: 'redirect', location };
    }
    const grant = interaction.grantId
      ? await provider.Grant.find(interaction.grantId)
      : new provider.Grant({ accountId, clientId: ctx.client.id });
    if (!grant) throw new AppError('oidc.sign_in_expired');
    const details = interaction.prompt.details as {
      missingOIDCScope?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    for (const [resource, scopes] of Object.entries(details.missingResourceScopes ?? {}))
      grant.addResourceScope(resource, scopes.join(' '));
    const grantId = await grant.save();
    await this.deps.audit.record(ctx.client.orgId, [
      this.event(ctx, accountId as UserId, {
        action: 'identity.consent.granted',
        decision: 'allow',
        details: { client_id: ctx.client.id, scopes: details.missingOIDCScope ?? [] },
      }),
    ]);
    const location = await provider.interactionResult(ctx.req, ctx.res, {
      consent: { grantId },
    });
    return { kind: 'redirect', location };
  }

  private event(
    ctx: Context,
    userId: UserId,
    event: Pick<AuditEventInput, 'action' | 'decision' | 'details'> & { reasonCodes?: string[] },
  ): AuditEventInput {
    return {
      orgId: ctx.client.orgId,
      actor: { type: 'user', id: userId },
      resource: { type: 'OAuthClient', id: ctx.client.id },
      requestId: ctx.meta.requestId ?? null,
      clientIp: ctx.meta.clientIp,
      userAgent: ctx.meta.userAgent ?? null,
      ...event,
    };
  }

  private async memberRoles(orgId: OrgId, userId: UserId): Promise<string[] | undefined> {
    const owner = await this.deps.db.withTenant(orgId, (sql) => activeOwner(sql, { type: 'user', id: userId }));
    return owner?.roles;
  }

  private async emailOf(userId: UserId): Promise<string> {
    return (await this.deps.identity.account(userId))?.email ?? userId;
  }
}

function failure(checked: Exclude<FactorCheck, { ok: true }>): string {
  return checked.reason === 'identity.login_throttled'
    ? `Too many attempts. Try again in ${checked.retryAfterSeconds} seconds.`
    : 'That code is not right.';
}
