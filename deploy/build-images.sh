#!/usr/bin/env bash
# Build every image of the shop from the repository root, tagged shopstack/<name>:dev,
# and optionally load them into a local cluster:
#
#   deploy/build-images.sh                 # build all eight (the seven apps and nginx)
#   deploy/build-images.sh kind            # build, then `kind load docker-image`
#   deploy/build-images.sh minikube        # build, then `minikube image load`
#   IMAGES="monolith gateway" deploy/build-images.sh   # only some
#
# PYTHON_IMAGE picks the base image (default python:3.12-slim; a mirror, or the
# local Debian base of deploy/base-image.sh: shopstack/python-base:bookworm).
# KIND_CLUSTER names the kind cluster (default: kind). Builds use the classic
# builder and the host's network (the machines this runs on have no bridge).
set -euo pipefail

cd "$(dirname "$0")/.."
python_image="${PYTHON_IMAGE:-python:3.12-slim}"
declare -A dockerfiles=(
    [monolith]=monolith/Dockerfile
    [users]=services/users/Dockerfile
    [catalog]=services/catalog/Dockerfile
    [cart]=services/cart/Dockerfile
    [orders]=services/orders/Dockerfile
    [payments]=services/payments/Dockerfile
    [gateway]=gateway/Dockerfile
    [nginx]=deploy/nginx/Dockerfile
)
read -r -a names <<<"${IMAGES:-monolith users catalog cart orders payments gateway nginx}"

log=$(mktemp "${TMPDIR:-/tmp}/build-images.XXXXXX")
trap 'rm -f "${log}"' EXIT

images=()
started=${SECONDS}
for name in "${names[@]}"; do
    image="shopstack/${name}:dev"
    echo "build-images: building ${image} on ${python_image}" >&2
    if ! DOCKER_BUILDKIT=0 docker build --network host --build-arg "PYTHON_IMAGE=${python_image}" \
            -f "${dockerfiles[$name]}" -t "${image}" . >"${log}" 2>&1; then
        tail -n 40 "${log}" >&2
        echo "build-images: ${image} failed" >&2
        exit 1
    fi
    images+=("${image}")
done
echo "build-images: ${#images[@]} images built in $((SECONDS - started)) s" >&2
docker image ls --format '  {{.Repository}}:{{.Tag}}  {{.Size}}' "shopstack/*:dev" >&2

case "${1:-}" in
    "") ;;
    kind) kind load docker-image --name "${KIND_CLUSTER:-kind}" "${images[@]}" ;;
    minikube) for image in "${images[@]}"; do minikube image load "${image}"; done ;;
    *) echo "unknown target: $1 (kind or minikube)" >&2; exit 2 ;;
esac
