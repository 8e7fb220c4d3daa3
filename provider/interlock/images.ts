/**
 * The image tags of the sections a stack writes. An MKE upgrade bumps `ucp-interlock` but
 * leaves a customized Interlock config alone (shared reference mke-ecosystem.md, F1), so the
 * extension, proxy and config images of every section stay on the old release until someone
 * bumps them. Pure: the caller reads the core's image; nothing here talks to Docker.
 */
import { suggest } from "../config/didYouMean";
import { CONFIG_NAMESPACE } from "../config/errors";
import { deepClone, isPlainObject } from "../util/canonical";
import { documentedKey, EXTENSION_KEYS } from "./keys";
import { error, Problem, warning } from "./render";
import { CORE_SERVICE, ExtensionSection } from "./schema";

/** An image reference cut into its parts; `tag` and `digest` only when given. */
export interface ImageParts {
  repository: string;
  tag?: string;
  digest?: string;
}

/**
 * `[host[:port]/]path[:tag][@digest]`. A colon before the last `/` belongs to the registry's
 * port (`registry.example.com:5000/x`), never to a tag.
 */
export function splitImage(ref: string): ImageParts {
  const at = ref.indexOf("@");
  const name = at < 0 ? ref : ref.slice(0, at);
  const digest = at < 0 ? "" : ref.slice(at + 1);
  const colon = name.lastIndexOf(":");
  const hasTag = colon > name.lastIndexOf("/");
  const parts: ImageParts = { repository: hasTag ? name.slice(0, colon) : name };
  const tag = hasTag ? name.slice(colon + 1) : "";
  if (tag) parts.tag = tag;
  if (digest) parts.digest = digest;
  return parts;
}

/** Which images `pulumi up` writes into the sections the stack owns. */
export type ImagesSetting =
  "keep" | "follow-core" | { extension?: string; proxy?: string; config?: string };

/** The stack config key of the setting. */
export const IMAGES_KEY = `${CONFIG_NAMESPACE}:interlock.images`;

/** Sub-keys of an explicit setting and the section key each one sets. */
const SECTION_KEY_OF = { extension: "Image", proxy: "ProxyImage", config: "ConfigImage" } as const;
type ImageRole = keyof typeof SECTION_KEY_OF;
const ROLES = Object.keys(SECTION_KEY_OF) as ImageRole[];
/** The section keys that name an image, in Interlock's spelling. */
const IMAGE_KEYS: string[] = Object.values(SECTION_KEY_OF);

const EXAMPLE: Record<ImageRole, string> = {
  extension: "mirantis/ucp-interlock-extension:3.8.1",
  proxy: "mirantis/ucp-interlock-proxy:3.8.1",
  config: "mirantis/ucp-interlock-config:3.8.1",
};

// The reference grammar of distribution/reference (regexp.go), which Docker and Swarm parse
// image names with; a name they would refuse would only fail later, in a rolled-back task.
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(`^(${NAME})(?::${TAG})?(?:@${DIGEST})?$`);
const NAME_MAX = 255;
const VERSION_ALONE = /^v?\d+(?:\.\d+)*(?:[-+][\w.-]*)?$/;

/** Why `value` cannot be written as the `role` image of a section, or undefined. */
function explicitImageProblem(role: ImageRole, value: unknown): string | undefined {
  const at = `${IMAGES_KEY}.${role}`;
  if (typeof value !== "string") {
    return `${at}: expected an image reference such as ${EXAMPLE[role]}, got ${JSON.stringify(value ?? null)}`;
  }
  const match = REFERENCE.exec(value);
  if (!match || match[1].length > NAME_MAX) {
    return (
      `${at}: ${JSON.stringify(value)} is not a Docker image reference ` +
      `([registry[:port]/]repository[:tag][@digest], repository in lower case); write e.g. ${EXAMPLE[role]}`
    );
  }
  const { repository, tag, digest } = splitImage(value);
  if (tag || digest) return undefined;
  if (VERSION_ALONE.test(value)) {
    return `${at}: ${JSON.stringify(value)} is a tag alone; give the whole reference, e.g. ${splitImage(EXAMPLE[role]).repository}:${value}`;
  }
  return (
    `${at}: ${JSON.stringify(value)} has no tag or digest, so Swarm runs whatever :latest is when a task starts; ` +
    `a tag pins what Swarm runs: write e.g. ${repository}:${splitImage(EXAMPLE[role]).tag}`
  );
}

/**
 * `interlock-ingress:interlock.images`: absent is `keep`. With any problem the value is
 * `keep`, so a half-valid table never changes an image.
 */
