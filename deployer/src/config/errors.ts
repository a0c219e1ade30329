/** A problem with the deployer's configuration (targets file, sandbox target file): one line, exit code 2. */
export class ConfigError extends Error {}
