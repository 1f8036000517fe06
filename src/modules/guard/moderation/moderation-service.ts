import { AppError } from '../../../lib/errors/index.js';
import type { OrgId } from '../../../lib/ids.js';
import type { Db, TenantSql } from '../../../platform/db/index.js';
import type { AuditActor, AuditLog } from '../../audit/index.js';
import type { EmbeddingPool } from '../embedding/embedding-pool.js';
import { MODERATION_CATEGORIES } from './moderation-categories.js';
import { scoreModeration, type ModerationOutcome } from './score-moderation.js';
import { toxicityProbabilities, toxicitySettings, type ToxicityParams } from './toxicity-detector.js';
import { loadToxicityClassifier, type ToxicityModel } from './toxicity-model.js';

/** The model name Bulwark's moderation answers as (OpenAI's `model` field). */
export const MODERATION_MODEL = 'bulwark-moderation';

/** Dependencies of the moderation use case. */
export interface ModerationServiceDeps {
  db: Db;
  audit: AuditLog;
  /** The embedding worker pool (shared with the guard); without one, only the lexicon and harm rules score. */
  pool?: EmbeddingPool;
  model?: ToxicityModel;
  params?: Partial<ToxicityParams>;
}

/** What one moderation request was, for the audit record. */
export interface ModerationRequest {
  readonly inputs: readonly string[];
  readonly actor: AuditActor;
  readonly requestId: string;
}

/** Moderation in OpenAI's categories (`POST /v1/moderations`): every input scored, the outcome audited. */
export class ModerationService {
  private readonly model: ToxicityModel;

  constructor(private readonly deps: ModerationServiceDeps) {
    this.model = deps.model ?? loadToxicityClassifier();
  }

  /**
   * Scores every input (the classifier runs in the embedding pool, all inputs in one batch), then appends one audit
   * event in the caller's tenant transaction (or a new one). Fails closed with `guard.detector_unavailable` when the
   * classifier cannot run: an unscored text is never reported as clean.
   */
  async moderate(
    orgId: OrgId,
    request: ModerationRequest,
    transaction?: <T>(fn: (sql: TenantSql) => Promise<T>) => Promise<T>,
  ): Promise<ModerationOutcome[]> {
    const settings = toxicitySettings(this.deps.params, this.model);
    let probabilities: (number | undefined)[] = request.inputs.map(() => undefined);
    if (this.deps.pool !== undefined) {
      const scored = await toxicityProbabilities(this.deps.pool, this.model, request.inputs);
      // SECURITY: fail closed; a caller that gates on `flagged` must not read "not flagged" from a skipped classifier.
      if (scored === undefined)
        throw new AppError('guard.detector_unavailable', {
          publicMessage: 'the moderation classifier is unavailable; retry later',
        });
      probabilities = scored;
    }
    const outcomes = request.inputs.map((text, i) =>
      scoreModeration(text, probabilities[i], settings, settings.minConfidence),
    );
    const inTransaction =
      transaction ?? (<T>(fn: (sql: TenantSql) => Promise<T>) => this.deps.db.withTenant(orgId, fn));
    const flaggedCategories = MODERATION_CATEGORIES.filter((c) => outcomes.some((o) => o.categories[c]));
    await inTransaction((sql) =>
      this.deps.audit.append(sql, [
        {
          orgId,
          actor: request.actor,
          action: 'guard.moderation.completed',
          resource: { type: 'Model', id: MODERATION_MODEL },
          decision: 'info',
          reasonCodes: [...new Set(outcomes.flatMap((o) => o.reasons))].sort(),
          requestId: request.requestId,
          // SECURITY: categories and counts only; the moderated text never reaches the audit log.
          details: {
            inputs: outcomes.length,
            flagged: outcomes.filter((o) => o.flagged).length,
            categories: flaggedCategories,
            size: request.inputs.reduce((n, text) => n + text.length, 0),
            classifier: this.deps.pool !== undefined,
          },
        },
      ]),
    );
    return outcomes;
  }
}
