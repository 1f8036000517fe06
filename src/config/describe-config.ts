import { z } from 'zod';
import { configSchema, envBindings } from './schema.js';

/** One documented setting: its config-file path, environment variables, type, default and description. */
export interface SettingDoc {
  path: string;
  env: string[];
  type: string;
  default: string;
  description: string;
}

interface JsonSchemaNode {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  format?: string;
  properties?: Record<string, JsonSchemaNode>;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
}

function typeOf(node: JsonSchemaNode): string {
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (node.const !== undefined) return `\`${String(node.const)}\``;
  const variants = node.anyOf ?? node.oneOf;
  if (variants) return [...new Set(variants.map(typeOf))].join(' \\| ');
  if (node.format === 'uri') return 'URL';
  return Array.isArray(node.type) ? node.type.join(' \\| ') : (node.type ?? 'object');
}

function collect(node: JsonSchemaNode, prefix: string[], out: Map<string, SettingDoc>): void {
  const variants = node.anyOf ?? node.oneOf;
  const objects = node.properties ? [node] : (variants ?? []).filter((v) => v.properties);
  if (objects.length > 0 && prefix.length > 0 && !out.has(prefix.join('.')) && node.description) {
    out.set(prefix.join('.'), {
      path: prefix.join('.'),
      env: [],
      type: 'object',
      default: '',
      description: node.description,
    });
  }
  for (const object of objects) {
    for (const [key, child] of Object.entries(object.properties ?? {})) {
      const path = [...prefix, key];
      const isObject = child.properties !== undefined || (child.anyOf ?? child.oneOf ?? []).some((v) => v.properties);
      if (isObject) {
        collect(child, path, out);
        continue;
      }
      const id = path.join('.');
      const existing = out.get(id);
      const type = typeOf(child);
      out.set(id, {
        path: id,
        env: [],
        type: existing && existing.type !== type ? `${existing.type} \\| ${type}` : type,
        default: child.default === undefined ? (existing?.default ?? '') : `\`${JSON.stringify(child.default)}\``,
        description:
          existing?.description && existing.description !== child.description
            ? `${existing.description} ${child.description ?? ''}`.trim()
            : (child.description ?? ''),
      });
    }
  }
}

/** Every setting of the config schema with the environment variables that set it. */
export function describeConfig(): SettingDoc[] {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const settings = new Map<string, SettingDoc>();
  collect(schema, [], settings);
  for (const [name, path] of Object.entries(envBindings)) settings.get(path.join('.'))?.env.push(name);
  return [...settings.values()];
}

/** docs/reference/config.md, generated from the schema. */
export function renderConfigReference(): string {
  const rows = describeConfig().map(
    (s) =>
      `| \`${s.path}\` | ${s.env.map((e) => `\`${e}\``).join(', ')} | ${s.type} | ${s.default} | ${s.description.replace(/\|/g, '\\|')} |`,
  );
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs`; a test fails when this file is stale. -->',
    '',
    'Settings come from environment variables and, optionally, a JSON file named by `BULWARK_CONFIG_FILE`',
    '(nested as in the Path column); environment variables win. Invalid settings stop startup with exit code 2',
    'and a list of every bad field. Secrets print as `[redacted]`.',
    '',
    '| Path | Environment | Type | Default | Description |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
