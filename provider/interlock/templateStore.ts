/**
 * UCP's template section, saved on the cluster the first time a stack replaces it, as the
 * Docker config `interlock-ingress.template.<name>` (TOML, immutable). Every stack on the
 * cluster renders from it once the live section is gone, whichever environment came first.
 */
import type Dockerode from "dockerode";
import { isConflict } from "../docker/errors";
import { createObject, findId } from "../docker/objects";
import { readConfigObject } from "./live";
import { Template } from "./render";
import { ExtensionSection } from "./schema";
import { parseCoreConfig, stringifyCoreConfig } from "./toml";
import { encodeConfigText } from "./bytes";

/** Name prefix of saved template sections. */
export const TEMPLATE_CONFIG_PREFIX = "interlock-ingress.template.";
/** The config version a saved template was copied from. */
export const LABEL_TEMPLATE_SOURCE = "com.docker.interlock-ingress.template-source";

/** The Docker config holding the saved copy of template `section`. */
export function templateConfigName(section: string): string {
  return `${TEMPLATE_CONFIG_PREFIX}${section}`;
}

/** The saved copy of template `section`, if a stack saved one. */
export async function readSavedTemplate(
  docker: Dockerode,
  section: string,
): Promise<Template | undefined> {
  const name = templateConfigName(section);
  const id = await findId(docker, "config", name);
  if (!id) return undefined;
  const { text, labels } = await readConfigObject(docker, id);
  const stored = parseCoreConfig(text, `the saved template ${name}`).Extensions?.[section];
  if (!stored)
    throw new Error(
      `the saved template ${name} has no [Extensions.${section}]; remove it with docker config rm ${name}`,
    );
  const from = labels[LABEL_TEMPLATE_SOURCE];
  return {
    name: section,
    section: stored,
    source: `the saved template ${name}${from ? ` (from ${from})` : ""}`,
  };
}

/** Saves the template once; a copy saved by another stack first is kept. */
export async function saveTemplate(
  docker: Dockerode,
  section: string,
  value: ExtensionSection,
  source: string,
): Promise<void> {
  try {
    await createObject(docker, "config", {
      Name: templateConfigName(section),
      Labels: { [LABEL_TEMPLATE_SOURCE]: source },
      Data: encodeConfigText(stringifyCoreConfig({ Extensions: { [section]: value } })).toString(
        "base64",
      ),
    });
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}
