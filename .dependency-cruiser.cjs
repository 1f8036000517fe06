/**
 * Import direction of DESIGN.md: lib <- config <- platform <- modules <- http, jobs, cli <- main.
 * Between modules: tenancy <- identity <- oidc; tenancy <- authz <- billing <- gateway; guard <- gateway;
 * any module may import audit; audit imports no module. A module is used only through its index.ts.
 */
const modules = ['tenancy', 'audit', 'authz', 'identity', 'oidc', 'guard', 'billing', 'gateway', 'ops', 'webhooks'];
const allowedModuleDeps = {
  tenancy: ['audit'],
  audit: [],
  authz: ['tenancy', 'audit'],
  identity: ['tenancy', 'audit'],
  oidc: ['tenancy', 'identity', 'audit'],
  guard: ['audit'],
  billing: ['tenancy', 'authz', 'audit', 'webhooks'],
  gateway: ['tenancy', 'authz', 'billing', 'guard', 'audit'],
  ops: ['audit'],
  webhooks: ['tenancy', 'authz', 'audit'],
};

const betweenModules = modules.map((from) => ({
  name: `module-${from}-imports`,
  comment: `${from} may import only ${allowedModuleDeps[from].join(', ') || 'no other module'}`,
  severity: 'error',
  from: { path: `^src/modules/${from}/` },
  to: {
    path: '^src/modules/([^/]+)/',
    pathNot: [`^src/modules/${from}/`, ...allowedModuleDeps[from].map((m) => `^src/modules/${m}/`)],
  },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'lib-imports-nothing-internal',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
    {
      name: 'config-imports-only-lib',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/(lib|config)/' },
    },
    {
      name: 'platform-imports-lib-config',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/', pathNot: '^src/(lib|config|platform)/' },
    },
    {
      name: 'modules-not-upward',
      severity: 'error',
      from: { path: '^src/modules/' },
      to: { path: '^src/(http|jobs|cli|main)' },
    },
    {
      name: 'http-jobs-cli-not-main',
      severity: 'error',
      from: { path: '^src/(http|jobs|cli)/' },
      to: { path: '^src/main\\.ts$' },
    },
    {
      name: 'module-through-index',
      comment: 'from outside a module, import it only through its index.ts',
      severity: 'error',
      from: { path: '^src/(?!modules/)|^src/modules/([^/]+)/' },
      to: { path: '^src/modules/([^/]+)/.+', pathNot: ['^src/modules/([^/]+)/index\\.ts$', '^src/modules/$1/'] },
    },
    ...betweenModules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
