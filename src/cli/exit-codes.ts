/** Exit codes of every command (docs/cli.md lists them). */
export const EXIT = {
  /** Everything succeeded. */
  ok: 0,
  /** A user error: bad option, missing cloud, invalid config. Nothing was changed. */
  usage: 1,
  /** An unexpected error (a bug or an unreachable cloud); --debug prints the stack. */
  internal: 2,
  /** The command ran to the end but some items failed or some metadata was invalid. */
  partial: 3,
} as const
