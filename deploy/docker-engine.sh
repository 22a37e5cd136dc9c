#!/usr/bin/env bash
# Make sure a Docker engine answers, on a machine without a container registry:
#
#   deploy/docker-engine.sh
#
# Idempotent. Installs Debian's docker.io, docker-compose and debootstrap with
# apt-get when one of them is missing, then starts dockerd in the background
# when `docker info` fails, without iptables rules or a bridge (containers use
# the host's network), and waits until it answers. DOCKERD_LOG names the log
# file of a dockerd started here (default: dockerd.log in the temp folder).
set -euo pipefail

as_root() {
    if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi
}

install_packages() {
    local missing=()
    if ! command -v docker >/dev/null || ! [[ -x /usr/sbin/dockerd ]]; then
        missing+=(docker.io)
    fi
    command -v docker-compose >/dev/null || missing+=(docker-compose)
    command -v debootstrap >/dev/null || [[ -x /usr/sbin/debootstrap ]] \
        || missing+=(debootstrap debian-archive-keyring)
    if ((${#missing[@]})); then
        echo "docker-engine: installing ${missing[*]}" >&2
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}"
    fi
}

start_engine() {
    local log=${DOCKERD_LOG:-${TMPDIR:-/tmp}/dockerd.log}
    echo "docker-engine: starting dockerd (log: ${log})" >&2
    as_root env PATH="${PATH}:/usr/sbin:/sbin" \
        setsid /usr/sbin/dockerd --iptables=false --bridge=none >>"${log}" 2>&1 </dev/null &
    for _ in $(seq 1 60); do
        if docker info >/dev/null 2>&1; then return 0; fi
        sleep 1
    done
    echo "docker-engine: dockerd did not answer within 60 s; its log:" >&2
    tail -n 40 "${log}" >&2
    return 1
}

install_packages
if ! docker info >/dev/null 2>&1; then
    start_engine
fi
echo "docker-engine: engine $(docker version --format '{{.Server.Version}}') answers" >&2
