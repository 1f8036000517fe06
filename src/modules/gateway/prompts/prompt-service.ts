import type { Clock } from '../../../lib/clock.js';
import { AppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { AuditActor, AuditLog } from '../../audit/index.js';
import { diffPromptVersions } from './prompt-diff.js';
import { checkPromptContent, renderPrompt, type PromptContent } from './prompt-template.js';
import {
  insertPromptHead,
  insertPromptVersion,
  selectPromptHead,
  selectPromptHeads,
  selectPromptVersion,
  selectPromptVersions,
  updatePromptHead,
  type PromptHead,
  type PromptVersion,
} from './repo.js';

/** Dependencies of the prompt registry. */
export interface PromptServiceDeps {
  db: Db;
  audit: AuditLog;
  clock: Clock;
}

/** Who changes a prompt, and the request it came with. */
export interface PromptChangeOptions {
  actor: AuditActor;
  requestId?: string;
}

/** A prompt as a chat request names it: a name, a version (the head when absent) and the variables' values. */
export interface PromptRef {
  name: string;
  version?: number;
  variables?: Record<string, string>;
}

/** A rendered prompt: the text and the version it came from. */
export interface RenderedPrompt {
  name: string;
  version: number;
  text: string;
}

/** Valid prompt names (the migration checks the same). */
export const PROMPT_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

const notFound = () => new AppError('gateway.prompt_not_found');

/**
 * The prompt registry: named prompt templates with immutable versions, diff and rollback. Every change is one use
 * case in the caller's tenant transaction with its audit event (`gateway.prompt.created`, `.version_created`,
 * `.rolled_back`). A rollback to version N appends a new version whose content equals N's (`restored_from: N`), so
 * history stays append-only and a rollback can itself be rolled back.
 */
export class PromptService {
  constructor(private readonly deps: PromptServiceDeps) {}

  /** Creates a prompt at version 1 (`gateway.prompt.created`); a taken name is `gateway.prompt_name_taken`. */
  async create(
    sql: TenantSql,
    name: string,
    content: PromptContent,
    options: PromptChangeOptions,
  ): Promise<PromptVersion> {
    if (!PROMPT_NAME.test(name))
      throw new AppError('gateway.prompt_invalid', {
        publicMessage: 'invalid name: lowercase letters, digits and . _ - (at most 100)',
        details: { issues: [{ field: 'name', message: 'lowercase letters, digits and . _ - (at most 100)' }] },
      });
    const checked = checkPromptContent(content);
    if (await selectPromptHead(sql, name)) throw new AppError('gateway.prompt_name_taken');
    const now = this.deps.clock.now();
    await insertPromptHead(sql, name, now);
    return this.#append(
      sql,
      'gateway.prompt.created',
      { name, version: 1, content: checked, restoredFrom: null },
      options,
    );
  }

  /**
   * Appends a version (`gateway.prompt.version_created`). `expectedVersion` is the head the caller saw (its ETag);
   * another head is `http.precondition_failed` (412).
   */
  async addVersion(
    sql: TenantSql,
    name: string,
    expectedVersion: number,
    content: PromptContent,
    options: PromptChangeOptions,
  ): Promise<PromptVersion> {
    const checked = checkPromptContent(content);
    const head = await this.#lockHead(sql, name);
    if (head.headVersion !== expectedVersion)
      throw new AppError('http.precondition_failed', {
        publicMessage: `the prompt is at version ${head.headVersion}; send If-Match: "v${head.headVersion}"`,
      });
    return this.#append(
      sql,
      'gateway.prompt.version_created',
      { name, version: head.headVersion + 1, content: checked, restoredFrom: null },
      options,
    );
  }

  /** Rolls a prompt back to an earlier version: a new version with that version's content (`gateway.prompt.rolled_back`). */
  async rollback(
    sql: TenantSql,
    name: string,
    toVersion: number,
    options: PromptChangeOptions,
  ): Promise<PromptVersion> {
    const head = await this.#lockHead(sql, name);
    const target = await selectPromptVersion(sql, name, toVersion);
    if (!target) throw new AppError('gateway.prompt_version_not_found');
    return this.#append(
      sql,
      'gateway.prompt.rolled_back',
      {
        name,
        version: head.headVersion + 1,
        content: { template: target.template, variables: target.variables },
        restoredFrom: target.version,
      },
      options,
      { from_version: head.headVersion },
    );
  }

  /** A prompt's head version, or the version asked for. */
  get(orgId: OrgId, name: string, version?: number): Promise<PromptVersion> {
    return this.deps.db.withTenant(orgId, async (sql) => {
      if (!PROMPT_NAME.test(name)) throw notFound();
      const found = await selectPromptVersion(sql, name, version);
      if (found) return found;
      if (version !== undefined && (await selectPromptHead(sql, name)))
        throw new AppError('gateway.prompt_version_not_found');
      throw notFound();
    });
  }

  /** A page of the org's prompts in name order. */
  list(orgId: OrgId, page: { limit: number; afterName?: string }): Promise<PromptHead[]> {
    return this.deps.db.withTenant(orgId, (sql) => selectPromptHeads(sql, page));
  }

  /** A page of a prompt's versions, newest first. */
  versions(orgId: OrgId, name: string, page: { limit: number; beforeVersion?: number }): Promise<PromptVersion[]> {
    return this.deps.db.withTenant(orgId, async (sql) => {
      if (!PROMPT_NAME.test(name) || !(await selectPromptHead(sql, name))) throw notFound();
      return selectPromptVersions(sql, name, page);
    });
  }

  /** A unified diff between two versions of a prompt. */
  async diff(
    orgId: OrgId,
    name: string,
    from: number,
    to: number,
  ): Promise<{ from: number; to: number; diff: string }> {
    const [a, b] = [await this.get(orgId, name, from), await this.get(orgId, name, to)];
    return { from, to, diff: diffPromptVersions(a, b) };
  }

  /** Renders a prompt version with the caller's variables (for a chat request's `bulwark.prompt`). */
  async render(orgId: OrgId, ref: PromptRef): Promise<RenderedPrompt> {
    const version = await this.get(orgId, ref.name, ref.version);
    return { name: version.name, version: version.version, text: renderPrompt(version, ref.variables ?? {}) };
  }

  async #lockHead(sql: TenantSql, name: string): Promise<PromptHead> {
    const head = PROMPT_NAME.test(name) ? await selectPromptHead(sql, name, { forUpdate: true }) : undefined;
    if (!head) throw notFound();
    return head;
  }

  async #append(
    sql: TenantSql,
    action: string,
    next: { name: string; version: number; content: PromptContent; restoredFrom: number | null },
    options: PromptChangeOptions,
    extra: Record<string, unknown> = {},
  ): Promise<PromptVersion> {
    const now = this.deps.clock.now();
    const version: PromptVersion = {
      name: next.name,
      version: next.version,
      ...next.content,
      restoredFrom: next.restoredFrom,
      createdBy: options.actor,
      createdAt: now,
    };
    await insertPromptVersion(sql, version);
    if (next.version > 1) await updatePromptHead(sql, next.name, next.version, now);
    // The template itself is not audited (it may be long and is kept in its version row); its size and variables are.
    await this.deps.audit.append(sql, [
      {
        orgId: sql.orgId,
        actor: options.actor,
        action,
        resource: { type: 'Prompt', id: next.name },
        decision: 'info',
        reasonCodes: [],
        requestId: options.requestId ?? null,
        details: {
          name: next.name,
          version: next.version,
          ...(next.restoredFrom !== null ? { restored_from: next.restoredFrom } : {}),
          template_chars: next.content.template.length,
          variables: next.content.variables.map((v) => v.name),
          ...extra,
        },
      },
    ]);
    return version;
  }
}
