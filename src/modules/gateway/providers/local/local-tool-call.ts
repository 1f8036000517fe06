import { contentText } from '../../message-text.js';
import type { ChatMessage, ChatRequest, ChatToolCall } from '../../ports.js';
import { stableId } from './stable-hash.js';

interface FunctionTool {
  name: string;
  parameters?: { properties?: Record<string, unknown>; required?: unknown };
}

function functionTools(tools: readonly unknown[] | undefined): FunctionTool[] {
  const out: FunctionTool[] = [];
  for (const tool of tools ?? []) {
    if (typeof tool !== 'object' || tool === null) continue;
    const fn = (tool as { type?: unknown; function?: unknown }).function;
    if ((tool as { type?: unknown }).type !== 'function' || typeof fn !== 'object' || fn === null) continue;
    const name = (fn as { name?: unknown }).name;
    if (typeof name !== 'string') continue;
    const parameters = (fn as { parameters?: unknown }).parameters;
    out.push({ name, ...(typeof parameters === 'object' && parameters !== null ? { parameters } : {}) });
  }
  return out;
}

function chosenName(toolChoice: unknown): string | 'required' | 'none' | undefined {
  if (toolChoice === 'required' || toolChoice === 'none') return toolChoice;
  if (typeof toolChoice === 'object' && toolChoice !== null) {
    const fn = (toolChoice as { function?: { name?: unknown } }).function;
    if (typeof fn?.name === 'string') return fn.name;
  }
  return undefined;
}

// A property's value: `name: value` or `name=value` in the prompt when present, else a fixed value of its type.
function argumentValue(name: string, schema: unknown, prompt: string): unknown {
  const type = typeof schema === 'object' && schema !== null ? (schema as { type?: unknown }).type : undefined;
  const enumValues = typeof schema === 'object' && schema !== null ? (schema as { enum?: unknown }).enum : undefined;
  if (Array.isArray(enumValues) && enumValues.length > 0) return enumValues[0];
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const said = new RegExp(`\\b${escaped}\\s*[:=]\\s*"?([^",;\\n]{1,80})`, 'i').exec(prompt)?.[1]?.trim();
  if (type === 'number' || type === 'integer')
    return said !== undefined && /^-?\d+(\.\d+)?$/.test(said) ? Number(said) : 1;
  if (type === 'boolean') return said === undefined ? true : said.toLowerCase() === 'true';
  if (type === 'array') return [];
  if (type === 'object') return {};
  return said ?? 'bulwark-local';
}

/**
 * The built-in model's tool call, when it makes one: tools are given, `tool_choice` is not `none`, the last
 * message is the user's (not a tool result), and either `tool_choice` demands a call or the prompt names a tool.
 * Arguments fill every declared property deterministically, from `name: value` in the prompt when present.
 */
export function localToolCall(request: ChatRequest): ChatToolCall | null {
  const tools = functionTools(request.tools);
  const choice = chosenName(request.tool_choice);
  const last: ChatMessage | undefined = request.messages[request.messages.length - 1];
  if (tools.length === 0 || choice === 'none' || !last || last.role === 'tool') return null;
  const prompt = contentText(last.content);
  const named =
    choice !== undefined && choice !== 'required'
      ? tools.find((tool) => tool.name === choice)
      : tools.find((tool) => prompt.toLowerCase().includes(tool.name.toLowerCase()));
  const tool = named ?? (choice === 'required' ? tools[0] : undefined);
  if (!tool) return null;
  const args: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(tool.parameters?.properties ?? {}))
    args[name] = argumentValue(name, schema, prompt);
  return {
    id: `call_${stableId(`${tool.name}\u0000${prompt}`)}`,
    type: 'function',
    function: { name: tool.name, arguments: JSON.stringify(args) },
  };
}
