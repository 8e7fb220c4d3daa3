// What the lab's Interlock stand-in refuses at start once the decoder has read the config into
// Interlock's types (a missing string is "", a missing port 0, a missing list null), with the
// messages it logs.
"use strict";

const CONSTRAINT = /^\s*[A-Za-z0-9_.\-]+\s*(==|!=)\s*\S+\s*$/;

function validateCoreConfig(config) {
  const problems = [];
  const exts = config.Extensions;
  if (!exts || typeof exts !== "object" || !Object.keys(exts).length) {
    return ["no [Extensions.<name>] section: at least one extension is required"];
  }
  const seen = new Map();
  for (const [name, ext] of Object.entries(exts)) {
    const where = `Extensions.${name}`;
    for (const key of ["Image", "ProxyImage", "ServiceName", "ProxyServiceName"]) {
      if (typeof ext[key] !== "string" || !ext[key])
        problems.push(`${where}.${key} must be a non-empty string`);
    }
    if (ext.ProxyReplicas === undefined || ext.ProxyReplicas === null)
      problems.push(`${where}.ProxyReplicas is missing`);
    else if (!Number.isInteger(ext.ProxyReplicas) || ext.ProxyReplicas < 0)
      problems.push(
        `${where}.ProxyReplicas must be a whole number, got ${JSON.stringify(ext.ProxyReplicas)}`,
      );
    if (ext.PublishMode && !["ingress", "host"].includes(ext.PublishMode))
      problems.push(
        `${where}.PublishMode must be "ingress" or "host", got ${JSON.stringify(ext.PublishMode)}`,
      );
    for (const key of ["PublishedPort", "PublishedSSLPort", "TargetPort", "TargetSSLPort"]) {
      const v = ext[key];
      if (v && !(Number.isInteger(v) && v >= 1 && v <= 65535))
        problems.push(`${where}.${key} must be a port number 1-65535, got ${JSON.stringify(v)}`);
    }
    for (const key of ["Constraints", "ProxyConstraints"]) {
      for (const c of ext[key] || []) {
        if (typeof c !== "string" || !CONSTRAINT.test(c))
          problems.push(
            `${where}.${key} has an invalid constraint ${JSON.stringify(c)} (use ==/!=)`,
          );
      }
    }
    for (const key of ["ServiceName", "ProxyServiceName"]) {
      const v = ext[key];
      if (typeof v !== "string") continue;
      if (seen.has(v)) problems.push(`${where}.${key} "${v}" is already used by ${seen.get(v)}`);
      else seen.set(v, where);
    }
  }
  return problems;
}

module.exports = { validateCoreConfig };