export function parseImagesSetting(raw: unknown): { value: ImagesSetting; problems: string[] } {
  if (raw === undefined) return { value: "keep", problems: [] };
  const usage = `keep, follow-core or a table {${ROLES.join(", ")}} of image references`;
  if (raw === "keep" || raw === "follow-core") return { value: raw, problems: [] };
  if (typeof raw === "string") {
    const near = suggest(raw, ["keep", "follow-core"]);
    return {
      value: "keep",
      problems: [
        `${IMAGES_KEY}: ${JSON.stringify(raw)} is not ${usage}${near ? `; did you mean ${near}?` : ""}`,
      ],
    };
  }
  if (!isPlainObject(raw)) {
    return {
      value: "keep",
      problems: [
        `${IMAGES_KEY}: expected ${usage}, got ${JSON.stringify(raw)}; e.g. follow-core, or {proxy: ${EXAMPLE.proxy}}`,
      ],
    };
  }
  const problems: string[] = [];
  const value: { [role in ImageRole]?: string } = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!(ROLES as string[]).includes(k)) {
      // Someone who knows the TOML writes ProxyImage; it is too far from proxy for suggest.
      const near =
        ROLES.find((r) => SECTION_KEY_OF[r].toLowerCase() === k.toLowerCase()) ?? suggest(k, ROLES);
      problems.push(
        `${IMAGES_KEY}.${k}: unknown key${near ? `; did you mean ${near}?` : ""} (known: ${ROLES.join(", ")})`,
      );
      continue;
    }
    const problem = explicitImageProblem(k as ImageRole, v);
    if (problem) problems.push(problem);
    else value[k as ImageRole] = v as string;
  }
  if (!Object.keys(raw).length) {
    problems.push(
      `${IMAGES_KEY}: the table names no image; give ${ROLES.join(", ")} or write keep`,
    );
  }
  return problems.length ? { value: "keep", problems } : { value, problems };
}

/** The spelling `key` has in `section`: Interlock matches keys case-insensitively. */
function spellingIn(section: ExtensionSection, key: string): string | undefined {
  if (key in section) return key;
  return Object.keys(section).find((k) => documentedKey(k, EXTENSION_KEYS) === key);
}

/** The image keys the section sets to a string, as `[spelling, image]`. */
function imagesOf(section: ExtensionSection): Array<[string, string]> {
  return IMAGE_KEYS.map((key) => spellingIn(section, key))
    .filter((k): k is string => k !== undefined && typeof section[k] === "string")
    .map((k) => [k, section[k] as string] as [string, string])
    .filter(([, image]) => isMkeImage(image));
}

/**
 * MKE's own Interlock images (`…/ucp-interlock-proxy:3.8.0`) follow its release; a custom proxy
 * image (`registry/nginx-custom:1.25`) has a release of its own and is left alone.
 */
function isMkeImage(image: string): boolean {
  const repository = splitImage(image).repository;
  return repository.slice(repository.lastIndexOf("/") + 1).startsWith("ucp-interlock");
}

/** Why follow-core cannot follow `coreImage`, or undefined when its tag can be followed. */
function followProblem(coreImage: string | undefined, envKey: string): string | undefined {
  const fix = `set ${IMAGES_KEY} to explicit tags, e.g. {extension: ${EXAMPLE.extension}, proxy: ${EXAMPLE.proxy}}, or to keep`;
  if (coreImage === undefined) {
    return `${IMAGES_KEY}: follow-core cannot choose the images of ${envKey}: the image of the ${CORE_SERVICE} service could not be read; ${fix}`;
  }
  if (!splitImage(coreImage).tag) {
    return (
      `${IMAGES_KEY}: follow-core cannot choose the images of ${envKey}: ${CORE_SERVICE} runs ${coreImage}, which has no tag ` +
      `(a digest names that one image, not the release of the extension and proxy images); ${fix}`
    );
  }
  return undefined;
}

/**
 * The section with the images the setting asks for, as a new object. follow-core keeps each
 * repository (a mirror stays a mirror) and takes the core's tag; a digest is dropped because
 * it pins the old release's image.
 */
export function applyImages(
  section: ExtensionSection,
  setting: ImagesSetting,
  coreImage: string | undefined,
  envKey: string,
): { section: ExtensionSection; problems: Problem[] } {
  const out = deepClone(section);
  if (setting === "keep") return { section: out, problems: [] };
  if (setting === "follow-core") {
    const problem = followProblem(coreImage, envKey);
    if (problem) return { section: out, problems: [error(problem)] };
    const tag = splitImage(coreImage as string).tag;
    for (const [key, image] of imagesOf(out)) {
      const { repository } = splitImage(image);
      if (repository) out[key] = `${repository}:${tag}`;
    }
    return { section: out, problems: [] };
  }
  for (const role of ROLES) {
    const image = setting[role];
    if (image === undefined) continue;
    const key = SECTION_KEY_OF[role];
    out[spellingIn(out, key) ?? key] = image;
  }
  return { section: out, problems: [] };
}

/**
 * One warning per section left on another release than the core: the sign of an MKE upgrade
 * that could not touch a customized Interlock. Tags only, since the repositories differ by
 * design (ucp-interlock, ucp-interlock-proxy, …); an image without a tag cannot be compared.
 */
export function imageDriftProblems(
  sections: Record<string, ExtensionSection>,
  coreImage: string | undefined,
  where: (section: string) => string,
): Problem[] {
  const coreTag = coreImage === undefined ? undefined : splitImage(coreImage).tag;
  if (!coreTag) return [];
  const problems: Problem[] = [];
  for (const [name, section] of Object.entries(sections)) {
    const behind = imagesOf(section).filter(([, image]) => {
      const { tag } = splitImage(image);
      return tag !== undefined && tag !== coreTag;
    });
    if (!behind.length) continue;
    const listed = behind.map(([key, image]) => `${where(name)}.${key} is ${image}`);
    const images =
      listed.length === 1 ? listed[0] : `${listed.slice(0, -1).join(", ")} and ${listed.at(-1)}`;
    problems.push(
      warning(
        `${images} while ${CORE_SERVICE} runs ${coreImage} (an MKE upgrade does not update a customized Interlock); ` +
          `set ${IMAGES_KEY} to follow-core, or to explicit tags, and run pulumi up`,
      ),
    );
  }
  return problems;
}
