#!/usr/bin/env bash
# The blog's steps 3-9 on the lab with the docker CLI, scripted as its reader would type them,
# from UCP's initial state (lab/lab baseline) to the same end state as `pulumi up --stack lab`:
# ingress nodes labelled, conf-2 swapped onto ucp-interlock with rollback, every cluster's
# extension and proxy running, the stale default services removed, ingress_dev, and demodev at
# 2/2 answering through dev's proxy. The reference that bench/sideBySide.ts times `up` against.
set -euo pipefail
export DOCKER_HOST="${DOCKER_HOST:-unix:///run/interlock-lab/m0.sock}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

declare -A NODE=([dev]=ip-10-213-0-11.us-west-2.compute.internal
  [test]=ip-10-213-0-12.us-west-2.compute.internal [prod]=ip-10-213-0-13.us-west-2.compute.internal)

# Step 3: label the ingress nodes.
for env in dev test prod; do
  docker node update --label-add "com.docker.interlock.service.cluster=$env" "${NODE[$env]}" >/dev/null
done

# Step 4: download the Interlock configuration.
current=$(docker service inspect --format '{{ (index .Spec.TaskTemplate.ContainerSpec.Configs 0).ConfigName }}' ucp-interlock)
docker config inspect --format '{{ printf "%s" .Spec.Data }}' "$current" >"$work/config.orig.toml"

# Step 5: the editor's work: the default section three times, renamed and changed as the blog
# shows (host mode and one replica, as the lab stack has them).
python3 - "$work/config.orig.toml" "$work/config.new.toml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
start = text.index("[Extensions.default]")
start = text.rindex("\n", 0, start) + 1
head, default = text[:start], text[start:]
ports = {"dev": (8082, 8445), "test": (8081, 8444), "prod": (8080, 8443)}
out = head
for env, (http, https) in ports.items():
    s = default.replace("[Extensions.default", f"[Extensions.{env}")
    s = s.replace('"ucp-interlock-extension"', f'"ucp-interlock-extension-{env}"')
    s = s.replace('"ucp-interlock-proxy"', f'"ucp-interlock-proxy-{env}"')
    s = re.sub(r"ProxyReplicas = \d+", "ProxyReplicas = 1", s)
    s = s.replace('PublishMode = "ingress"', 'PublishMode = "host"')
    s = re.sub(r"PublishedPort = \d+", f"PublishedPort = {http}", s)
    s = re.sub(r"PublishedSSLPort = \d+", f"PublishedSSLPort = {https}", s)
    s = re.sub(r'(Constraints = \[[^\]]*)\]', rf'\1, "node.labels.com.docker.interlock.service.cluster=={env}"]', s)
    s = re.sub(rf"(\[Extensions\.{env}\]\n)", rf'\1    ServiceCluster = "{env}"\n', s, count=1)
    out += s + "\n"
open(sys.argv[2], "w").write(out)
PY

# Step 6: upload it as the next version.
new="com.docker.ucp.interlock.conf-$(($(cut -d '-' -f 2 <<<"$current") + 1))"
docker config create "$new" "$work/config.new.toml" >/dev/null

# Step 7: restart Interlock with it; the CLI waits until the service converges. The lab has no
# registry, so the image is not resolved (resolving would only add a registry timeout).
docker service update --quiet --no-resolve-image --update-failure-action rollback \
  --config-rm "$current" --config-add "source=$new,target=/config.toml" ucp-interlock >/dev/null

# Step 8: remove the stale defaults, then verify every cluster's extension and proxy run. The
# blog verifies first; but the default proxy can hold a port a cluster's host-mode proxy needs on
# its node, and then the verification never ends (seen here: prod's proxy pending for minutes).
# `up` removes them first too.
docker service rm ucp-interlock-extension ucp-interlock-proxy >/dev/null 2>&1 || true
running() { [[ "$(docker service ls --filter "name=$1" --format '{{.Name}} {{.Replicas}}' | awk -v n="$1" '$1 == n {print $2}')" == "$2" ]]; }
for env in dev test prod; do
  until running "ucp-interlock-extension-$env" 1/1 && running "ucp-interlock-proxy-$env" 1/1; do sleep 0.5; done
done

# Step 9: the demo application on dev's cluster.
docker network create ingress_dev --label com.docker.ucp.access.label=/dev --driver overlay >/dev/null
cat >"$work/docker-stack.yml" <<'YAML'
version: "3.7"
services:
  demo:
    image: lab/docker-demo:lab
    command: [httpd, -f, -p, "8080", -h, /www]
    deploy:
      replicas: 2
      labels:
        com.docker.lb.hosts: ingress-demo.lab.capstonec.net
        com.docker.lb.network: ingress_dev
        com.docker.lb.port: "8080"
        com.docker.lb.service_cluster: dev
        com.docker.ucp.access.label: /dev
    networks: [ingress_dev]
networks:
  ingress_dev:
    external: true
YAML
docker stack deploy --resolve-image never -c "$work/docker-stack.yml" demodev >/dev/null
until running demodev_demo 2/2; do sleep 0.5; done
# "open a browser to http://ingress-demo.lab.capstonec.net": dev's proxy answers for it.
until curl -fsS -o /dev/null 2>/dev/null -H 'Host: ingress-demo.lab.capstonec.net' http://10.213.0.11:8082/; do sleep 0.5; done
echo "blog-cli: done ($new on ucp-interlock)" >&2
