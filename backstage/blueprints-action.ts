// The `blueprints:new` scaffolder action used by template.yaml: runs the Python generator
// (`blueprints new --no-input`) in the task's workspace. An example for Backstage's new
// backend system, not built or tested in this repository; adapt the schema style to your
// Backstage version. Install: add this module to packages/backend (backend.add(...)); the
// backend's image needs Python 3.11+ and this package's `blueprints` on PATH (installed from
// your index, a wheel or git); set BLUEPRINTS_PACKAGE_SOURCE so generated projects install
// from the same place (docs/self-service.md).
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  createTemplateAction,
  executeShellCommand,
  scaffolderActionsExtensionPoint,
} from '@backstage/plugin-scaffolder-node';

export const blueprintsNewAction = () =>
  createTemplateAction({
    id: 'blueprints:new',
    description: 'Generate a Pulumi project from a blueprint (blueprints new --no-input)',
    schema: {
      input: {
        projectName: z => z.string(),
        blueprint: z => z.string(),
        environments: z => z.array(z.enum(['dev', 'staging', 'prod'])),
        target: z => z.enum(['aws', 'kubernetes']),
        region: z => z.string().optional(),
        owner: z => z.string(),
        costCenter: z => z.string(),
      },
    },
    async handler(ctx) {
      const i = ctx.input;
      // Arguments as a list, no shell: answers are validated again by the generator
      // (exit code 2 and one line naming the option on a bad answer).
      const args = [
        'new', '.', '--no-input', '--force',
        '--project-name', i.projectName,
        '--blueprint', i.blueprint,
        '--environments', i.environments.join(','),
        '--target', i.target,
        '--owner', i.owner,
        '--cost-center', i.costCenter,
        ...(i.region ? ['--region', i.region] : []),
      ];
      await executeShellCommand({
        command: 'blueprints',
        args,
        options: { cwd: ctx.workspacePath },
        logger: ctx.logger,
      });
    },
  });

export default createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'blueprints',
  register({ registerInit }) {
    registerInit({
      deps: { scaffolder: scaffolderActionsExtensionPoint },
      async init({ scaffolder }) {
        scaffolder.addActions(blueprintsNewAction());
      },
    });
  },
});
