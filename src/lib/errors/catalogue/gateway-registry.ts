import { defineErrors } from '../error-spec.js';

/** Codes of the gateway's prompt registry and model routes (versions, rollback, canary, shadow). */
export const gatewayRegistryErrors = defineErrors({
  'gateway.prompt_not_found': {
    status: 404,
    title: 'Prompt not found',
    description: 'The org has no prompt of this name (a prompt of another org is not found either).',
  },
  'gateway.prompt_version_not_found': {
    status: 404,
    title: 'Prompt version not found',
    description: 'The prompt has no version of this number.',
  },
  'gateway.prompt_name_taken': {
    status: 409,
    title: 'Prompt name taken',
    description: 'The org already has a prompt of this name; add a version to it instead.',
  },
  'gateway.prompt_invalid': {
    status: 400,
    title: 'Invalid prompt template',
    description:
      'The template uses a `{{variable}}` it does not declare, declares one it never uses, or has a malformed placeholder. `issues[].field` names the field.',
  },
  'gateway.prompt_variables_invalid': {
    status: 400,
    title: 'Invalid prompt variables',
    description:
      'The variables sent with `bulwark.prompt` do not fit the prompt version: a required one is missing, one is not declared, or one is longer than its `max_length`. `issues[].field` names the variable.',
  },
  'gateway.route_not_found': {
    status: 404,
    title: 'Model route not found',
    description: 'The org has no model route of this name (a route of another org is not found either).',
  },
  'gateway.route_version_not_found': {
    status: 404,
    title: 'Model route version not found',
    description: 'The model route has no version of this number.',
  },
  'gateway.route_name_taken': {
    status: 409,
    title: 'Model route name taken',
    description: 'The org already has a model route of this name; add a version to it instead.',
  },
  'gateway.route_invalid': {
    status: 400,
    title: 'Invalid model route',
    description:
      "The route's targets are not chat models of the org (org models or built-in ones), repeat a model, have weights that do not sum to 100, or the shadow target is also a weighted target. `issues[].field` names the field.",
  },
});
