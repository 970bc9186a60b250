/** `metadefs`: the Glance metadata-definitions namespace, so Horizon/Skyline show every key as a field. */
import { buildMetadefsNamespace } from '../../planner/metadefs.ts'
import { defineCommand } from '../command.ts'
import { EXIT } from '../exit-codes.ts'

export const metadefsCommand = defineCommand<Record<string, never>>({
  name: 'metadefs',
  summary: 'print a Glance metadata-definitions namespace (JSON) describing every volume key Snapwarden reads',
  parseOptions: () => ({}),
  async run(_opts, deps) {
    deps.out.json(buildMetadefsNamespace())
    return EXIT.ok
  },
})
