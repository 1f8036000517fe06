import type { Id } from '../../../lib/ids.js';

/** The upstream kinds a connection can be. */
export const PROVIDER_KINDS = ['openai', 'anthropic', 'openai-compatible'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export type ProviderConnectionId = Id<'prv'>;
export type OrgModelId = Id<'mdl'>;

/** Kind-specific settings of a connection (never secret). */
export interface ProviderOptions {
  /** OpenAI organization id, sent as `OpenAI-Organization`. */
  organization?: string;
  /** Anthropic API version header. */
  anthropic_version?: string;
}

/** A provider connection as the org sees it: the credential is never returned, only whether one is set. */
export interface ProviderConnection {
  id: ProviderConnectionId;
  name: string;
  kind: ProviderKind;
  baseUrl: string;
  hasCredential: boolean;
  options: ProviderOptions;
  createdAt: Date;
  updatedAt: Date;
}

/** One target of an org model's fallback chain. */
export interface OrgModelTarget {
  connectionId: ProviderConnectionId;
  upstreamModel: string;
}

/** A public model name of the org, its attributes for policy, and its ordered fallback chain. */
export interface OrgModel {
  id: OrgModelId;
  name: string;
  kind: 'chat' | 'embedding';
  provider: string;
  region: string;
  dataClassesAllowed: string[];
  targets: OrgModelTarget[];
  createdAt: Date;
}

/** Most targets a model's fallback chain may have. */
export const MAX_TARGETS = 16;
