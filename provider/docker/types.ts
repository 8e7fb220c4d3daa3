/**
 * The Engine API's Swarm objects, narrowed to what this project reads: one shape per kind, so
 * every provider reads the same fields under the same names whichever call returned them.
 */

/** A service's or task's network: `Target` is its ID (or its name, as a spec may give it). */
export interface NetworkAttachment {
  Target: string;
}

/** A config mounted on a service, as its spec refers to it. */
export interface ConfigRef {
  File?: { Name: string; UID?: string; GID?: string; Mode?: number };
  ConfigID: string;
  ConfigName: string;
}

/** The container part of a service's task template. */
export interface ContainerSpec {
  Image: string;
  Configs?: ConfigRef[];
  [k: string]: unknown;
}

/** What each of a service's tasks is made from. */
export interface TaskTemplate {
  ContainerSpec: ContainerSpec;
  Networks?: NetworkAttachment[];
  [k: string]: unknown;
}

/** A service's spec: what an update writes back whole. */
export interface ServiceSpec {
  Name: string;
  Labels?: Record<string, string>;
  Mode?: { Replicated?: { Replicas?: number }; [k: string]: unknown };
  TaskTemplate: TaskTemplate;
  UpdateConfig?: Record<string, unknown>;
  [k: string]: unknown;
}

/** A service, as listed or inspected. */
export interface SwarmService {
  ID: string;
  Version: { Index: number };
  Spec: ServiceSpec;
  PreviousSpec?: ServiceSpec;
  UpdateStatus?: { State?: string; StartedAt?: string; CompletedAt?: string; Message?: string };
  Endpoint?: {
    Ports?: Array<{ TargetPort?: number; PublishedPort?: number; PublishMode?: string }>;
  };
}

/** One of a service's tasks: a container Swarm runs, or ran, for it. */
export interface SwarmTask {
  ID: string;
  ServiceID?: string;
  NodeID?: string;
  DesiredState?: string;
  CreatedAt?: string;
  /**
   * The template the task was made from. The API fills defaults into a service's template that
   * its tasks' copies lack, so the two are not equal even when the task runs the current spec.
   */
  Spec?: {
    ContainerSpec?: Partial<ContainerSpec>;
    Networks?: NetworkAttachment[];
    ForceUpdate?: number;
    [k: string]: unknown;
  };
  Status?: {
    State?: string;
    Err?: string;
    Message?: string;
    Timestamp?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
}

/** A node of the swarm. */
export interface SwarmNode {
  ID: string;
  Version: { Index: number };
  Spec: { Labels?: Record<string, string>; Role?: string; Availability?: string; Name?: string };
  Description?: {
    Hostname?: string;
    Platform?: { OS?: string; Architecture?: string };
    Engine?: { Labels?: Record<string, string> };
  };
  Status?: { State?: string; Addr?: string };
}

/** A network; unlike the Swarm objects, its ID and name are at the top (`Id`, `Name`). */
export interface SwarmNetwork {
  Id: string;
  Name: string;
  Driver: string;
  Attachable?: boolean;
  Labels?: Record<string, string>;
  Options?: Record<string, string>;
  /** Only in an inspect's answer, never in a list's. */
  Containers?: Record<string, { Name?: string }>;
}

/** A config: immutable, so new content is a new config. */
export interface SwarmConfig {
  ID: string;
  /** `Data` is the content, base64-encoded. */
  Spec: { Name: string; Labels?: Record<string, string>; Data: string };
}

/** A secret: the Engine API never returns its data. */
export interface SwarmSecret {
  ID: string;
  Spec: { Name: string; Labels?: Record<string, string> };
}

/** What the Engine API lists, by kind. */
export interface Listed {
  service: SwarmService;
  task: SwarmTask;
  node: SwarmNode;
  network: SwarmNetwork;
  config: SwarmConfig;
  secret: SwarmSecret;
}

export type Listable = keyof Listed;

/** The kinds this project creates, finds by name and removes. */
export type Kind = "service" | "network" | "config" | "secret";
