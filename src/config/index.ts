export {
  assertProductionSafe,
  developmentShortcuts,
  loadConfig,
  loadProcessConfig,
  type ConfigSources,
} from './load-config.js';
export { describeConfig, renderConfigReference, type SettingDoc } from './describe-config.js';
export { configSchema, envBindings, type Config, type ConfigInput } from './schema.js';
