/**
 * The AWS SDK warns on every start that its 2027 releases need Node 22 (the project runs on
 * Node 20, README); the line is left out of the tests' and the plugin's output. Imported
 * before the SDK.
 */
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (
    /NodeVersionSupportWarning|require node >=22/.test(`${String(warning)} ${JSON.stringify(rest)}`)
  )
    return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
