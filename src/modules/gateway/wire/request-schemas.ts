import { z } from 'zod';
import { chatRetrievalSchema } from '../retrieval/schema.js';

// Request schemas of the OpenAI-compatible endpoints. Wire names are OpenAI's (snake_case), and so are the gateway's
// internal types (ports.ts), so nothing is renamed. Fields OpenAI defines that the gateway does not act on
// (`store`, `metadata`, `logprobs`, …) are accepted and dropped: an unknown field is not forwarded upstream.

// The guards read every text: about 7 ms per KB for names and places on the event loop, so one request's text is
// bounded well below the body limit.
/** Most characters of text one model request may carry (all messages, tool arguments and definitions). */
export const MAX_REQUEST_TEXT = 128 * 1024;
const MAX_TEXT = 64 * 1024;

const modelName = z.string().min(1).max(256).describe('The model to use (GET /v1/models lists them).');

const textPart = z.object({ type: z.literal('text'), text: z.string().max(MAX_TEXT) });
const otherPart = z.looseObject({ type: z.string().min(1).max(64) }).refine((part) => part.type !== 'text', {
  message: 'a text part needs a string `text`',
});
const contentPart = z.union([textPart, otherPart]);

const toolCall = z.object({
  id: z.string().min(1).max(256),
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1).max(256), arguments: z.string().max(MAX_TEXT) }),
});

const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string().max(MAX_TEXT), z.array(contentPart).max(64), z.null()]).default(null),
  name: z.string().max(256).optional(),
  tool_calls: z.array(toolCall).max(128).optional(),
  tool_call_id: z.string().max(256).optional(),
});

const functionTool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .describe('Letters, digits, underscores and dashes, at most 64.'),
    description: z.string().max(4096).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1).max(64) }) }),
]);

const stop = z.union([z.string().max(256), z.array(z.string().max(256)).max(4)]);

const sampling = {
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  seed: z.number().int().optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  user: z.string().max(256).optional(),
  parallel_tool_calls: z.boolean().optional(),
};

/** `POST /v1/chat/completions`. */
export const chatCompletionBodySchema = z.object({
  model: modelName,
  messages: z.array(message).min(1).max(1024),
  tools: z.array(functionTool).max(128).optional(),
  tool_choice: toolChoice.optional(),
  response_format: z
    .union([
      z.object({ type: z.enum(['text', 'json_object']) }),
      z.object({ type: z.literal('json_schema'), json_schema: z.record(z.string(), z.unknown()) }),
    ])
    .optional(),
  max_tokens: z.number().int().min(1).max(1_000_000).optional(),
  max_completion_tokens: z.number().int().min(1).max(1_000_000).optional(),
  stop: stop.optional(),
  n: z.literal(1).optional().describe('Only one choice is generated.'),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  ...sampling,
  bulwark: z
    .object({
      retrieval: chatRetrievalSchema.optional(),
      prompt: z
        .object({
          name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/),
          version: z.number().int().min(1).max(2_147_483_647).optional().describe('Default: the head version.'),
          variables: z
            .record(z.string().max(64), z.string().max(8 * 1024))
            .refine((v) => Object.keys(v).length <= 32, 'at most 32 variables')
            .optional(),
        })
        .strict()
        .optional()
        .describe('A registry prompt rendered as the first system message (needs read:prompts).'),
    })
    .optional()
    .describe("Bulwark's extensions; never forwarded upstream."),
});

/** A parsed `POST /v1/chat/completions` body. */
export type ChatCompletionBody = z.infer<typeof chatCompletionBodySchema>;

const responsesText = z.string().max(MAX_TEXT);
const responsesContent = z.union([
  responsesText,
  z
    .array(
      z.union([
        z.object({ type: z.enum(['input_text', 'output_text']), text: responsesText }),
        z
          .looseObject({ type: z.string().min(1).max(64) })
          .refine((p) => p.type !== 'input_text' && p.type !== 'output_text', {
            message: 'a text part needs a string `text`',
          }),
      ]),
    )
    .max(64),
]);

const responsesItem = z.union([
  z.object({
    type: z.literal('message').optional(),
    role: z.enum(['user', 'assistant', 'system', 'developer']),
    content: responsesContent,
  }),
  z.object({
    type: z.literal('function_call'),
    call_id: z.string().min(1).max(256),
    name: z.string().min(1).max(64),
    arguments: z.string().max(MAX_TEXT),
  }),
  z.object({ type: z.literal('function_call_output'), call_id: z.string().min(1).max(256), output: responsesText }),
]);

/** `POST /v1/responses` (stateless: no `previous_response_id`, nothing is stored). */
export const responsesBodySchema = z.object({
  model: modelName,
  input: z.union([responsesText, z.array(responsesItem).min(1).max(1024)]),
  instructions: z.string().max(MAX_TEXT).nullable().optional(),
  tools: z
    .array(
      z.object({
        type: z.literal('function'),
        name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
        description: z.string().max(4096).nullable().optional(),
        parameters: z.record(z.string(), z.unknown()).nullable().optional(),
        strict: z.boolean().nullable().optional(),
      }),
    )
    .max(128)
    .optional(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      z.object({ type: z.literal('function'), name: z.string().min(1).max(64) }),
    ])
    .optional(),
  max_output_tokens: z.number().int().min(1).max(1_000_000).nullable().optional(),
  previous_response_id: z
    .null()
    .optional()
    .describe('Not supported: the gateway stores no responses; send the conversation in `input`.'),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  user: z.string().max(256).optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
});

/** A parsed `POST /v1/responses` body. */
export type ResponsesBody = z.infer<typeof responsesBodySchema>;

/** `POST /v1/embeddings` (string or string array input; token arrays are not accepted). */
export const embeddingsBodySchema = z.object({
  model: modelName,
  input: z.union([z.string().min(1).max(MAX_TEXT), z.array(z.string().min(1).max(MAX_TEXT)).min(1).max(2048)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).max(3072).optional(),
  user: z.string().max(256).optional(),
});

/** A parsed `POST /v1/embeddings` body. */
export type EmbeddingsBody = z.infer<typeof embeddingsBodySchema>;
