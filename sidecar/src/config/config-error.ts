/** The one error a bad setting raises: its message names the field, and the CLI prints it without a stack. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
