#!/usr/bin/env bash
# Build every image of the shop from the repository root, tagged shopstack/<name>:dev,
# and optionally load them into a local cluster:
#
#   deploy/build-images.sh                 # build only
#   deploy/build-images.sh kind            # build, then `kind load docker-image`
#   deploy/build-images.sh minikube        # build, then `minikube image load`
#
# PYTHON_IMAGE picks another base image (a mirror, a locally built Debian image);
# KIND_CLUSTER names the kind cluster (default: kind).
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
)

images=()
for name in monolith users catalog cart orders payments gateway; do
    image="shopstack/${name}:dev"
    echo "building ${image}" >&2
    docker build --build-arg "PYTHON_IMAGE=${python_image}" -f "${dockerfiles[$name]}" \
        -t "${image}" .
    images+=("${image}")
done

case "${1:-}" in
    "") ;;
    kind) kind load docker-image --name "${KIND_CLUSTER:-kind}" "${images[@]}" ;;
    minikube) for image in "${images[@]}"; do minikube image load "${image}"; done ;;
    *) echo "unknown target: $1 (kind or minikube)" >&2; exit 2 ;;
esac
