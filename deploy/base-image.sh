#!/usr/bin/env bash
# Build the images' base locally, for machines that cannot pull python:3.12-slim:
#
#   deploy/base-image.sh            # makes shopstack/python-base:bookworm if it is missing
#   BASE_IMAGE=name:tag deploy/base-image.sh
#
# Idempotent. A minimal Debian bookworm root filesystem (debootstrap, from
# Debian's archive) with python3, its venv module and the CA certificates,
# imported as an image. The host's CA bundle replaces the rootfs's own, so
# that pip inside a build trusts what the host trusts (a TLS-inspecting proxy,
# say). Apt's caches and lists, documentation and translations are left out.
# DEBIAN_MIRROR picks another archive (default: http://deb.debian.org/debian).
set -euo pipefail

image=${BASE_IMAGE:-shopstack/python-base:bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
host_ca_bundle=/etc/ssl/certs/ca-certificates.crt

as_root() {
    if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi
}

if docker image inspect "${image}" >/dev/null 2>&1; then
    echo "base-image: ${image} is there" >&2
    exit 0
fi

rootfs=$(mktemp -d "${TMPDIR:-/tmp}/python-base.XXXXXX")
trap 'as_root rm -rf "${rootfs}"' EXIT

started=${SECONDS}
echo "base-image: debootstrap bookworm into ${rootfs} (about 2 minutes)" >&2
as_root env PATH="${PATH}:/usr/sbin:/sbin" debootstrap --variant=minbase \
    --include=python3,python3-venv,ca-certificates bookworm "${rootfs}" "${mirror}" >/dev/null
if [[ -f ${host_ca_bundle} ]]; then
    as_root cp "${host_ca_bundle}" "${rootfs}/etc/ssl/certs/ca-certificates.crt"
fi
as_root rm -rf "${rootfs}"/var/cache/apt/* "${rootfs}"/var/lib/apt/lists/* \
    "${rootfs}"/var/cache/debconf/*-old "${rootfs}"/var/log/* \
    "${rootfs}"/usr/share/doc/* "${rootfs}"/usr/share/man/* "${rootfs}"/usr/share/info/* \
    "${rootfs}"/usr/share/locale/*

echo "base-image: importing ${image}" >&2
as_root tar -C "${rootfs}" -c . | docker import \
    --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    - "${image}" >/dev/null
echo "base-image: ${image} built in $((SECONDS - started)) s," \
    "$(docker image inspect --format '{{.Size}}' "${image}" | awk '{printf "%d MB", $1/1e6}')" >&2
