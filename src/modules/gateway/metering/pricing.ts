import type { Sql } from '../../../platform/db/index.js';

/** A model's price: integer micro-units of currency per one million tokens, input and output. */
export interface ModelPrice {
  model: string;
  inputMicrosPerMTok: number;
  outputMicrosPerMTok: number;
}

/** The price table's fallback row, used for a model without a row of its own. */
export const FALLBACK_PRICE_MODEL = '*';

const MILLION = 1_000_000n;

function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}

// INVARIANT: money is integer micro-units; products are taken in BigInt (tokens × price can pass 2^53) and rounded up,
// so a call is never priced below its cost.
/** Cost in micro-units of a call: input and output tokens at the model's price, rounded up. */
export function costMicros(price: ModelPrice, inputTokens: number, outputTokens: number): number {
  const total =
    BigInt(inputTokens) * BigInt(price.inputMicrosPerMTok) + BigInt(outputTokens) * BigInt(price.outputMicrosPerMTok);
  return Number(ceilDiv(total, MILLION));
}

/**
 * The cost reserved for a call estimated at `tokens` tokens: every token at the higher of the two prices, so the
 * settled cost never exceeds the reservation while the real token count stays within the estimate.
 */
export function reservedMicros(price: ModelPrice, tokens: number): number {
  const rate = BigInt(Math.max(price.inputMicrosPerMTok, price.outputMicrosPerMTok));
  return Number(ceilDiv(BigInt(tokens) * rate, MILLION));
}

interface PriceRow {
  model: string;
  input_micros_per_mtok: string | number;
  output_micros_per_mtok: string | number;
}

const toPrice = (row: PriceRow): ModelPrice => ({
  model: row.model,
  inputMicrosPerMTok: Number(row.input_micros_per_mtok),
  outputMicrosPerMTok: Number(row.output_micros_per_mtok),
});

/** The prices of `models` (each its own row, else the `*` fallback row), in one read; a model priced by neither is absent. */
export async function pricesOf(sql: Sql, models: readonly string[]): Promise<Map<string, ModelPrice>> {
  const wanted = [...new Set(models)];
  const { rows } = await sql.query<PriceRow>(
    `SELECT model, input_micros_per_mtok, output_micros_per_mtok FROM gateway_prices
      WHERE model = ANY($1::text[]) OR model = $2`,
    [wanted, FALLBACK_PRICE_MODEL],
  );
  const byModel = new Map(rows.map((row) => [row.model, toPrice(row)]));
  const fallback = byModel.get(FALLBACK_PRICE_MODEL);
  const prices = new Map<string, ModelPrice>();
  for (const model of wanted) {
    const price = byModel.get(model) ?? fallback;
    if (price) prices.set(model, price);
  }
  return prices;
}

/** Every row of the price table, by model name. */
export async function listPrices(sql: Sql): Promise<ModelPrice[]> {
  const { rows } = await sql.query<PriceRow>(
    'SELECT model, input_micros_per_mtok, output_micros_per_mtok FROM gateway_prices ORDER BY model',
  );
  return rows.map(toPrice);
}

/** Inserts or replaces one model's price (platform scope only; RLS refuses it elsewhere). */
export async function upsertPrice(sql: Sql, price: ModelPrice): Promise<ModelPrice | null> {
  const { rows } = await sql.query<PriceRow & { previous_input: string | null; previous_output: string | null }>(
    `WITH previous AS (SELECT input_micros_per_mtok, output_micros_per_mtok FROM gateway_prices WHERE model = $1)
     INSERT INTO gateway_prices (model, input_micros_per_mtok, output_micros_per_mtok, updated_at)
     VALUES ($1, $2, $3, now())
     ON CONFLICT (model) DO UPDATE SET input_micros_per_mtok = EXCLUDED.input_micros_per_mtok,
       output_micros_per_mtok = EXCLUDED.output_micros_per_mtok, updated_at = now()
     RETURNING model, input_micros_per_mtok, output_micros_per_mtok,
       (SELECT input_micros_per_mtok FROM previous) AS previous_input,
       (SELECT output_micros_per_mtok FROM previous) AS previous_output`,
    [price.model, price.inputMicrosPerMTok, price.outputMicrosPerMTok],
  );
  const row = rows[0];
  if (!row || row.previous_input === null || row.previous_output === null) return null;
  return {
    model: price.model,
    inputMicrosPerMTok: Number(row.previous_input),
    outputMicrosPerMTok: Number(row.previous_output),
  };
}
