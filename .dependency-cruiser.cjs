/**
 * Imports point down (docs/architecture.md). `npm run layers` runs it; tests/static/layers.test.ts runs that in `npm test`.
 * Layers, top to bottom: infra (runs the services), the services, shared. Inside shared:
 * projection/ (the batch statement), then read-models/ (pure planners), then events and money.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const SERVICES = '^(command-api|projector|query-api|notifier)/';
module.exports = {
  forbidden: [
    {
      name: 'shared-imports-no-service',
      comment: 'shared is the bottom layer: it never imports a service, infra, tests or bench',
      severity: 'error',
      from: { path: '^shared/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(command-api|projector|query-api|notifier|infra|tests|bench)/' },
    },
    {
      name: 'services-import-no-other-service',
      comment: 'a service never imports another service; what two need is in shared',
      severity: 'error',
      from: { path: '^(command-api|projector|query-api|notifier)/src/' },
      to: { path: SERVICES, pathNot: '^$1/' },
    },
    {
      name: 'product-imports-no-tests-or-bench',
      comment: 'product code does not import test or bench code (unit tests beside it may)',
      severity: 'error',
      from: { path: '^(command-api|projector|query-api|notifier|shared|infra)/src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(tests|bench)/' },
    },
    {
      name: 'services-import-no-infra',
      comment: 'infra runs the services; they do not import it',
      severity: 'error',
      from: { path: '^(command-api|projector|query-api|notifier)/src/' },
      to: { path: '^infra/' },
    },
    {
      name: 'read-models-import-only-down',
      comment:
        'a read model (pure: it plans its share of a batch) imports only its siblings in read-models/, the events and money',
      severity: 'error',
      from: { path: '^shared/src/read-models/', pathNot: '\\.test\\.ts$' },
      to: { path: '^shared/src/', pathNot: '^shared/src/(read-models/|events/|money\\.ts$)' },
    },
    {
      name: 'projection-imports-only-down',
      comment: 'the batch statement knows the read models and the bookkeeping, not who runs it (projector or query API)',
      severity: 'error',
      from: { path: '^shared/src/projection/' },
      to: { path: '^shared/src/', pathNot: '^shared/src/(projection|read-models|read-side|events)/' },
    },
    {
      name: 'projector-projection-imports-only-down',
      comment: 'applying a batch (group commit, transient failures) knows the batch statement in shared, not who calls it',
      severity: 'error',
      from: { path: '^projector/src/projection/' },
      to: { path: '^projector/src/', pathNot: '^projector/src/projection/' },
    },
    {
      name: 'query-api-jobs-stay-apart',
      comment:
        'the read API and the lag inspector each have their own dependencies; the console, an operator view, shows the lag',
      severity: 'error',
      from: { path: '^query-api/src/(read-api|lag|console)/' },
      to: { path: '^query-api/src/(read-api|lag|console)/', pathNot: '^query-api/src/($1|lag)/' },
    },
    {
      name: 'lag-imports-no-other-job',
      severity: 'error',
      from: { path: '^query-api/src/lag/' },
      to: { path: '^query-api/src/(read-api|console)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|^bench/results/|^tests/chaos/results/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
