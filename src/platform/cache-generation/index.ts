export { bumpOrgGeneration, GenerationCache, OrgGenerations, selectOrgGeneration } from './org-generation.js';
