import type { TenantSql } from '../../../platform/db/index.js';
import type { AuditActor } from '../../audit/index.js';
import type { PromptContent, PromptVariable } from './prompt-template.js';

/** One immutable version of a prompt. */
export interface PromptVersion extends PromptContent {
  name: string;
  version: number;
  /** The version this one copies, when it was made by a rollback. */
  restoredFrom: number | null;
  createdBy: AuditActor;
  createdAt: Date;
}

/** A prompt's head: its name and current version number. */
export interface PromptHead {
  name: string;
  headVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

interface VersionRow {
  prompt_name: string;
  version: number;
  template: string;
  variables: { name: string; max_length: number; required: boolean }[];
  restored_from: number | null;
  created_by: AuditActor;
  created_at: Date | string;
}

interface HeadRow {
  name: string;
  head_version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

const VERSION_COLUMNS = 'prompt_name, version, template, variables, restored_from, created_by, created_at';

function toVersion(row: VersionRow): PromptVersion {
  return {
    name: row.prompt_name,
    version: row.version,
    template: row.template,
    variables: row.variables.map((v) => ({ name: v.name, maxLength: v.max_length, required: v.required })),
    restoredFrom: row.restored_from,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
  };
}

function toHead(row: HeadRow): PromptHead {
  return {
    name: row.name,
    headVersion: row.head_version,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

const variablesJson = (variables: readonly PromptVariable[]) =>
  JSON.stringify(variables.map((v) => ({ name: v.name, max_length: v.maxLength, required: v.required })));

/** The prompt's head row, locked for update when asked. */
export async function selectPromptHead(
  sql: TenantSql,
  name: string,
  options: { forUpdate?: boolean } = {},
): Promise<PromptHead | undefined> {
  const { rows } = await sql.query<HeadRow>(
    `SELECT name, head_version, created_at, updated_at FROM gateway_prompts WHERE name = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [name],
  );
  return rows[0] ? toHead(rows[0]) : undefined;
}

/** Inserts a prompt's head at version 1 (the caller inserts the version). */
export async function insertPromptHead(sql: TenantSql, name: string, at: Date): Promise<void> {
  await sql.query(
    'INSERT INTO gateway_prompts (org_id, name, head_version, created_at, updated_at) VALUES ($1, $2, 1, $3, $3)',
    [sql.orgId, name, at],
  );
}

/** Moves a prompt's head to `version`. */
export async function updatePromptHead(sql: TenantSql, name: string, version: number, at: Date): Promise<void> {
  await sql.query('UPDATE gateway_prompts SET head_version = $2, updated_at = $3 WHERE name = $1', [name, version, at]);
}

/** Appends an immutable version. */
export async function insertPromptVersion(sql: TenantSql, v: PromptVersion): Promise<void> {
  await sql.query(
    `INSERT INTO gateway_prompt_versions (org_id, prompt_name, version, template, variables, restored_from, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      sql.orgId,
      v.name,
      v.version,
      v.template,
      variablesJson(v.variables),
      v.restoredFrom,
      JSON.stringify(v.createdBy),
      v.createdAt,
    ],
  );
}

/** One version of a prompt, or its head version when `version` is absent. */
export async function selectPromptVersion(
  sql: TenantSql,
  name: string,
  version?: number,
): Promise<PromptVersion | undefined> {
  const { rows } = await sql.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM gateway_prompt_versions
      WHERE prompt_name = $1 AND version = coalesce($2::int, (SELECT head_version FROM gateway_prompts WHERE name = $1))`,
    [name, version ?? null],
  );
  return rows[0] ? toVersion(rows[0]) : undefined;
}

/** A page of a prompt's versions, newest first, below `beforeVersion`. */
export async function selectPromptVersions(
  sql: TenantSql,
  name: string,
  page: { limit: number; beforeVersion?: number },
): Promise<PromptVersion[]> {
  const { rows } = await sql.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM gateway_prompt_versions
      WHERE prompt_name = $1 AND ($2::int IS NULL OR version < $2) ORDER BY version DESC LIMIT $3`,
    [name, page.beforeVersion ?? null, page.limit],
  );
  return rows.map(toVersion);
}

/** A page of the org's prompts in name order, after `afterName`. */
export async function selectPromptHeads(
  sql: TenantSql,
  page: { limit: number; afterName?: string },
): Promise<PromptHead[]> {
  const { rows } = await sql.query<HeadRow>(
    `SELECT name, head_version, created_at, updated_at FROM gateway_prompts
      WHERE ($1::text IS NULL OR name > $1) ORDER BY name LIMIT $2`,
    [page.afterName ?? null, page.limit],
  );
  return rows.map(toHead);
}
